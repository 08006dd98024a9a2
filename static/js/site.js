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

// Tags: complete the tag being typed from the vocabulary, and mark the ones it lacks as new.
document.addEventListener("DOMContentLoaded", () => {
  const input = document.querySelector("input[data-vocabulary]");
  const list = document.getElementById("tag-vocabulary");
  const hint = document.getElementById("tag-hint");
  if (!input || !list) return;
  const vocabulary = JSON.parse(input.dataset.vocabulary);
  const known = new Set(vocabulary);
  const update = () => {
    const parts = input.value.split(",");
    const typing = parts.pop().trim().toLowerCase();
    const before = parts.map((part) => part.trim()).filter(Boolean);
    const prefix = before.length ? before.join(", ") + ", " : "";
    list.replaceChildren(
      ...vocabulary
        .filter((name) => name.startsWith(typing) && !before.includes(name))
        .slice(0, 20)
        .map((name) => new Option(name, prefix + name)),
    );
    const names = input.value.split(",").map((part) => part.trim().toLowerCase().split(/\s+/).join("-"));
    const fresh = names.filter((name) => name && !known.has(name));
    if (hint) {
      hint.hidden = fresh.length === 0;
      hint.textContent = fresh.length
        ? `New tag${fresh.length > 1 ? "s" : ""}: ${fresh.join(", ")}. A curator will look at ${fresh.length > 1 ? "them" : "it"}; an existing tag helps readers find the work.`
        : "";
    }
  };
  input.addEventListener("input", update);
  update();
});

// Browse: the filters fold behind a button on phones, and are open beside the results on
// wide screens. The page sends them open (without JavaScript they stay so); phones fold them.
const wideScreen = window.matchMedia("(min-width: 56rem)");
function foldFiltersOnPhones() {
  const fold = document.getElementById("filters-fold");
  if (fold) fold.open = wideScreen.matches;
}
wideScreen.addEventListener("change", foldFiltersOnPhones);

// Browse: type to narrow the tag box; chosen tags always stay in view.
function filterTags() {
  const field = document.getElementById("tag-filter");
  const options = document.getElementById("tag-options");
  if (!field || !options) return;
  const wanted = field.value.trim().toLowerCase();
  let shown = 0;
  options.querySelectorAll("li").forEach((item) => {
    const chosen = item.querySelector("input").checked;
    const visible = chosen || !wanted || item.dataset.tagName.includes(wanted);
    item.hidden = !visible;
    if (visible) shown += 1;
  });
  document.getElementById("tag-filter-none").hidden = shown > 0;
}
function setUpBrowse(event) {
  if (event.type === "DOMContentLoaded") foldFiltersOnPhones();
  const field = document.getElementById("tag-filter");
  if (field) {
    field.hidden = false;
    filterTags();
  }
}
document.addEventListener("DOMContentLoaded", setUpBrowse);
document.addEventListener("htmx:load", setUpBrowse);
document.addEventListener("input", (event) => {
  if (event.target.id === "tag-filter") filterTags();
});
// The tag filter is not a filter of the results: its changes and Enter go no further.
document.addEventListener("change", (event) => {
  if (event.target.id === "tag-filter") event.stopPropagation();
}, true);
document.addEventListener("keydown", (event) => {
  if (event.target.id === "tag-filter" && event.key === "Enter") event.preventDefault();
});
