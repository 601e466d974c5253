// commonwork: small enhancements; every page works without this file.
"use strict";

// In a contribution form, show the currency field only for money.
document.addEventListener("DOMContentLoaded", () => {
  for (const form of document.querySelectorAll("[data-contribute-form]")) {
    const kind = form.querySelector("select[name=kind]");
    const currencyField = form.querySelector("[data-currency-field]");
    if (!kind || !currencyField) continue;
    const input = currencyField.querySelector("input");
    const sync = () => {
      const money = kind.value === "money";
      currencyField.hidden = !money;
      input.required = money;
    };
    kind.addEventListener("change", sync);
    sync();
  }
});
