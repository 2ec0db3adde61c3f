// PDF previews load only when their <details> is opened.
(function () {
  "use strict";
  document.querySelectorAll("details.pdf-preview").forEach(function (box) {
    box.addEventListener("toggle", function () {
      var frame = box.querySelector("iframe[data-src]");
      if (box.open && frame && !frame.getAttribute("src")) frame.setAttribute("src", frame.dataset.src);
    });
  });
})();
