/* trdcare neurofeedback: the live session's pages, fed by its event stream (SSE).
   The clinician's page draws the feature trace, the reward rate and the signal quality per
   channel; the patient's display eases a calm circle toward the reward and can play a soft
   tone (WebAudio, off until the patient or clinician turns it on: browsers require a
   gesture). Served from this origin; no library. */
(function () {
  "use strict";

  var WINDOW_S = 30;

  function fmt(v, digits) { return (v === null || v === undefined) ? "-" : (v >= 0 ? "+" : "") + v.toFixed(digits); }

  var REASON_WORDS = { amplitude: "amplitude", flat: "flat line", blink: "eye blink", muscle: "muscle", missing: "missing samples" };
  function reasonWords(reasons) { return reasons.map(function (r) { return REASON_WORDS[r] || r; }).join(", "); }

  function connect(url, onWindow, onEnded) {
    if (!window.EventSource) { return null; }
    var source = new EventSource(url);
    source.addEventListener("window", function (e) { onWindow(JSON.parse(e.data)); });
    source.addEventListener("ended", function (e) { source.close(); onEnded(JSON.parse(e.data)); });
    return source;
  }

  var ENDED_WORDS = { "duration": "ran its planned duration", "source ended": "the source ended", "source stopped": "the source stopped", "stopped by user": "stopped by the clinician", "server stopped": "the server was shut down" };

  /* The clinician's page. */
  function clinician(root) {
    var recent = [];
    var svg = document.getElementById("nf-trace");
    var qualityRows = document.querySelectorAll("#nf-quality tbody tr");
    var recentBody = document.querySelector("#nf-recent tbody");
    var amplitude = parseFloat(root.getAttribute("data-amplitude-uv"));
    var flat = parseFloat(root.getAttribute("data-flat-uv"));
    var lastShown = -1;
    var ns = "http://www.w3.org/2000/svg";

    function set(id, text) { var el = document.getElementById(id); if (el) { el.textContent = text; } }

    function draw() {
      while (svg.firstChild) { svg.removeChild(svg.firstChild); }
      if (!recent.length) { return; }
      var t1 = recent[recent.length - 1].t, t0 = t1 - WINDOW_S;
      var vals = recent.filter(function (p) { return p.value !== null; }).map(function (p) { return p.value; });
      var thr = recent[recent.length - 1].threshold;
      if (thr !== null) { vals.push(thr); }
      if (!vals.length) { return; }
      var lo = Math.min.apply(null, vals), hi = Math.max.apply(null, vals);
      if (hi - lo < 1e-9) { lo -= 1; hi += 1; }
      var pad = (hi - lo) * 0.1; lo -= pad; hi += pad;
      function x(t) { return 50 + 660 * (t - t0) / WINDOW_S; }
      function y(v) { return 10 + 170 * (1 - (v - lo) / (hi - lo)); }
      function el(name, attrs, text) {
        var node = document.createElementNS(ns, name);
        Object.keys(attrs).forEach(function (k) { node.setAttribute(k, attrs[k]); });
        if (text) { node.textContent = text; }
        svg.appendChild(node);
        return node;
      }
      el("line", { x1: 50, y1: 180, x2: 710, y2: 180, stroke: "#5b6675" });
      el("line", { x1: 50, y1: 10, x2: 50, y2: 180, stroke: "#5b6675" });
      el("text", { x: 46, y: 14, "text-anchor": "end" }, hi.toFixed(3));
      el("text", { x: 46, y: 184, "text-anchor": "end" }, lo.toFixed(3));
      el("text", { x: 710, y: 196, "text-anchor": "end" }, t1.toFixed(1) + " s");
      if (thr !== null) {
        el("line", { x1: 50, y1: y(thr), x2: 710, y2: y(thr), stroke: "#1e7b34", "stroke-dasharray": "6 4", "stroke-width": 2 });
      }
      var d = "";
      recent.forEach(function (p) {
        if (p.value === null || p.t < t0) { return; }
        if (p.accepted) { d += (d ? " L" : "M") + x(p.t).toFixed(1) + "," + y(p.value).toFixed(1); }
        else { el("circle", { cx: x(p.t).toFixed(1), cy: y(p.value).toFixed(1), r: 2.5, fill: "#a4161a" }); }
      });
      if (d) { el("path", { d: d, fill: "none", stroke: "#1b2430", "stroke-width": 1.5 }); }
    }

    function rates() {
      var t1 = recent[recent.length - 1].t;
      var last = recent.filter(function (p) { return p.t > t1 - WINDOW_S; });
      var feedback = last.filter(function (p) { return p.phase === "feedback"; });
      var accepted = feedback.filter(function (p) { return p.accepted; });
      var rewarded = accepted.filter(function (p) { return p.rewarded; });
      var withheld = last.filter(function (p) { return !p.accepted; });
      set("nf-reward", accepted.length ? Math.round(100 * rewarded.length / accepted.length) + " %" : "-");
      set("nf-artifact", last.length ? Math.round(100 * withheld.length / last.length) + " %" : "-");
    }

    function quality(q) {
      q.forEach(function (pair, i) {
        var row = qualityRows[i];
        if (!row) { return; }
        row.cells[1].textContent = pair[0].toFixed(1);
        row.cells[2].textContent = pair[1].toFixed(1);
        var bad = pair[0] > amplitude ? "too large" : (pair[1] < flat ? "flat" : "good");
        row.cells[3].textContent = bad;
        row.className = bad === "good" ? "" : "nf-bad";
      });
    }

    function onWindow(p) {
      recent.push(p);
      while (recent.length && recent[0].t < p.t - WINDOW_S - 1) { recent.shift(); }
      set("nf-time", p.t.toFixed(1) + " s");
      set("nf-value", fmt(p.value, 4));
      set("nf-phase", p.phase === "baseline" ? "baseline (no reward)" : (p.accepted ? (p.rewarded ? "feedback: rewarded" : "feedback: below the threshold") : "feedback: withheld"));
      if (p.threshold !== null) { set("nf-threshold", fmt(p.threshold, 4)); }
      set("nf-withheld", p.accepted ? "" : "Withheld: " + reasonWords(p.reasons) + ".");
      if (p.quality) { quality(p.quality); }
      rates();
      if (p.t - lastShown >= 0.5) {
        lastShown = p.t;
        draw();
        var row = document.createElement("tr");
        row.setAttribute("data-t", p.t.toFixed(1));
        [p.t.toFixed(1), p.value === null ? "-" : p.value.toFixed(6), p.accepted ? (p.phase === "baseline" ? "baseline" : (p.rewarded ? "rewarded" : "not rewarded")) : "withheld: " + reasonWords(p.reasons)].forEach(function (text) {
          var cell = document.createElement("td"); cell.textContent = text; row.appendChild(cell);
        });
        recentBody.insertBefore(row, recentBody.firstChild);
        while (recentBody.rows.length > 20) { recentBody.deleteRow(recentBody.rows.length - 1); }
      }
    }

    function onEnded(s) {
      var box = document.getElementById("nf-ended");
      var text = "The session ended (" + (ENDED_WORDS[s.ended] || s.ended) + (s.message ? ": " + s.message : "") + "). ";
      text += s.state === "stored" ? "Stored as session " + s.stored.session_number + " of course " + s.stored.course + "." : "Not stored on the course; the recording is kept.";
      set("nf-ended-text", text);
      set("nf-phase", "ended");
      if (box) { box.hidden = false; }
      var form = document.getElementById("nf-stop-form");
      if (form) { form.hidden = true; }
    }

    connect(root.getAttribute("data-stream"), onWindow, onEnded);
  }

  /* The patient's display. */
  function display(root) {
    var glow = document.getElementById("nf-glow");
    var core = document.getElementById("nf-core");
    var words = document.getElementById("nf-display-words");
    var toneButton = document.getElementById("nf-tone");
    var level = 0.3, target = 0.3, audio = null, gain = null, toneOn = false;

    function paint() {
      level += (target - level) * 0.08;  // eased: no sudden jumps on the patient's screen
      glow.setAttribute("r", (110 + 70 * level).toFixed(1));
      glow.setAttribute("fill-opacity", (0.15 + 0.45 * level).toFixed(3));
      core.setAttribute("fill-opacity", (0.5 + 0.5 * level).toFixed(3));
      root.setAttribute("data-level", level.toFixed(3));
      if (gain && audio) { gain.gain.setTargetAtTime(toneOn ? 0.08 * Math.max(0, target - 0.3) / 0.7 : 0, audio.currentTime, 0.3); }
      window.requestAnimationFrame(paint);
    }

    function startTone() {
      var Ctx = window.AudioContext || window.webkitAudioContext;
      if (!Ctx) { return false; }
      if (!audio) {
        audio = new Ctx();
        var osc = audio.createOscillator();
        osc.type = "sine";
        osc.frequency.value = 220;  // a low, soft tone
        gain = audio.createGain();
        gain.gain.value = 0;
        osc.connect(gain); gain.connect(audio.destination);
        osc.start();
      }
      if (audio.state === "suspended") { audio.resume(); }
      return true;
    }

    toneButton.addEventListener("click", function () {
      toneOn = !toneOn && startTone();
      toneButton.setAttribute("aria-pressed", toneOn ? "true" : "false");
      toneButton.textContent = toneOn ? "Sound: on" : "Sound: off";
    });

    var seen = 0;
    connect(root.getAttribute("data-stream"), function (p) {
      seen += 1;
      root.setAttribute("data-windows", String(seen));
      root.setAttribute("data-phase", p.phase);
      if (!p.accepted) { return; }  // withheld: the display holds still
      target = p.phase === "baseline" ? 0.3 : (p.rewarded ? 1.0 : 0.15);
      root.setAttribute("data-rewarded", p.rewarded ? "true" : "false");
      words.textContent = p.phase === "baseline" ? "Relax and rest your eyes on the circle." : "Let the circle grow brighter.";
    }, function () {
      target = 0.3;
      toneOn = false;
      words.textContent = "The session has ended. Thank you.";
      root.setAttribute("data-ended", "true");
    });
    window.requestAnimationFrame(paint);
  }

  document.addEventListener("DOMContentLoaded", function () {
    var live = document.getElementById("nf-live");
    if (live && document.getElementById("nf-ended").hidden) { clinician(live); }
    var screen = document.getElementById("nf-display");
    if (screen && !document.body.classList.contains("nf-ended")) { display(screen); }
  });
})();
