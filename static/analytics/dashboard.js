/* Netfloox analytics: draws the server-built Plotly figures (Plotly.js is served by the site itself).
   Figures already in the page are drawn at once; charts the server left pending (cold cache on a big
   catalog) are fetched from their JSON URL, in parallel, and drawn as they arrive. */
(function () {
  "use strict";
  var CONFIG = { responsive: true, displaylogo: false, modeBarButtonsToRemove: ["lasso2d", "select2d"] };
  var theme = null;

  function template() {
    if (theme === null) {
      var el = document.getElementById("analytics-plotly-template");
      theme = el ? JSON.parse(el.textContent) : false;
    }
    return theme;
  }

  function draw(el, fig) {
    var t = template();
    if (t && !fig.layout.template) { fig.layout.template = t; }
    el.setAttribute("data-rendered", "1");
    return window.Plotly.newPlot(el, fig.data, fig.layout, CONFIG);
  }

  function fetchPending(el) {
    el.setAttribute("data-rendered", "loading");
    var figure = el.closest("figure");
    return fetch(el.getAttribute("data-src"), { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { if (!r.ok) { throw new Error("HTTP " + r.status); } return r.json(); })
      .then(function (payload) {
        el.innerHTML = "";
        el.classList.remove("analytics-chart__plot--pending");
        el.removeAttribute("aria-busy");
        var caption = figure && figure.querySelector(".analytics-chart__reading");
        if (caption) { caption.textContent = payload.reading; }
        return draw(el, payload.figure);
      })
      .catch(function (err) {
        el.removeAttribute("aria-busy");
        el.innerHTML = "<p class=\"analytics-chart__loading\">Could not load this chart (" + err.message + ").</p>";
      });
  }

  function render() {
    if (!window.Plotly) { return; }
    var plots = document.querySelectorAll(".analytics-chart__plot");
    var pending = [];
    Array.prototype.forEach.call(plots, function (el) {
      if (el.getAttribute("data-rendered")) { return; }
      if (el.hasAttribute("data-src")) { pending.push(el); return; }
      var src = document.getElementById(el.getAttribute("data-figure"));
      if (src) { draw(el, JSON.parse(src.textContent)); }
    });
    // The server ranks pending charts costliest first (data-fetch-order): requested in that order,
    // the longest computations start first and the web workers stay busy until the last one.
    pending.sort(function (a, b) {
      return Number(a.getAttribute("data-fetch-order")) - Number(b.getAttribute("data-fetch-order"));
    });
    pending.forEach(fetchPending);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", render);
  } else {
    render();
  }
  window.NetflooxAnalytics = { render: render };
})();
