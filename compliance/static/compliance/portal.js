// Portal behaviour that htmx attributes do not cover. The Content-Security-Policy allows
// scripts from our static files only: no inline <script>, no onclick=, no hx-on.
"use strict";

// The tie form's suggestions (compliance/portal/pi/org_suggest.html): "Use <organisation>"
// copies the organisation on record into the form.
document.addEventListener("click", function (event) {
  const button = event.target.closest("button[data-use-organisation]");
  if (!button || !button.form) {
    return;
  }
  const fields = button.form.elements;
  fields.organisation.value = button.dataset.name;
  if (fields.country) {
    fields.country.value = button.dataset.country;
  }
  fields.organisation.focus();
});
