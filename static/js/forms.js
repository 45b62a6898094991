// After a failed submit the page comes back with an error summary (templates/_forms.html): the
// focus moves to it, so that a screen reader reads it first and the keyboard starts from its
// links to the fields, wherever the summary sits on the page.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  var summary = document.querySelector("[data-error-summary]");
  if (summary) {
    summary.focus();
  }
});
