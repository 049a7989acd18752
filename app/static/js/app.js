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

  // The main navigation's "Menu" button (narrow screens): opens and closes the list it controls; Escape closes it
  // and gives the focus back to the button.
  document.documentElement.classList.remove("no-js");
  var toggle = document.querySelector(".nav-toggle");
  var menu = toggle && document.getElementById(toggle.getAttribute("aria-controls"));
  if (toggle && menu) {
    var setOpen = function (open) {
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
      menu.classList.toggle("open", open);
    };
    toggle.addEventListener("click", function () { setOpen(toggle.getAttribute("aria-expanded") !== "true"); });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && toggle.getAttribute("aria-expanded") === "true") { setOpen(false); toggle.focus(); }
    });
  }

  // A refused form (a page or an htmx fragment) gives the focus to its first field in error, unless the user is
  // already somewhere: a keyboard or screen-reader user lands where the message is, not at the top of the page.
  function focusFirstError(scope) {
    var active = document.activeElement;
    if (active && active !== document.body && active !== document.documentElement) { return; }
    var first = (scope || document).querySelector('input[aria-invalid="true"], select[aria-invalid="true"], ' +
                                                  'textarea[aria-invalid="true"]');
    if (first) { first.focus(); }
  }
  focusFirstError(document);
  document.addEventListener("htmx:afterSettle", function (event) { focusFirstError(event.detail.elt); });

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
  // <form data-confirm="..."> asks before submitting, and so does a chosen radio button or checkbox with its own
  // data-confirm (a bulk action's "every component that matches"); a refusal stops the event before htmx sees it.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var chosen = form.querySelector && form.querySelector("input[data-confirm]:checked");
    var message = (chosen && chosen.getAttribute("data-confirm")) || (form.getAttribute && form.getAttribute("data-confirm"));
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
  // <button data-print> prints the page (a supplier's receipt: on paper, or saved as PDF from the print dialog).
  document.addEventListener("click", function (event) {
    var el = event.target.closest && event.target.closest("[data-print]");
    if (!el) { return; }
    event.preventDefault();
    window.print();
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

// No lost work (app/restore.py). A post form's fields are kept in this tab when it is submitted (never passwords,
// files or the CSRF token); when the server sends the user back to the form because the session or the form had
// expired, the page opens with restore=1 and the fields are filled again.
(function () {
  "use strict";
  var PREFIX = "provenance.form:";
  var KEEP_MS = 12 * 3600 * 1000;

  var SKIP = { password: true, file: true, submit: true, button: true, reset: true, image: true };

  // A form's identity on this site (its page and its action), its fields as [name, value, checked] (never a
  // password, a file, the CSRF token or the form id), and those fields put back: shared with the drafts below.
  function formKey(form) {
    return window.location.pathname + "|" + (form.getAttribute("action") || window.location.pathname);
  }
  function keepable(el) {
    return el.name && el.name !== "csrf_token" && el.name !== "_draft" && el.name !== "submission_id" && !SKIP[el.type] && !el.disabled;
  }
  function formFields(form) {
    var fields = [];
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!keepable(el)) { return; }
      if (el.type === "checkbox" || el.type === "radio") {
        fields.push([el.name, el.value, el.checked]);
      } else if (el.tagName === "SELECT" && el.multiple) {
        fields.push([el.name, Array.prototype.filter.call(el.options, function (o) { return o.selected; })
          .map(function (o) { return o.value; }), null]);
      } else {
        fields.push([el.name, el.value, null]);
      }
    });
    return fields;
  }
  function fillForm(form, fields) {
    fields.forEach(function (field) {
      var name = field[0], value = field[1], checked = field[2];
      Array.prototype.forEach.call(form.elements, function (el) {
        if (el.name !== name || !keepable(el)) { return; }
        if (el.type === "checkbox" || el.type === "radio") {
          if (el.value === value) { el.checked = checked; }
        } else if (el.tagName === "SELECT" && el.multiple) {
          Array.prototype.forEach.call(el.options, function (o) { o.selected = value.indexOf(o.value) >= 0; });
        } else {
          el.value = value;
        }
      });
    });
  }
  window.Provenance = window.Provenance || {};
  window.Provenance.formKey = formKey;
  window.Provenance.formFields = formFields;
  window.Provenance.fillForm = fillForm;
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.method || form.method.toLowerCase() !== "post" || form.hasAttribute("data-no-restore")) { return; }
    try {
      window.sessionStorage.setItem(PREFIX + formKey(form), JSON.stringify({ at: Date.now(), fields: formFields(form) }));
    } catch (e) { /* storage full or disabled: nothing to restore later */ }
  });

  function restore() {
    var params = new URLSearchParams(window.location.search);
    if (params.get("restore") !== "1") { return; }
    var restored = 0;
    document.querySelectorAll("form[method=post], form[method=POST]").forEach(function (form) {
      var saved;
      try { saved = JSON.parse(window.sessionStorage.getItem(PREFIX + formKey(form)) || "null"); } catch (e) { saved = null; }
      if (!saved || Date.now() - saved.at > KEEP_MS) { return; }
      fillForm(form, saved.fields);
      form.setAttribute("data-restored", "true");
      if (!restored && !document.querySelector(".flashes .flash-warning")) {  // the server's message says it already
        var note = document.createElement("p");
        note.className = "flash flash-warning restored-note";
        note.setAttribute("role", "status");
        note.textContent = "What you typed before is back in this form. Nothing was saved yet: check it and submit.";
        form.parentNode.insertBefore(note, form);
      }
      window.sessionStorage.removeItem(PREFIX + formKey(form));
      restored += 1;
    });
    params.delete("restore");
    var query = params.toString();
    window.history.replaceState(null, "", window.location.pathname + (query ? "?" + query : "") + window.location.hash);
    if (restored) {
      var first = document.querySelector("form[data-restored]");
      if (first) { first.scrollIntoView({ block: "center" }); }
    }
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", restore);
  } else {
    restore();
  }
})();

// The session ends after a period of inactivity (auth.hooks): two minutes before, a notice offers to stay signed in.
// It also ends at its absolute lifetime, however active the user: two minutes before, a notice says to save the work.
(function () {
  "use strict";
  var idle = document.querySelector('meta[name="session-idle-seconds"]');
  var limit = document.querySelector('meta[name="session-limit-seconds"]');
  var keepalive = document.querySelector('meta[name="session-keepalive"]');
  var token = document.querySelector('meta[name="csrf-token"]');
  if (!idle || !keepalive) { return; }
  var seconds = parseInt(idle.content, 10);
  var WARN_BEFORE = Math.min(120, Math.floor(seconds / 2));
  var limitAt = limit ? Date.now() + parseInt(limit.content, 10) * 1000 : Infinity;
  var warnTimer = null, endTimer = null, notice = null;

  function hide() { if (notice) { notice.remove(); notice = null; } }
  function show(text, offerStay) {
    hide();
    notice = document.createElement("div");
    notice.className = "session-notice";
    notice.setAttribute("role", "alert");
    var p = document.createElement("p");
    p.textContent = text;
    notice.appendChild(p);
    if (offerStay) {
      var button = document.createElement("button");
      button.type = "button";
      button.textContent = "Stay signed in";
      button.addEventListener("click", stay);
      notice.appendChild(button);
    }
    document.body.appendChild(notice);
    var focusable = notice.querySelector("button");
    if (focusable) { focusable.focus(); }
  }
  function stay() {
    var headers = { "X-CSRFToken": token ? token.content : "" };
    window.fetch(keepalive.content, { method: "POST", headers: headers, credentials: "same-origin" })
      .then(function (response) {
        if (response.ok) { hide(); arm(); } else { ended(); }
      }, ended);
  }
  function ended() {
    show("Your session has ended. What you type in a form is kept: when you submit it you will be asked to sign " +
         "in, then the form comes back filled.", false);
  }
  function arm() {
    window.clearTimeout(warnTimer);
    window.clearTimeout(endTimer);
    warnTimer = window.setTimeout(function () {
      show("You will be signed out in " + Math.round(WARN_BEFORE / 60 * 10) / 10 +
           " minute(s) because nothing happened for a while. Stay signed in to keep working.", true);
    }, (seconds - WARN_BEFORE) * 1000);
    endTimer = window.setTimeout(ended, seconds * 1000);
  }
  function armLimit() {
    var left = limitAt - Date.now(), before = Math.min(120000, Math.floor(left / 2));
    if (!isFinite(left)) { return; }
    window.setTimeout(function () {
      window.clearTimeout(warnTimer);
      show("Your session reaches its maximum length of " + limit.dataset.hours + " hour(s) in " +
           Math.max(1, Math.round((limitAt - Date.now()) / 60000)) + " minute(s). Save what you are typing now; " +
           "you will then be asked to sign in again.", false);
    }, Math.max(0, left - before));
    window.setTimeout(ended, Math.max(0, left));
  }
  // Any request the page makes to the server (htmx) restarts the server's timer, so it restarts this one too.
  document.addEventListener("htmx:afterRequest", function () { if (!notice) { arm(); } });
  arm();
  armLimit();
})();

// Drafts (app/drafts): a long post form (two text fields or more) is kept on the server as the user types; coming
// back to the page offers it again ("Restore" or "Discard"); the form's successful submission drops the draft.
(function () {
  "use strict";
  var token = document.querySelector('meta[name="csrf-token"]');
  if (!document.querySelector('meta[name="session-keepalive"]')) { return; }  // signed-in pages only
  var TEXT = "input[type=text], input[type=email], input[type=url], input[type=number], input[type=date], " +
             "input[type=tel], input:not([type]), textarea";
  var keyOf = window.Provenance.formKey, fieldsOf = window.Provenance.formFields, fill = window.Provenance.fillForm;
  function eligible(form) {
    return form.method && form.method.toLowerCase() === "post" && !form.hasAttribute("data-no-draft") &&
      form.querySelectorAll(TEXT).length >= 2 && form.closest("main");
  }
  function post(url, body) {
    return window.fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": token ? token.content : "" },
      body: JSON.stringify(body)
    });
  }
  function status(form) {
    var el = form.querySelector(".draft-status");
    if (!el) {
      el = document.createElement("small");
      el.className = "draft-status muted";
      el.setAttribute("aria-live", "polite");
      form.appendChild(el);
    }
    return el;
  }
  var forms = Array.prototype.filter.call(document.querySelectorAll("form"), eligible);
  if (!forms.length) { return; }
  forms.forEach(function (form) {
    var timer = null;
    form.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(function () {
        post("/drafts", { key: keyOf(form), fields: fieldsOf(form) }).then(function (response) {
          return response.ok ? response.json() : null;
        }).then(function (data) {
          if (data) { status(form).textContent = "Draft kept at " + data.saved_at + " (not saved to the record yet)"; }
        }, function () { /* offline: the next change tries again */ });
      }, 1500);
    });
    form.addEventListener("submit", function () {
      window.clearTimeout(timer);
      // The server drops the draft once the form is saved (a redirect answers it); a refused form keeps it.
      var marker = form.querySelector("input[name=_draft]");
      if (!marker) {
        marker = document.createElement("input");
        marker.type = "hidden";
        marker.name = "_draft";
        form.appendChild(marker);
      }
      marker.value = keyOf(form);
    });
  });
  if (new URLSearchParams(window.location.search).get("restore") === "1") { return; }  // the restore has it
  window.fetch("/drafts?page=" + encodeURIComponent(window.location.pathname), { credentials: "same-origin" })
    .then(function (response) { return response.ok ? response.json() : { drafts: [] }; })
    .then(function (data) {
      data.drafts.forEach(function (draft) {
        var form = forms.filter(function (f) { return keyOf(f) === draft.key; })[0];
        if (!form) { return; }
        var offer = document.createElement("div");
        offer.className = "draft-offer flash flash-info";
        offer.setAttribute("role", "status");
        var text = document.createElement("span");
        text.textContent = "You have unsaved changes to this form from " + draft.saved_at + " UTC. ";
        var restore = document.createElement("button");
        restore.type = "button";
        restore.textContent = "Restore them";
        var discard = document.createElement("button");
        discard.type = "button";
        discard.className = "secondary outline";
        discard.textContent = "Discard";
        restore.addEventListener("click", function () {
          fill(form, draft.fields);
          form.setAttribute("data-restored", "true");
          offer.remove();
        });
        discard.addEventListener("click", function () {
          post("/drafts/discard", { key: draft.key });
          offer.remove();
        });
        offer.appendChild(text);
        offer.appendChild(restore);
        offer.appendChild(discard);
        form.parentNode.insertBefore(offer, form);
      });
    }, function () { /* no drafts shown: the form works as it is */ });
})();
