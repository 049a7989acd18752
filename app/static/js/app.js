// Provenance: small behaviours without inline scripts (CSP default-src 'self').
(function () {
  "use strict";
  var token = document.querySelector('meta[name="csrf-token"]');
  // htmx requests carry the CSRF token in a header.
  document.addEventListener("htmx:configRequest", function (event) {
    if (token) { event.detail.headers["X-CSRFToken"] = token.content; }
  });
  // <form data-confirm="..."> asks before submitting.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var message = form.getAttribute && form.getAttribute("data-confirm");
    if (message && !window.confirm(message)) { event.preventDefault(); }
  }, true);
  // <select data-autosubmit> submits its form on change.
  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el.hasAttribute && el.hasAttribute("data-autosubmit") && el.form) { el.form.requestSubmit(); }
  });
  // <button data-copy="text"> copies to the clipboard.
  document.addEventListener("click", function (event) {
    var el = event.target.closest && event.target.closest("[data-copy]");
    if (!el) { return; }
    event.preventDefault();
    var text = el.getAttribute("data-copy");
    var done = function () { el.setAttribute("data-copied", "true"); el.textContent = "Copied"; };
    if (navigator.clipboard) { navigator.clipboard.writeText(text).then(done, done); } else { done(); }
  });
  // <div data-dropzone> around a file input: dropping files there chooses them (the input's "change" event fires);
  // a [data-dropzone-status] inside says which. Without JavaScript the file input works as usual.
  ["dragenter", "dragover", "dragleave", "drop"].forEach(function (name) {
    document.addEventListener(name, function (event) {
      var zone = event.target.closest && event.target.closest("[data-dropzone]");
      if (!zone) { return; }
      event.preventDefault();
      zone.classList.toggle("dragover", name === "dragenter" || name === "dragover");
      var input = zone.querySelector('input[type="file"]');
      if (name === "drop" && input && event.dataTransfer && event.dataTransfer.files.length) {
        input.files = event.dataTransfer.files;
        input.dispatchEvent(new Event("change", { bubbles: true }));
      }
    });
  });
  document.addEventListener("change", function (event) {
    var input = event.target;
    var zone = input.type === "file" && input.closest && input.closest("[data-dropzone]");
    var status = zone && zone.querySelector("[data-dropzone-status]");
    if (status && input.files.length) {
      status.textContent = "Ready to import " + Array.prototype.map.call(input.files, function (f) { return f.name; }).join(", ") + ".";
    }
  });
  // <input type="checkbox" data-check-all="name"> toggles every checkbox of that name.
  document.addEventListener("change", function (event) {
    var el = event.target;
    var name = el.getAttribute && el.getAttribute("data-check-all");
    if (!name) { return; }
    document.querySelectorAll('input[type="checkbox"][name="' + name + '"]').forEach(function (box) {
      box.checked = el.checked;
    });
  });
})();
