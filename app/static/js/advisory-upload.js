// Advisory import page: drop a file on the zone to choose it. Without JavaScript the file input works as usual.
(function () {
  "use strict";
  var zone = document.querySelector("[data-advisory-dropzone]");
  if (!zone) { return; }
  var input = zone.querySelector('input[type="file"]');
  var status = zone.querySelector("[data-dropzone-status]");
  ["dragenter", "dragover"].forEach(function (name) {
    zone.addEventListener(name, function (event) { event.preventDefault(); zone.classList.add("dragover"); });
  });
  ["dragleave", "drop"].forEach(function (name) {
    zone.addEventListener(name, function (event) { event.preventDefault(); zone.classList.remove("dragover"); });
  });
  zone.addEventListener("drop", function (event) {
    if (event.dataTransfer && event.dataTransfer.files.length) {
      input.files = event.dataTransfer.files;
      if (status) { status.textContent = "Ready to import " + input.files[0].name + "."; }
    }
  });
})();
