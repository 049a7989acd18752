// Advisory import page: drop a file on the zone to choose it (Provenance.dropzone, app.js).
// Without JavaScript the file input works as usual.
(function () {
  "use strict";
  var zone = document.querySelector("[data-advisory-dropzone]");
  if (!zone || !window.Provenance) { return; }
  var input = zone.querySelector('input[type="file"]');
  var status = zone.querySelector("[data-dropzone-status]");
  window.Provenance.dropzone(zone, input, function (files) {
    if (status) { status.textContent = "Ready to import " + files[0].name + "."; }
  });
})();
