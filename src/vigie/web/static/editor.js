// vigie rule editor: send the text as the analyst types (after a pause), show the problems and the backtest.
// The server renders the preview (escaped); this script only swaps it in and moves the caret to a problem.
(function () {
  "use strict";
  var text = document.getElementById("rule-text");
  var preview = document.getElementById("preview");
  var status = document.getElementById("status");
  var form = document.getElementById("rule-form");
  if (!text || !preview || !form) { return; }
  var csrf = document.querySelector('meta[name="csrf-token"]').getAttribute("content");
  var file = form.querySelector('input[name="file"]').value;
  var timer = null, asked = 0, shown = 0;

  function check() {
    var mine = ++asked;
    status.textContent = "checking…";
    var body = new URLSearchParams({ file: file, text: text.value, csrf: csrf });
    fetch("/rules/preview", { method: "POST", body: body, credentials: "same-origin", headers: { "X-CSRF-Token": csrf } })
      .then(function (r) {
        if (!r.ok) { throw new Error("the server answered " + r.status); }
        var problems = r.headers.get("X-Vigie-Problems") || "0";
        return r.text().then(function (html) { return [html, problems]; });
      })
      .then(function (got) {
        if (mine < shown) { return; }  // an older answer arriving late
        shown = mine;
        preview.innerHTML = got[0];
        status.textContent = got[1] === "0" ? "checks clean" : got[1] + " problem(s)";
        document.body.setAttribute("data-checked", String(mine));
      })
      .catch(function (err) { status.textContent = "could not check: " + err.message; });
  }

  text.addEventListener("input", function () {
    clearTimeout(timer);
    status.textContent = "…";
    timer = setTimeout(check, 400);
  });

  preview.addEventListener("click", function (ev) {
    var item = ev.target.closest("[data-line]");
    if (!item) { return; }
    var lines = text.value.split("\n"), line = parseInt(item.getAttribute("data-line"), 10) - 1;
    var at = 0;
    for (var i = 0; i < line && i < lines.length; i++) { at += lines[i].length + 1; }
    at += Math.max(0, parseInt(item.getAttribute("data-col"), 10) - 1);
    text.focus();
    text.setSelectionRange(at, at);
  });

  document.body.setAttribute("data-checked", "0");
})();
