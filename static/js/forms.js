// Small form behaviours declared in the markup, since the Content-Security-Policy runs no inline handlers:
//   data-confirm="question" on a form or a submit button asks before sending;
//   data-autosubmit on a field sends its form when the value changes.
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var button = event.submitter;
    var question = (button && button.dataset.confirm) || form.dataset.confirm;
    if (question && !window.confirm(question)) event.preventDefault();
  });
  document.querySelectorAll("[data-autosubmit]").forEach(function (field) {
    field.addEventListener("change", function () {
      if (field.form) field.form.requestSubmit ? field.form.requestSubmit() : field.form.submit();
    });
  });
})();
