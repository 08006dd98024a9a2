// Small enhancements; every page works without them.
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-copy-target]");
  if (!button || !navigator.clipboard) return;
  const source = document.getElementById(button.dataset.copyTarget);
  navigator.clipboard.writeText(source.textContent).then(() => {
    const label = button.textContent;
    button.textContent = "Copied";
    setTimeout(() => { button.textContent = label; }, 1500);
  });
});

// The proposal form's look-up: a field it fills takes the value only if still
// empty when the answer arrives, and stays the same element (focus, typing kept).
document.addEventListener("htmx:oobBeforeSwap", (event) => {
  const { target, fragment } = event.detail;
  const filled = fragment.firstElementChild;
  if (!filled || !("lookupFill" in filled.dataset) || !("value" in target)) return;
  event.detail.shouldSwap = false;
  if (target.value.trim() === "") {
    target.value = filled.value;
    target.dispatchEvent(new Event("input", { bubbles: true }));
  }
});

// The copy buttons are only useful with a clipboard, so they start hidden.
document.addEventListener("DOMContentLoaded", () => {
  if (!navigator.clipboard) return;
  document.querySelectorAll("[data-copy-target]").forEach((button) => { button.hidden = false; });
});

// Live filtering: leave empty fields out of the request, so shared addresses stay short.
document.addEventListener("htmx:configRequest", (event) => {
  const parameters = event.detail.parameters;
  for (const name of [...parameters.keys()]) {
    if (parameters.getAll(name).every((value) => value === "")) parameters.delete(name);
  }
});
