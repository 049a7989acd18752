// Supplier questionnaire: live show/hide of conditional questions and the "saving" state of autosave.
// Static file (CSP default-src 'self'); conditions come from data-shown-if / data-shown-values attributes.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  // The answer of a question block: its inputs (named "answer" in the portal, "answer-CODE" in the evaluator's
  // form), or for an answer shown read-only (the supplier's, on the evaluation page) its data-values.
  function valuesOf(block) {
    var values = JSON.parse(block.getAttribute("data-values") || "[]");
    block.querySelectorAll("input[name^='answer'], textarea[name^='answer'], select[name^='answer']").forEach(function (input) {
      if ((input.type === "radio" || input.type === "checkbox") ? input.checked : input.value !== "") {
        values.push(input.value);
      }
    });
    return values;
  }

  // Same rule as the server (answers.visible_questions): in document order, a question with a condition
  // shows when its controller is shown and answered with one of the listed values.
  function refresh() {
    var shown = {};
    document.querySelectorAll("[data-question]").forEach(function (block) {
      var code = block.getAttribute("data-question");
      var controller = block.getAttribute("data-shown-if");
      var visible = true;
      if (controller) {
        var wanted = JSON.parse(block.getAttribute("data-shown-values") || "[]");
        var source = document.querySelector("[data-question='" + controller + "']");
        visible = Boolean(shown[controller] && source && valuesOf(source).some(function (v) {
          return wanted.indexOf(v) !== -1;
        }));
      }
      block.hidden = !visible;
      shown[code] = visible;
    });
  }

  document.addEventListener("change", function (event) {
    if (event.target.closest && event.target.closest("[data-question]")) { refresh(); }
  });
  document.addEventListener("htmx:beforeRequest", function (event) {
    var form = event.detail.elt;
    if (form && form.dataset) { form.dataset.retry = String(Number(form.dataset.retry || 0) + 1); }
    var status = form && form.querySelector && form.querySelector(".answer-status");
    if (status) { status.innerHTML = "<span class='saving-state'>Saving…</span>"; }
  });
  document.addEventListener("htmx:responseError", function (event) {
    var form = event.detail.elt;
    var status = form && form.querySelector && form.querySelector(".answer-status");
    if (!status) { return; }
    // A refusal the server explains (413 too large, 422 refused) carries its message as the status fragment.
    var xhr = event.detail.xhr;
    if (xhr && (xhr.status === 413 || xhr.status === 422) && xhr.responseText) {
      status.innerHTML = xhr.responseText;
    } else if (xhr && (xhr.status === 503 || xhr.status === 429)) {
      // Busy, restarting or too many requests: nothing was saved; the answer stays in the field and is sent
      // again after the server's Retry-After (at most a minute), unless the supplier changes it meanwhile.
      var seconds = Math.min(parseInt(xhr.getResponseHeader("Retry-After"), 10) || 10, 60);
      var attempt = (form.dataset.retry = String(Number(form.dataset.retry || 0) + 1));
      status.innerHTML = "<small class='error'>Not saved yet: the server is busy. Trying again in " + seconds + " s…</small>";
      window.setTimeout(function () {
        if (form.dataset.retry === attempt) { htmx.trigger(form, "change"); }
      }, seconds * 1000);
    } else {
      status.innerHTML = "<small class='error'>Not saved: reload the page and try again.</small>";
    }
  });
  document.addEventListener("DOMContentLoaded", refresh);
})();
