// commonwork: small enhancements; every page works without this file.
"use strict";

// In a contribution form, show the currency field only for money and the resource field only
// for the use of a lent tool or machine.
document.addEventListener("DOMContentLoaded", () => {
  for (const form of document.querySelectorAll("[data-contribute-form]")) {
    const kind = form.querySelector("select[name=kind]");
    if (!kind) continue;
    const fields = [
      [form.querySelector("[data-currency-field]"), "money"],
      [form.querySelector("[data-resource-field]"), "resource_use"],
    ];
    const sync = () => {
      for (const [field, wanted] of fields) {
        if (!field) continue;
        const shown = kind.value === wanted;
        field.hidden = !shown;
        field.querySelector("input").required = shown;
      }
    };
    kind.addEventListener("change", sync);
    sync();
  }
});
