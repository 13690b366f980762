// FOAD 128 pages: narrowing place pickers, the live character count, and the deadline clocks' countdowns.
// A static file (no inline script), so the pages run under a strict Content-Security-Policy.
(function () {
  "use strict";
  var PERSIAN = "۰۱۲۳۴۵۶۷۸۹";
  function fa(n) { return String(n).replace(/[0-9]/g, function (d) { return PERSIAN[+d]; }); }

  function pickers() {
    var province = document.querySelector("[data-picker=province]");
    var county = document.querySelector("[data-picker=county]");
    var agency = document.querySelector("[data-picker=agency]");
    var office = document.querySelector("[data-picker=office]");
    if (!province || !county || !agency || !office) { return; }
    function narrow() {
      Array.prototype.forEach.call(county.options, function (o) {
        var show = !o.value || !province.value || o.dataset.province === province.value;
        o.hidden = !show; o.disabled = !show;
      });
      if (county.selectedOptions[0] && county.selectedOptions[0].disabled) { county.value = ""; }
      Array.prototype.forEach.call(office.options, function (o) {
        if (!o.value) { return; }
        var place = o.dataset.province || "";
        var show = (!agency.value || o.dataset.agency === agency.value) &&
          (!province.value || place === "" || place === province.value) &&
          (!county.value || o.dataset.county === county.value || place === "" || (!o.dataset.county && place === province.value));
        o.hidden = !show; o.disabled = !show;
      });
      if (office.selectedOptions[0] && office.selectedOptions[0].disabled) { office.value = ""; }
    }
    // An office already chosen (the form came back with an error) puts its place back in the lists above it.
    var chosen = office.selectedOptions[0];
    if (chosen && chosen.value) {
      if (!agency.value) { agency.value = chosen.dataset.agency || ""; }
      if (!province.value) { province.value = chosen.dataset.province || ""; }
      if (!county.value) { county.value = chosen.dataset.county || ""; }
    }
    [province, county, agency].forEach(function (s) { s.addEventListener("change", narrow); });
    narrow();
  }

  function counters() {
    document.querySelectorAll("textarea[data-count]").forEach(function (area) {
      var out = document.getElementById(area.dataset.count);
      var max = area.maxLength > 0 ? area.maxLength : 2000;
      function update() { out.textContent = fa(area.value.length) + " از " + fa(max) + " نویسه"; }
      area.addEventListener("input", update);
      update();
    });
  }

  // As api/pages/clocks.py words it: hours and minutes, never seconds; under a minute «کمتر از یک دقیقه».
  function duration(seconds) {
    var minutes = Math.floor(Math.abs(seconds) / 60), h = Math.floor(minutes / 60), m = minutes % 60, parts = [];
    if (h) { parts.push(fa(h) + " ساعت"); }
    if (m) { parts.push(fa(m) + " دقیقه"); }
    return parts.join(" و ") || "کمتر از یک دقیقه";
  }

  // Only a running clock has data-due: a paused or finished one keeps the server's words.
  function countdowns() {
    var clocks = document.querySelectorAll(".clock[data-due]");
    if (!clocks.length) { return; }
    function tick() {
      clocks.forEach(function (el) {
        var seconds = (Date.parse(el.dataset.due) - Date.now()) / 1000;
        if (isNaN(seconds)) { return; }
        var text = el.querySelector(".clock-text");
        var state = seconds < 0 ? "clock-passed" : seconds < 1200 ? "clock-near" : "clock-ok";
        if (text) { text.textContent = duration(seconds) + (seconds < 0 ? " از مهلت گذشته" : " مانده"); }
        el.classList.remove("clock-ok", "clock-near", "clock-passed");
        el.classList.add(state);
      });
    }
    tick();
    setInterval(tick, 5000);
  }

  // A form that came back refused: the cursor goes to the first field with a reason beside it.
  function firstError() {
    var field = document.querySelector("form [aria-invalid=true]");
    if (!field) { return; }
    if (field.tagName === "FIELDSET") { field = field.querySelector("input, select, textarea"); }
    if (field) { field.focus(); }
  }

  // A page that reloads itself (the dashboard), every <meta name=foad-refresh> seconds while it is on screen,
  // with a button that pauses it: a person reading or zooming is not interrupted.
  function autoRefresh() {
    var meta = document.querySelector("meta[name=foad-refresh]");
    var title = document.querySelector("main h1");
    if (!meta || !title) { return; }
    var seconds = parseInt(meta.content, 10) || 30, paused = false, timer = null;
    var button = document.createElement("button");
    button.type = "button";
    button.className = "button secondary";
    button.id = "refresh-toggle";
    function schedule() {
      clearTimeout(timer);
      button.textContent = paused ? "ادامه به‌روزرسانی خودکار" : "توقف به‌روزرسانی خودکار";
      button.setAttribute("aria-pressed", paused ? "true" : "false");
      if (paused) { return; }
      timer = setTimeout(function () {
        if (document.visibilityState === "visible") { location.reload(); } else { schedule(); }
      }, seconds * 1000);
    }
    button.addEventListener("click", function () { paused = !paused; schedule(); });
    (title.parentNode.querySelector("h1 ~ .hint") || title).insertAdjacentElement("afterend", button);
    schedule();
  }

  document.addEventListener("DOMContentLoaded", function () {
    pickers(); counters(); countdowns(); firstError(); autoRefresh();
  });
})();
