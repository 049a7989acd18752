// Release page: drag-and-drop import with upload progress. Without JavaScript the form posts normally.
(function () {
  "use strict";
  var form = document.querySelector("form[data-upload]");
  if (!form || !window.FormData || !window.XMLHttpRequest) { return; }
  var input = form.querySelector('input[type="file"]');
  var zone = form.querySelector("[data-dropzone]");
  var progress = document.getElementById("import-progress");
  var status = document.getElementById("import-status");
  var summary = document.getElementById("import-summary");
  var button = form.querySelector('button[type="submit"]');

  function describe(files) {
    var names = [];
    var total = 0;
    for (var i = 0; i < files.length; i++) { names.push(files[i].name); total += files[i].size; }
    return names.join(", ") + " (" + Math.max(1, Math.round(total / 1024)) + " KB)";
  }

  if (zone && window.Provenance) {
    window.Provenance.dropzone(zone, input, function (files) {
      status.textContent = "Ready to import " + describe(files);
    });
  }
  input.addEventListener("change", function () {
    if (input.files.length) { status.textContent = "Ready to import " + describe(input.files); }
  });

  function cell(row, text, header) {
    var el = document.createElement(header ? "th" : "td");
    el.textContent = text;
    row.appendChild(el);
  }

  function caption(text) {
    var el = document.createElement("caption");
    el.textContent = text;
    return el;
  }

  function table(title, pairs) {
    var el = document.createElement("table");
    el.className = "compact import-summary";
    el.appendChild(title);
    var body = document.createElement("tbody");
    pairs.forEach(function (pair) {
      var row = document.createElement("tr");
      cell(row, pair[0], true);
      cell(row, String(pair[1]));
      body.appendChild(row);
    });
    el.appendChild(body);
    summary.appendChild(el);
  }

  function showSummary(data) {
    summary.textContent = "";
    var heading = document.createElement("h3");
    heading.textContent = "Imported " + data.components + " components (" + data.format + ")";
    summary.appendChild(heading);
    // What the files hold, then what the whole release now holds against the previous release: two different counts.
    table(caption("In the imported files"), [
      ["Direct", data.direct], ["Transitive", data.transitive],
      ["Licences", Object.keys(data.licences).map(function (k) {
        return (k === "NOASSERTION" ? "No licence stated" : k) + " " + data.licences[k];  // the API's key for none
      }).join(", ")],
      ["Unknown licences", data.unknown_licences.join(", ") || "none"]]);
    table(caption(data.compared_with ? "The release compared with release " + data.compared_with
                                     : "The release (the product's first: every component is added)"), [
      ["Added", data.added], ["Removed", data.removed], ["Upgraded", data.upgraded],
      ["Downgraded", data.downgraded], ["Licence changed", data.licence_changed]]);
    // Every file's warnings, here with the result (the release page keeps only the last import's).
    var warnings = data.warnings || [];
    var said = document.createElement("p");
    said.textContent = warnings.length ? warnings.length + " warning(s):" : "No warnings.";
    summary.appendChild(said);
    if (warnings.length) {
      var list = document.createElement("ul");
      list.className = "import-warnings";
      warnings.forEach(function (text) {
        var item = document.createElement("li");
        item.textContent = text;
        list.appendChild(item);
      });
      summary.appendChild(list);
    }
    var stale = document.createElement("p");
    stale.className = "muted";
    stale.textContent = "The counts and lists below were loaded before this import: reload the release to see it.";
    summary.appendChild(stale);
    var link = document.createElement("a");
    link.href = data.release_url;
    link.setAttribute("role", "button");
    link.textContent = "Show the components";
    summary.appendChild(link);
    summary.hidden = false;
  }

  form.addEventListener("submit", function (event) {
    if (!input.files.length) { return; }
    event.preventDefault();
    var request = new XMLHttpRequest();
    request.open("POST", form.action);
    request.setRequestHeader("Accept", "application/json");
    var token = document.querySelector('meta[name="csrf-token"]');
    if (token) { request.setRequestHeader("X-CSRFToken", token.content); }
    progress.hidden = false;
    progress.value = 0;
    button.disabled = true;
    button.setAttribute("aria-busy", "true");
    status.textContent = "Uploading " + describe(input.files) + "…";
    request.upload.addEventListener("progress", function (e) {
      if (e.lengthComputable) {
        progress.value = Math.round((e.loaded / e.total) * 100);
        status.textContent = "Uploading… " + progress.value + " %";
      }
    });
    request.upload.addEventListener("load", function () {
      progress.value = 100;
      status.textContent = "Uploaded. Importing and comparing with the previous release…";
    });
    request.addEventListener("load", function () {
      button.disabled = false;
      button.removeAttribute("aria-busy");
      var data = null;
      try { data = JSON.parse(request.responseText); } catch (error) { data = null; }
      if (request.status === 201 && data) {
        status.textContent = "Import complete.";
        showSummary(data);
      } else {
        progress.hidden = true;
        status.textContent = (data && data.message) || ("The import failed (HTTP " + request.status + "). Nothing was imported.");
        status.className = "error";
      }
    });
    request.addEventListener("error", function () {
      button.disabled = false;
      button.removeAttribute("aria-busy");
      status.textContent = "The upload was interrupted. Nothing was imported; try again.";
    });
    request.send(new FormData(form));
  });
})();
