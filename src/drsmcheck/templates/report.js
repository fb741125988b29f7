(function () {
  "use strict";
  // drsmcheck report: filter, sort, expand. Vanilla JS, no network, never writes HTML from data.
  var table = document.getElementById("anomaly-table");
  if (!table) { return; }
  var form = document.getElementById("filters");
  var bodies = Array.prototype.slice.call(table.tBodies);
  var lang = document.documentElement.lang || "fr";
  var collator = new Intl.Collator(lang, { numeric: true, sensitivity: "base" });

  function fold(s) {
    return String(s).toLowerCase().normalize("NFD").replace(/[\u0300-\u036f]/g, "")
      .replace(/[\u00a0\u202f]/g, " ");
  }
  var haystack = bodies.map(function (b) { return fold(b.textContent); });

  function setExpanded(body, open) {
    var detail = body.querySelector("tr.detail");
    var button = body.querySelector("button.toggle");
    if (detail) { detail.hidden = !open; }
    if (button) { button.setAttribute("aria-expanded", open ? "true" : "false"); }
  }

  // Details start collapsed when JS runs (without JS everything stays visible).
  bodies.forEach(function (b) {
    setExpanded(b, false);
    var button = b.querySelector("button.toggle");
    if (button) {
      button.addEventListener("click", function () {
        setExpanded(b, button.getAttribute("aria-expanded") !== "true");
      });
    }
  });

  var selects = form ? Array.prototype.slice.call(form.querySelectorAll("select[data-filter]")) : [];
  var text = document.getElementById("f-text");
  var shown = document.getElementById("shown-n");
  var noMatch = document.getElementById("no-match");

  // Pages: the anomalies that match the filters, in the table's order, `page-size` at a time.
  var pager = document.getElementById("pager");
  var pageSize = pager ? (parseInt(pager.getAttribute("data-page-size"), 10) || 0) : 0;
  var pageN = document.getElementById("page-n");
  var pageCount = document.getElementById("page-count");
  var prev = document.getElementById("page-prev");
  var next = document.getElementById("page-next");
  var page = 0;
  var matches = bodies.slice();
  var hay = new Map();
  bodies.forEach(function (b, i) { hay.set(b, haystack[i]); });

  function pages() {
    return pageSize > 0 ? Math.max(1, Math.ceil(matches.length / pageSize)) : 1;
  }

  function paginate() {
    var n = pages();
    page = Math.min(Math.max(page, 0), n - 1);
    var from = pageSize > 0 ? page * pageSize : 0;
    var to = pageSize > 0 ? from + pageSize : matches.length;
    var on = new Set(matches.slice(from, to));
    bodies.forEach(function (b) { b.hidden = !on.has(b); });
    if (pager) {
      pager.hidden = n <= 1;
      if (pageN) { pageN.textContent = String(page + 1); }
      if (pageCount) { pageCount.textContent = String(n); }
      if (prev) { prev.disabled = page === 0; }
      if (next) { next.disabled = page >= n - 1; }
    }
  }

  function apply() {
    var terms = text ? fold(text.value).split(/\s+/).filter(Boolean) : [];
    matches = Array.prototype.slice.call(table.tBodies).filter(function (b) {
      return selects.every(function (s) {
        return !s.value || b.getAttribute("data-" + s.getAttribute("data-filter")) === s.value;
      }) && terms.every(function (t) { return hay.get(b).indexOf(t) !== -1; });
    });
    if (shown) { shown.textContent = String(matches.length); }
    if (noMatch) { noMatch.hidden = matches.length !== 0; }
    page = 0;
    paginate();
  }

  if (form) {
    form.hidden = false;
    form.addEventListener("submit", function (e) { e.preventDefault(); });
    selects.forEach(function (s) { s.addEventListener("change", apply); });
    if (text) { text.addEventListener("input", apply); }
  }
  if (prev) { prev.addEventListener("click", function () { page -= 1; paginate(); }); }
  if (next) { next.addEventListener("click", function () { page += 1; paginate(); }); }
  apply();

  // Sorting: click a header; click again to reverse. Ties keep the report's order.
  var headers = Array.prototype.slice.call(table.tHead.querySelectorAll("th[data-sort]"));
  function sortBy(th, direction) {
    var key = th.getAttribute("data-sort");
    var numeric = th.getAttribute("data-type") === "num";
    var sign = direction === "descending" ? -1 : 1;
    var order = bodies.slice().sort(function (a, b) {
      var x = a.getAttribute("data-" + key) || "";
      var y = b.getAttribute("data-" + key) || "";
      var c = numeric ? (parseFloat(x) - parseFloat(y)) : collator.compare(x, y);
      if (c === 0 || isNaN(c)) {
        c = parseInt(a.getAttribute("data-order"), 10) - parseInt(b.getAttribute("data-order"), 10);
        return c;
      }
      return sign * c;
    });
    order.forEach(function (b) { table.appendChild(b); });
    apply();
    headers.forEach(function (h) { if (h !== th) { h.removeAttribute("aria-sort"); } });
    th.setAttribute("aria-sort", direction);
  }
  headers.forEach(function (th) {
    var button = th.querySelector("button");
    (button || th).addEventListener("click", function () {
      var current = th.getAttribute("aria-sort");
      var next = current === "ascending" ? "descending" : "ascending";
      if (!current && th.getAttribute("data-type") === "num" && th.getAttribute("data-sort") === "diff") {
        next = "descending";
      }
      sortBy(th, next);
    });
  });

  var expandAll = document.getElementById("expand-all");
  var collapseAll = document.getElementById("collapse-all");
  if (expandAll) { expandAll.addEventListener("click", function () { bodies.forEach(function (b) { setExpanded(b, true); }); }); }
  if (collapseAll) { collapseAll.addEventListener("click", function () { bodies.forEach(function (b) { setExpanded(b, false); }); }); }

  // Open the anomaly a link points to (suspects table → anomaly row).
  function openHash() {
    var id = decodeURIComponent(location.hash.slice(1));
    if (!id) { return; }
    var target = document.getElementById(id);
    if (target && target.tagName === "TBODY") {
      if (matches.indexOf(target) === -1) {  // filtered out: show every anomaly again
        selects.forEach(function (s) { s.value = ""; });
        if (text) { text.value = ""; }
        apply();
      }
      var at = matches.indexOf(target);
      if (pageSize > 0 && at !== -1) { page = Math.floor(at / pageSize); paginate(); }
      target.hidden = false;
      setExpanded(target, true);
      target.scrollIntoView();
    }
  }
  window.addEventListener("hashchange", openHash);
  openHash();

  // Printing shows every detail; the previous state comes back afterwards.
  var before = null;
  var details = Array.prototype.slice.call(document.querySelectorAll("details"));
  var detailsBefore = null;
  window.addEventListener("beforeprint", function () {
    before = bodies.map(function (b) { return b.querySelector("tr.detail").hidden; });
    // every page of the matching anomalies is printed
    matches.forEach(function (b) { b.hidden = false; });
    bodies.forEach(function (b) { setExpanded(b, true); });
    detailsBefore = details.map(function (d) { return d.open; });
    details.forEach(function (d) { d.open = true; });
  });
  window.addEventListener("afterprint", function () {
    if (detailsBefore) { details.forEach(function (d, i) { d.open = detailsBefore[i]; }); }
    detailsBefore = null;
    if (!before) { return; }
    bodies.forEach(function (b, i) { setExpanded(b, !before[i]); });
    before = null;
    paginate();
  });
})();
