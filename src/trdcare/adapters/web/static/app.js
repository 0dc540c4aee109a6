/* trdcare: small progressive enhancements. Every page works without this file. */
(function () {
  "use strict";

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  /* Automatic logoff after inactivity (the server enforces it too). */
  function idleLogoff() {
    var seconds = parseInt(document.body.getAttribute("data-idle-seconds") || "", 10);
    var form = document.getElementById("logout-form");
    if (!seconds || !form) { return; }
    var warning = document.getElementById("idle-warning");
    var stay = document.getElementById("idle-stay");
    var warnAt = Math.max(seconds - 60, Math.floor(seconds * 0.8));
    var last = Date.now();
    var lastPing = Date.now();
    function activity() {
      last = Date.now();
      if (warning) { warning.hidden = true; }
      if (Date.now() - lastPing > 120000) {
        lastPing = Date.now();
        fetch("/session/ping", { credentials: "same-origin", headers: { "Accept": "application/json" } });
      }
    }
    ["keydown", "mousedown", "touchstart", "input"].forEach(function (name) {
      document.addEventListener(name, activity, { passive: true });
    });
    if (stay) { stay.addEventListener("click", function () { lastPing = 0; activity(); }); }
    setInterval(function () {
      var idle = (Date.now() - last) / 1000;
      if (idle >= seconds) {
        var reason = document.getElementById("logout-reason");
        if (reason) { reason.value = "idle"; }
        form.submit();
      } else if (idle >= warnAt && warning) {
        warning.hidden = false;
      }
    }, 5000);
  }

  /* Sortable tables: <table data-sortable>, header cells with data-sort="text|num". */
  function sortableTables() {
    document.querySelectorAll("table[data-sortable]").forEach(function (table) {
      var heads = table.querySelectorAll("thead th[data-sort]");
      heads.forEach(function (th, index) {
        var label = th.textContent.trim();
        var button = document.createElement("button");
        button.type = "button";
        button.className = "sort";
        button.textContent = label;
        th.textContent = "";
        th.appendChild(button);
        th.setAttribute("aria-sort", "none");
        var column = Array.prototype.indexOf.call(th.parentNode.children, th);
        button.addEventListener("click", function () {
          var ascending = th.getAttribute("aria-sort") !== "ascending";
          heads.forEach(function (other) { other.setAttribute("aria-sort", "none"); });
          th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
          var numeric = th.getAttribute("data-sort") === "num";
          var body = table.tBodies[0];
          var rows = Array.prototype.slice.call(body.rows);
          rows.sort(function (a, b) {
            var x = a.cells[column].getAttribute("data-value") || a.cells[column].textContent.trim();
            var y = b.cells[column].getAttribute("data-value") || b.cells[column].textContent.trim();
            var cmp;
            if (numeric) {
              var nx = parseFloat(x), ny = parseFloat(y);
              if (isNaN(nx)) { nx = -Infinity; }
              if (isNaN(ny)) { ny = -Infinity; }
              cmp = nx - ny;
            } else {
              cmp = x.localeCompare(y);
            }
            return ascending ? cmp : -cmp;
          });
          rows.forEach(function (row) { body.appendChild(row); });
        });
        void index;
      });
    });
  }

  /* Live filter: <input data-filter="#table-id"> hides rows whose text does not match. */
  function tableFilters() {
    document.querySelectorAll("input[data-filter]").forEach(function (input) {
      var table = document.querySelector(input.getAttribute("data-filter"));
      if (!table) { return; }
      var status = document.getElementById(input.getAttribute("aria-controls") + "-status");
      input.addEventListener("input", function () {
        var needle = input.value.trim().toLowerCase();
        var shown = 0;
        Array.prototype.forEach.call(table.tBodies[0].rows, function (row) {
          var match = !needle || row.textContent.toLowerCase().indexOf(needle) !== -1;
          row.hidden = !match;
          if (match) { shown += 1; }
        });
        if (status) { status.textContent = shown + " shown"; }
      });
    });
  }

  /* Self-report: show the crisis resources as soon as a suicide item is answered positive. */
  function crisisWatch() {
    var box = document.getElementById("crisis-now");
    if (!box) { return; }
    var inputs = document.querySelectorAll("input[data-suicide-min]");
    function check() {
      var positive = false;
      inputs.forEach(function (input) {
        var min = parseInt(input.getAttribute("data-suicide-min"), 10);
        if (input.checked && parseInt(input.value, 10) >= min) { positive = true; }
      });
      box.hidden = !positive;
      if (positive) { box.setAttribute("role", "alert"); }
    }
    inputs.forEach(function (input) { input.addEventListener("change", check); });
    check();
  }

  /* Print buttons: <button data-print> prints the page (no inline handler: the CSP forbids it). */
  function printButtons() {
    document.querySelectorAll("button[data-print]").forEach(function (button) {
      button.addEventListener("click", function () { window.print(); });
    });
  }

  /* Beam F3 preview: forms with data-f3-preview show X/Y as the measurements are typed. */
  function f3Preview() {
    var form = document.querySelector("form[data-f3-preview]");
    if (!form) { return; }
    var out = document.getElementById("f3-preview");
    var names = ["tragus_tragus_cm", "nasion_inion_cm", "circumference_cm"];
    var timer = null;
    function update() {
      var params = new URLSearchParams();
      var side = form.querySelector('[name="side"]');
      for (var i = 0; i < names.length; i += 1) {
        var field = form.querySelector('[name="' + names[i] + '"]');
        if (!field || !field.value) { out.textContent = "Enter the three measurements."; return; }
        params.set(names[i], field.value);
      }
      if (side) { params.set("side", side.value); }
      fetch("/api/v1/tms/f3?" + params.toString(), { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (response) { return response.json().then(function (body) { return [response.ok, body]; }); })
        .then(function (result) {
          if (result[0]) {
            out.textContent = "X = " + result[1].x_cm.toFixed(1) + " cm, Y = " + result[1].y_cm.toFixed(1) + " cm";
          } else {
            out.textContent = result[1].detail || "Check the measurements.";
          }
        })
        .catch(function () { out.textContent = "Preview unavailable; the form still works."; });
    }
    form.addEventListener("input", function () {
      if (timer) { clearTimeout(timer); }
      timer = setTimeout(update, 300);
    });
  }

  /* Confirm before destructive or signing actions: <form data-confirm="text">. */
  function confirms() {
    document.querySelectorAll("form[data-confirm]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        if (!window.confirm(form.getAttribute("data-confirm"))) { event.preventDefault(); }
      });
    });
  }

  /* Copy buttons: <button data-copy="#id">. */
  function copyButtons() {
    document.querySelectorAll("button[data-copy]").forEach(function (button) {
      button.addEventListener("click", function () {
        var target = document.querySelector(button.getAttribute("data-copy"));
        if (!target || !navigator.clipboard) { return; }
        navigator.clipboard.writeText(target.value || target.textContent).then(function () {
          button.textContent = "Copied";
        });
      });
    });
  }

  function backLinks() {
    document.querySelectorAll("a[data-back]").forEach(function (link) {
      link.addEventListener("click", function (event) {
        if (window.history.length > 1) { event.preventDefault(); window.history.back(); }
      });
    });
  }

  function focusErrors() {
    var box = document.querySelector("[data-focus]");
    if (box) { box.focus(); }
  }

  document.addEventListener("DOMContentLoaded", function () {
    idleLogoff();
    sortableTables();
    tableFilters();
    crisisWatch();
    f3Preview();
    confirms();
    copyButtons();
    backLinks();
    focusErrors();
    printButtons();
    void csrfToken;
  });
})();
