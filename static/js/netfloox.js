/* Netfloox — core behaviour: events API, thumbnail clicks, rows, ratings, history, language. */
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  var body = document.body;
  var authenticated = body.getAttribute("data-authenticated") === "1";
  var eventsUrl = body.getAttribute("data-events-url") || "/api/events/";

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    if (meta && meta.content) return meta.content;
    var m = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return m ? decodeURIComponent(m[1]) : "";
  }

  function uuid4() {
    if (window.crypto && typeof window.crypto.randomUUID === "function") return window.crypto.randomUUID();
    var b = new Uint8Array(16);
    window.crypto.getRandomValues(b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return ("0" + x.toString(16)).slice(-2); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  function api(method, url, data, opts) {
    opts = opts || {};
    var init = {
      method: method,
      credentials: "same-origin",
      headers: { "Accept": "application/json", "X-CSRFToken": csrfToken() },
      keepalive: !!opts.keepalive
    };
    if (data !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(data);
    }
    return fetch(url, init);
  }

  /* One viewer event: {event_id, title_id, kind, value, client_ts}. Resolves to the Response. */
  function sendEvent(titleId, kind, value, opts) {
    if (!authenticated) return Promise.resolve(null);
    var ev = {
      event_id: uuid4(),
      title_id: parseInt(titleId, 10),
      kind: kind,
      value: (value === undefined || value === null) ? null : Math.round(value * 1000) / 1000,
      client_ts: new Date().toISOString()
    };
    return api("POST", eventsUrl, ev, opts).then(function (r) {
      document.dispatchEvent(new CustomEvent("netfloox:event", { detail: { event: ev, ok: r.ok, status: r.status } }));
      return r;
    });
  }

  window.Netfloox = { api: api, sendEvent: sendEvent, csrfToken: csrfToken, uuid4: uuid4, authenticated: authenticated };

  /* Thumbnail clicks: record, then navigate (never more than 400 ms later). */
  document.addEventListener("click", function (e) {
    var a = e.target.closest && e.target.closest('a[data-track="thumbnail_click"]');
    if (!a || !authenticated) return;
    var titleId = a.getAttribute("data-title-id");
    if (!titleId) return;
    var newTab = e.ctrlKey || e.metaKey || e.shiftKey || e.altKey || e.button !== 0 || a.target === "_blank";
    var sent = sendEvent(titleId, "thumbnail_click", null, { keepalive: true }).catch(function () { return null; });
    if (newTab) return;
    e.preventDefault();
    var href = a.href, done = false;
    function go() { if (!done) { done = true; window.location.assign(href); } }
    sent.then(go, go);
    setTimeout(go, 400);
  });

  /* Header turns solid once the page scrolls. */
  var header = document.getElementById("site-header");
  if (header) {
    var onScroll = function () { header.classList.toggle("scrolled", window.scrollY > 10); };
    window.addEventListener("scroll", onScroll, { passive: true });
    onScroll();
  }

  /* Rows: arrow buttons for mice; the scroller itself is focusable (arrow keys scroll it). */
  Array.prototype.forEach.call(document.querySelectorAll(".row-body"), function (rowBody) {
    var scroller = rowBody.querySelector(".row-scroller");
    var prev = rowBody.querySelector(".row-prev"), next = rowBody.querySelector(".row-next");
    if (!scroller || !prev || !next) return;
    function update() {
      var max = scroller.scrollWidth - scroller.clientWidth - 2;
      prev.hidden = scroller.scrollLeft <= 2;
      next.hidden = scroller.scrollLeft >= max;
    }
    function by(dir) { scroller.scrollBy({ left: dir * scroller.clientWidth * 0.85, behavior: "smooth" }); }
    prev.addEventListener("click", function () { by(-1); });
    next.addEventListener("click", function () { by(1); });
    scroller.addEventListener("scroll", update, { passive: true });
    window.addEventListener("resize", update);
    scroller.addEventListener("keydown", function (e) {
      if (e.target !== scroller) return;
      if (e.key === "PageDown") { by(1); e.preventDefault(); }
      if (e.key === "PageUp") { by(-1); e.preventDefault(); }
    });
    update();
  });

  /* Language select submits itself. */
  Array.prototype.forEach.call(document.querySelectorAll("select[data-autosubmit]"), function (sel) {
    sel.addEventListener("change", function () { sel.form.submit(); });
  });

  /* Star ratings: PUT /api/me/ratings/{id}/ as soon as a star is picked. */
  Array.prototype.forEach.call(document.querySelectorAll("form[data-rating-form]"), function (form) {
    var out = form.querySelector(".rating-status");
    form.addEventListener("change", function (e) {
      if (e.target.name !== "stars") return;
      var stars = parseFloat(e.target.value);
      var titleId = form.getAttribute("data-title-id");
      if (out) out.textContent = body.getAttribute("data-i18n-saving") || "…";
      api("PUT", "/api/me/ratings/" + titleId + "/", { stars: stars }).then(function (r) {
        if (!r.ok) throw new Error("HTTP " + r.status);
        if (out) out.textContent = (body.getAttribute("data-i18n-rated") || "%s").replace("%s", e.target.nextElementSibling.getAttribute("title") || stars);
        form.setAttribute("data-rated", String(stars));
      }).catch(function () {
        if (out) out.textContent = body.getAttribute("data-i18n-rating-error") || "Error";
      });
    });
  });

  /* History: remove with DELETE /api/me/history/{id}/; falls back to the form post. */
  Array.prototype.forEach.call(document.querySelectorAll("form[data-history-remove]"), function (form) {
    form.addEventListener("submit", function (e) {
      var item = form.closest("[data-history-item]");
      if (!item) return;
      e.preventDefault();
      var titleId = item.getAttribute("data-title-id");
      api("DELETE", "/api/me/history/" + titleId + "/").then(function (r) {
        if (r.status !== 204 && r.status !== 404) throw new Error("HTTP " + r.status);
        item.classList.add("removing");
        setTimeout(function () {
          var list = item.parentNode;
          item.remove();
          if (list && !list.children.length) window.location.reload();
        }, 320);
      }).catch(function () { form.submit(); });
    });
  });
})();
