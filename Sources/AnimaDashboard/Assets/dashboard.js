// anima dashboard: live figures, confirm dialogs, select-all. Every action also works without it.
"use strict";
(function () {
  const base = document.body.dataset.base || "";

  // Confirm dialogs: a form or the button that submits it may carry data-confirm.
  document.addEventListener("submit", function (event) {
    const submitter = event.submitter;
    const text = (submitter && submitter.dataset.confirm) || event.target.dataset.confirm;
    if (text && !window.confirm(text)) event.preventDefault();
  });

  // Select-all: a checkbox with data-select-all="NAME" ticks every checkbox NAME in its form.
  document.querySelectorAll("input[data-select-all]").forEach(function (all) {
    all.addEventListener("change", function () {
      const form = all.form || document;
      form.querySelectorAll('input[type="checkbox"][name="' + all.dataset.selectAll + '"]').forEach(function (box) {
        box.checked = all.checked;
      });
    });
  });

  // Live figures: every element with data-stat="FIELD" shows that field of /api/stats.
  const targets = document.querySelectorAll("[data-stat]");
  if (targets.length === 0) return;
  async function refresh() {
    try {
      const response = await fetch(base + "/api/stats", { credentials: "same-origin", headers: { Accept: "application/json" } });
      if (!response.ok) return;
      const stats = await response.json();
      targets.forEach(function (element) {
        const value = stats[element.dataset.stat];
        if (value !== undefined) element.textContent = String(value);
      });
    } catch (error) {
      // Offline for a moment: keep the last figures.
    }
  }
  refresh();
  setInterval(refresh, 3000);
})();
