// A canned reason fills the decision note, which stays editable.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  const reasons = document.getElementById("id_reason");
  const note = document.getElementById("id_decision_note");
  if (!reasons || !note) return;
  const texts = JSON.parse(reasons.dataset.texts || "{}");
  reasons.addEventListener("change", () => {
    if (texts[reasons.value]) note.value = texts[reasons.value];
    note.focus();
  });
});
