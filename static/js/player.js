/* Netfloox — the player's viewing events and the "new picks" notification.
 *
 * play        first time playback starts (again after a close)      value = progress 0–1
 * skip        a forward seek longer than min(30 s, 10 % of the clip)  value = progress after the seek
 * close       leaving the page (pagehide / hidden tab) after playing but before the end
 *             (fetch keepalive, so it survives the unload)             value = progress
 * full_watch  reaching the end, or 90 % of the clip, once per visit     value = 1
 * After the full_watch POST returns, /api/me/notifications/ is polled every 250 ms for up to
 * 5 s; the new notification for this title shows its picks in a toast.
 */
(function () {
  "use strict";
  var root = document.querySelector("[data-player]");
  var video = document.getElementById("player-video");
  if (!root || !video || !window.Netfloox) return;
  var N = window.Netfloox;
  var titleId = parseInt(root.getAttribute("data-title-id"), 10);
  var skipSeconds = parseFloat(root.getAttribute("data-skip-seconds")) || 30;
  var skipFraction = parseFloat(root.getAttribute("data-skip-fraction")) || 0.1;
  var fullFraction = parseFloat(root.getAttribute("data-full-fraction")) || 0.9;
  var notificationsUrl = root.getAttribute("data-notifications-url");
  var cardsUrl = root.getAttribute("data-cards-url");
  var status = document.getElementById("player-status");
  var toast = document.getElementById("new-picks");

  var played = false, fullSent = false, closed = false, lastTime = 0, fullAt = 0;
  var knownNotifications = {};
  var sentKinds = [];

  function say(key) { var m = root.getAttribute("data-msg-" + key); if (m && status) status.textContent = m; }
  function progress(t) {
    var d = video.duration;
    if (!d || !isFinite(d)) return 0;
    return Math.max(0, Math.min(1, (t === undefined ? video.currentTime : t) / d));
  }
  function send(kind, value, opts) {
    sentKinds.push(kind);
    root.setAttribute("data-sent", sentKinds.join(" "));
    return N.sendEvent(titleId, kind, value, opts).then(function (r) {
      if (r && !r.ok) { say("error"); }
      return r;
    }, function (err) { say("error"); throw err; });
  }

  function listNotifications() {
    return fetch(notificationsUrl, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.ok ? r.json() : []; })
      .then(function (data) { return Array.isArray(data) ? data : (data.results || []); });
  }
  /* Notifications that existed before this visit are never shown as "new". */
  if (N.authenticated) {
    listNotifications().then(function (items) { items.forEach(function (n) { knownNotifications[n.id] = true; }); })
      .catch(function () {});
  }

  function showPicks(n) {
    var ids = ((n.payload && n.payload.title_ids) || []).filter(function (id) { return id !== titleId; }).slice(0, 10);
    var heading = toast.querySelector(".toast-title");
    var sourceId = n.payload && n.payload.source_title_id;
    heading.textContent = (sourceId === titleId || sourceId === undefined) ? toast.getAttribute("data-heading") : n.message;
    var cards = toast.querySelector(".toast-cards");
    cards.innerHTML = "";
    /* The notification shows at once; its posters follow (one request for all cards). */
    toast.hidden = false;
    toast.setAttribute("data-notification-id", String(n.id));
    root.setAttribute("data-picks-ms", String(Math.round(performance.now() - fullAt)));
    say("picks");
    N.api("POST", notificationsUrl + n.id + "/read/").catch(function () {});
    if (!ids.length) return;
    fetch(cardsUrl + "?ids=" + ids.join(","), { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : ""; })
      .then(function (html) { cards.innerHTML = html; toast.setAttribute("data-cards", String(ids.length)); })
      .catch(function () {});
  }

  function pollNotifications() {
    var started = Date.now();
    (function tick() {
      listNotifications().then(function (items) {
        var fresh = items.filter(function (n) {
          return !knownNotifications[n.id] && !n.read_at &&
            (!n.payload || n.payload.source_title_id === undefined || n.payload.source_title_id === titleId);
        });
        if (fresh.length) { showPicks(fresh[0]); return; }
        if (Date.now() - started < 5000) setTimeout(tick, 250); else say("nopicks");
      }).catch(function () {
        if (Date.now() - started < 5000) setTimeout(tick, 250);
      });
    })();
  }

  function fullWatch() {
    if (fullSent) return;
    fullSent = true;
    fullAt = performance.now();
    say("full");
    send("full_watch", 1).then(function (r) { if (r && r.ok) pollNotifications(); }).catch(function () {});
  }

  /* A server without HTTP Range support (Django's own static view, some proxies) makes the
   * video unseekable; the demo clip is small, so then load it into memory and keep going. */
  video.addEventListener("loadedmetadata", function () {
    var s = video.seekable;
    var seekable = s.length > 0 && s.end(s.length - 1) - s.start(0) >= (video.duration || 0) * 0.9;
    if (seekable || !window.fetch || !window.URL || video.currentSrc.indexOf("blob:") === 0) return;
    fetch(video.currentSrc, { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.blob() : null; })
      .then(function (blob) {
        if (!blob) return;
        var t = video.currentTime, playing = !video.paused;
        video.src = URL.createObjectURL(blob);
        video.currentTime = t;
        if (playing) video.play().catch(function () {});
      }).catch(function () {});
  }, { once: true });

  video.addEventListener("play", function () {
    if (!played) { played = true; closed = false; send("play", progress()); say("play"); }
  });
  video.addEventListener("timeupdate", function () {
    if (!video.seeking) lastTime = video.currentTime;
    if (!fullSent && video.duration && isFinite(video.duration) && progress() >= fullFraction && !video.seeking) {
      fullWatch();
    }
  });
  video.addEventListener("seeking", function () {
    var to = video.currentTime, from = lastTime;
    var threshold = Math.min(skipSeconds, skipFraction * (video.duration || Infinity));
    if (to - from > threshold) { send("skip", progress(to)); say("skip"); }
    lastTime = to;
  });
  video.addEventListener("ended", fullWatch);

  function leave() {
    if (played && !fullSent && !closed) {
      closed = true; played = false;
      send("close", progress(), { keepalive: true }).catch(function () {});
    }
  }
  window.addEventListener("pagehide", leave);
  document.addEventListener("visibilitychange", function () { if (document.visibilityState === "hidden") leave(); });

  var closeBtn = toast && toast.querySelector(".toast-close");
  if (closeBtn) closeBtn.addEventListener("click", function () { toast.hidden = true; });
})();
