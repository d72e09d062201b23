// Progressive enhancement: hide questions that do not concern the chosen entity type
// or whose asked_when condition is false; show a print button. Works without it too.
(function () {
  "use strict";

  function answer(form, name) {
    var field = form.elements["q_" + name];
    if (!field) { return ""; }
    if (field.length !== undefined && field.tagName !== "SELECT") {
      for (var i = 0; i < field.length; i++) { if (field[i].checked) { return field[i].value; } }
      return "";
    }
    return field.value;
  }

  function askedWhen(form, expr) {
    var m = /^\s*(\w+)\s*$/.exec(expr);
    if (m) { return answer(form, m[1]) !== "false"; }
    m = /^\s*(\w+)\s*==\s*'([^']*)'\s*$/.exec(expr);
    if (m) { var a = answer(form, m[1]); return a === "" || a === m[2]; }
    return true;
  }

  function refresh(form) {
    var entity = answer(form, "entity_type");
    var company = answer(form, "legal_form") === "enterprise";  // a company running an incubator is both
    form.querySelectorAll(".q[data-field]").forEach(function (q) {
      var entities = q.getAttribute("data-entities");
      var list = entities ? entities.split(" ") : [];
      var show = !entity || !entities || list.indexOf(entity) >= 0 || (company && list.indexOf("enterprise") >= 0);
      var cond = q.getAttribute("data-asked-when");
      if (show && cond) { show = askedWhen(form, cond); }
      q.classList.toggle("hidden-by-js", !show);
    });
    form.querySelectorAll("fieldset.section").forEach(function (section) {
      var questions = section.querySelectorAll(".q[data-field]");
      if (!questions.length) { return; }
      var visible = section.querySelectorAll(".q[data-field]:not(.hidden-by-js)");
      section.classList.toggle("hidden-by-js", visible.length === 0);
    });
  }

  // Fill legal form, province and district from a valid credit code (GB 32100-2015); they stay editable.
  function prefillFromCode(form) {
    var code = form.elements.q_credit_code;
    var url = form.getAttribute("data-code-url");
    if (!code || !url || !window.fetch) { return; }
    code.addEventListener("change", function () {
      fetch(url + "?code=" + encodeURIComponent(code.value.trim())).then(function (r) {
        return r.ok ? r.json() : null;
      }).then(function (facts) {
        if (!facts) { return; }
        ["legal_form", "province", "district"].forEach(function (name) {
          var field = form.elements["q_" + name];
          if (field && facts[name] && !field.value) {
            field.value = facts[name];
            field.setAttribute("data-from-code", "1");
          }
        });
        refresh(form);
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("assess-form") || document.getElementById("interview-form");
    if (form) {
      form.addEventListener("change", function () { refresh(form); });
      refresh(form);
      prefillFromCode(form);
    }
    var summary = document.getElementById("error-summary");
    if (summary) { summary.focus(); }
    document.querySelectorAll("[data-print]").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () { window.print(); });
    });
  });
}());
