// Provenance: small behaviours without inline scripts (CSP default-src 'self').
(function () {
  "use strict";
  // Provenance.dropzone(zone, input, onDrop): files dropped on the zone become the file input's choice,
  // then onDrop(files) runs; the zone carries the "dragover" class while files hover over it.
  window.Provenance = window.Provenance || {};
  window.Provenance.dropzone = function (zone, input, onDrop) {
    ["dragenter", "dragover"].forEach(function (name) {
      zone.addEventListener(name, function (event) { event.preventDefault(); zone.classList.add("dragover"); });
    });
    ["dragleave", "drop"].forEach(function (name) {
      zone.addEventListener(name, function (event) { event.preventDefault(); zone.classList.remove("dragover"); });
    });
    zone.addEventListener("drop", function (event) {
      if (event.dataTransfer && event.dataTransfer.files.length) {
        input.files = event.dataTransfer.files;
        if (onDrop) { onDrop(input.files); }
      }
    });
  };

  var token = document.querySelector('meta[name="csrf-token"]');
  // htmx requests carry the CSRF token in a header.
  document.addEventListener("htmx:configRequest", function (event) {
    if (token) { event.detail.headers["X-CSRFToken"] = token.content; }
  });
  // A change in place that was refused answers 422 with the fragment and its messages: show it like a success.
  document.addEventListener("htmx:beforeSwap", function (event) {
    if (event.detail.xhr.status === 422 || event.detail.xhr.status === 409) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });
  // <form data-confirm="..."> asks before submitting; a refusal stops the event before htmx (a boosted form) sees it.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var message = form.getAttribute && form.getAttribute("data-confirm");
    if (message && !window.confirm(message)) { event.preventDefault(); event.stopPropagation(); }
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
