// «Add another» for the profile's education and work experience (Django formsets): clone the empty form,
// number it, and count it in TOTAL_FORMS. Without JavaScript the page keeps its one blank block.
(function () {
  "use strict";
  document.querySelectorAll("[data-formset-add]").forEach(function (button) {
    var prefix = button.getAttribute("data-formset-add");
    var forms = document.querySelector('[data-formset-forms="' + prefix + '"]');
    var template = document.querySelector('template[data-formset-empty="' + prefix + '"]');
    var total = document.getElementById("id_" + prefix + "-TOTAL_FORMS");
    var max = document.getElementById("id_" + prefix + "-MAX_NUM_FORMS");
    if (!forms || !template || !total) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      var index = parseInt(total.value, 10);
      if (max && index >= parseInt(max.value, 10)) return;
      var html = template.innerHTML.replace(/__prefix__/g, String(index));
      var holder = document.createElement("div");
      holder.innerHTML = html;
      var block = holder.firstElementChild;
      forms.appendChild(block);
      total.value = String(index + 1);
      var first = block.querySelector("input, select, textarea");
      if (first) first.focus();
    });
  });
})();
