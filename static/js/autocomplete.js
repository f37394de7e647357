/* Netfloox — accessible autocomplete (ARIA combobox) on titles and people, and token inputs.
 *
 * <div class="combo" data-autocomplete data-kinds="titles,people" [data-navigate] [data-token-input]>
 *   <input …>
 * </div>
 * data-navigate: choosing a suggestion opens its page. data-token-input (inside [data-tokens]):
 * choosing a suggestion, or Enter on typed text, adds a chip with a hidden input.
 * Keys: ↓/↑ move, Enter chooses, Escape closes. Uses GET /api/search/autocomplete/?q=.
 */
(function () {
  "use strict";
  var body = document.body;
  var url = body.getAttribute("data-autocomplete-url") || "/api/search/autocomplete/";
  var T = function (key, fallback) { return body.getAttribute("data-i18n-" + key) || fallback; };
  var uid = 0;

  function normalize(s) {
    return (s || "").normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }

  function highlight(label, q) {
    var frag = document.createDocumentFragment();
    var i = normalize(label).indexOf(normalize(q));
    if (!q || i < 0) { frag.appendChild(document.createTextNode(label)); return frag; }
    frag.appendChild(document.createTextNode(label.slice(0, i)));
    var m = document.createElement("mark");
    m.textContent = label.slice(i, i + q.length);
    frag.appendChild(m);
    frag.appendChild(document.createTextNode(label.slice(i + q.length)));
    return frag;
  }

  /* ---- tokens (chips) ---- */
  function tokenBox(el) { return el.closest("[data-tokens]"); }

  function addToken(box, label) {
    label = (label || "").replace(/\s+/g, " ").trim();
    if (!label) return false;
    var name = box.getAttribute("data-name");
    var list = box.querySelector(".token-list");
    var exists = Array.prototype.some.call(list.querySelectorAll("input[type=hidden]"), function (i) {
      return normalize(i.value) === normalize(label);
    });
    if (exists) return false;
    var li = document.createElement("li");
    li.className = "token";
    var span = document.createElement("span");
    span.textContent = label;
    var hidden = document.createElement("input");
    hidden.type = "hidden"; hidden.name = name; hidden.value = label;
    var btn = document.createElement("button");
    btn.type = "button"; btn.className = "token-remove"; btn.textContent = "✕";
    btn.setAttribute("aria-label", T("remove", "Remove %s").replace("%s", label));
    li.appendChild(span); li.appendChild(hidden); li.appendChild(btn);
    list.appendChild(li);
    return true;
  }

  document.addEventListener("click", function (e) {
    var btn = e.target.closest && e.target.closest(".token-remove");
    if (!btn) return;
    var box = tokenBox(btn);
    btn.closest(".token").remove();
    if (box) { var input = box.querySelector(".combo input"); if (input) input.focus(); }
  });

  /* ---- combobox ---- */
  function setup(combo) {
    var input = combo.querySelector("input");
    if (!input) return;
    var kinds = (combo.getAttribute("data-kinds") || "titles,people").split(",");
    var navigate = combo.hasAttribute("data-navigate");
    var tokenMode = combo.hasAttribute("data-token-input");
    var listId = "combo-list-" + (++uid);
    var list = document.createElement("ul");
    list.id = listId; list.className = "combo-list"; list.hidden = true;
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", T("suggestions", "Suggestions"));
    combo.appendChild(list);
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", listId);

    var options = [], active = -1, timer = null, controller = null, lastQ = null;

    function close() {
      list.hidden = true; input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant"); active = -1;
    }
    function open() { list.hidden = false; input.setAttribute("aria-expanded", "true"); }
    function setActive(i) {
      if (!options.length) return;
      if (active >= 0 && options[active]) options[active].el.setAttribute("aria-selected", "false");
      active = (i + options.length) % options.length;
      var o = options[active].el;
      o.setAttribute("aria-selected", "true");
      input.setAttribute("aria-activedescendant", o.id);
      o.scrollIntoView({ block: "nearest" });
    }
    function choose(opt) {
      close();
      if (navigate) { window.location.assign(opt.href); return; }
      if (tokenMode) {
        addToken(tokenBox(combo), opt.chip || opt.label);
        input.value = ""; lastQ = null; input.focus();
        return;
      }
      input.value = opt.label;
    }
    function group(label) {
      var li = document.createElement("li");
      li.className = "combo-group"; li.setAttribute("role", "presentation"); li.textContent = label;
      list.appendChild(li);
    }
    function render(data, q) {
      list.innerHTML = ""; options = []; active = -1;
      input.removeAttribute("aria-activedescendant");
      var titles = kinds.indexOf("titles") >= 0 ? (data.titles || []) : [];
      var people = kinds.indexOf("people") >= 0 ? (data.people || []) : [];
      function add(item, kind) {
        var li = document.createElement("li");
        li.className = "combo-option"; li.id = listId + "-o" + options.length;
        li.setAttribute("role", "option"); li.setAttribute("aria-selected", "false");
        var label = kind === "title" ? item.primary_title : item.name;
        var href = kind === "title" ? "/titles/" + item.id + "/" : "/people/" + item.id + "/";
        if (kind === "title") {
          var img = document.createElement("img");
          img.src = "/titles/" + item.id + "/poster.svg"; img.alt = ""; img.loading = "lazy";
          li.appendChild(img);
        } else {
          var av = document.createElement("span");
          av.className = "avatar"; av.setAttribute("aria-hidden", "true");
          av.textContent = (label || "?").split(/\s+/).slice(0, 2).map(function (p) { return p.charAt(0); }).join("").toUpperCase();
          li.appendChild(av);
        }
        var text = document.createElement("span");
        text.appendChild(highlight(label, q));
        li.appendChild(text);
        var small = document.createElement("small");
        small.textContent = kind === "title" ? (item.start_year || "") : T("person", "Person");
        li.appendChild(small);
        // a chip names a title with its year ("Heat (1995)"): the server then knows which Heat
        var chip = kind === "title" && item.start_year ? label + " (" + item.start_year + ")" : label;
        var opt = { el: li, label: label, chip: chip, href: href, kind: kind, id: item.id };
        li.addEventListener("mousedown", function (e) { e.preventDefault(); choose(opt); });
        options.push(opt);
        list.appendChild(li);
      }
      if (titles.length) { if (people.length) group(T("titles", "Titles")); titles.forEach(function (t) { add(t, "title"); }); }
      if (people.length) { if (titles.length) group(T("people", "People")); people.forEach(function (p) { add(p, "person"); }); }
      if (!options.length) {
        var none = document.createElement("li");
        none.className = "combo-empty"; none.setAttribute("role", "presentation");
        none.textContent = T("no-match", "No suggestion");
        list.appendChild(none);
      }
      open();
    }
    function fetchNow() {
      var q = input.value.trim();
      if (q === lastQ) return;
      lastQ = q;
      if (q.length < 2) { close(); return; }
      if (controller) controller.abort();
      controller = window.AbortController ? new AbortController() : null;
      fetch(url + "?q=" + encodeURIComponent(q), {
        credentials: "same-origin", headers: { "Accept": "application/json" },
        signal: controller ? controller.signal : undefined
      }).then(function (r) { return r.ok ? r.json() : { titles: [], people: [] }; })
        .then(function (data) { if (input.value.trim() === q) render(data, q); })
        .catch(function () { /* aborted or offline: no suggestions */ });
    }

    input.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(fetchNow, 120); });
    input.addEventListener("focus", function () { if (options.length && input.value.trim().length >= 2) open(); });
    input.addEventListener("blur", function () { setTimeout(close, 120); });
    input.addEventListener("keydown", function (e) {
      var isOpen = !list.hidden;
      if (e.key === "ArrowDown") {
        e.preventDefault();
        if (!isOpen) { lastQ = null; fetchNow(); if (options.length) open(); return; }
        setActive(active + 1);
      } else if (e.key === "ArrowUp") {
        if (isOpen) { e.preventDefault(); setActive(active - 1); }
      } else if (e.key === "Enter") {
        if (isOpen && active >= 0 && options[active]) { e.preventDefault(); choose(options[active]); return; }
        if (tokenMode && input.value.trim()) {
          e.preventDefault(); addToken(tokenBox(combo), input.value); input.value = ""; lastQ = null; close();
        }
      } else if (e.key === "Escape") {
        if (isOpen) { e.preventDefault(); close(); }
      } else if (e.key === "Backspace" && tokenMode && !input.value) {
        var last = tokenBox(combo).querySelector(".token:last-child");
        if (last) last.remove();
      } else if (e.key === "Tab") {
        close();
      }
    });
    if (tokenMode) {
      /* Whatever is still typed becomes a chip when the form is sent (no duplicate field). */
      var form = input.form;
      if (form) form.addEventListener("submit", function () {
        if (input.value.trim()) { addToken(tokenBox(combo), input.value); }
        input.value = "";
        input.removeAttribute("name");
      });
    }
  }

  Array.prototype.forEach.call(document.querySelectorAll("[data-autocomplete]"), setup);
})();
