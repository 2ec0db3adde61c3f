// The application's postal address: shown only when "send by post" is ticked,
// and filled from the profile's address the first time it is ticked empty.
(function () {
  "use strict";
  document.querySelectorAll("[data-contact=send-by-post]").forEach(function (box) {
    var form = box.form;
    var address = form && form.querySelector("[data-contact=postal-address]");
    if (!address) return;
    var wrapper = address.closest(".mb-3") || address.parentNode;
    function sync() {
      wrapper.hidden = !box.checked;
      if (box.checked && !address.value.trim()) address.value = address.dataset.profileAddress || "";
    }
    box.addEventListener("change", sync);
    sync();
  });
})();
