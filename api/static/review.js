/* docparse review page: plain JS, no build step (the page viewer is review-viewer.js).
 *
 * The reviewer pastes an API key (kept in sessionStorage for this tab only); every API call sends
 * it as `Authorization: Bearer <key>`, page images included (fetched, then shown as blob URLs).
 * Routes: #/ (the queue) and #/review/<extraction_id>/<file_id> (one file). The queue can be
 * filtered by extraction, batch and file name; after a decision (or "Next file") the next file of
 * the filtered queue opens.
 */
(function () {
  "use strict";

  var KEY_STORE = "docparse.reviewKey";
  var FILTER_STORE = "docparse.reviewFilter";
  var viewer = window.docparseViewer;

  var $ = function (id) { return document.getElementById(id); };
  var state = {
    detail: null,       // GET .../review body of the open file
    queue: null,        // GET /v1/reviews files, as last loaded (null: not loaded yet)
    blobUrls: [],       // page image object URLs to revoke when leaving the file
    decided: {},        // file_id -> revision decided in this tab (hides server lag in the queue)
    filter: loadFilter(),
    busy: false,
  };

  // ---------------------------------------------------------------------------------------
  // API

  function getKey() { return sessionStorage.getItem(KEY_STORE) || ""; }

  function ApiError(status, message) { this.status = status; this.message = message; }

  async function api(path, opts) {
    opts = opts || {};
    var headers = { Authorization: "Bearer " + getKey() };
    var init = { method: opts.method || "GET", headers: headers };
    if (opts.json !== undefined) {
      headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(opts.json);
    }
    var res;
    try {
      res = await fetch(path, init);
    } catch (e) {
      throw new ApiError(0, "network error: " + e.message);
    }
    if (!res.ok) {
      var msg = res.status + " " + res.statusText;
      try {
        var body = await res.json();
        if (body && body.error) msg = body.error;
        else if (body && body.detail) msg = JSON.stringify(body.detail);
      } catch (e) { /* not JSON */ }
      throw new ApiError(res.status, msg);
    }
    return opts.raw ? res : res.json();
  }

  // ---------------------------------------------------------------------------------------
  // messages

  function showError(err, canReload) {
    var text = err instanceof ApiError && err.status ? "Error " + err.status + ": " + err.message
      : (err && err.message) || String(err);
    $("error-text").textContent = text;
    $("error").dataset.status = err instanceof ApiError ? String(err.status) : "";
    $("error-reload").hidden = !canReload;
    $("error").hidden = false;
  }

  function clearError() { $("error").hidden = true; $("error-text").textContent = ""; }

  function notice(text) {
    $("notice").textContent = text;
    $("notice").hidden = !text;
  }

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      var v = attrs[k];
      if (v === undefined || v === null || v === false) return;
      if (k === "text") node.textContent = v;
      else if (k === "class") node.className = v;
      else if (k.slice(0, 5) === "data-") node.setAttribute(k, v);
      else if (k in node && typeof v !== "string") node[k] = v;
      else node.setAttribute(k, v === true ? "" : v);
    });
    (children || []).forEach(function (c) {
      if (c !== null && c !== undefined) node.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
    });
    return node;
  }

  /** The end of an id, enough to tell two apart at a glance (the whole id is in the title). */
  function shortId(id) { return "…" + String(id).slice(-6); }

  // ---------------------------------------------------------------------------------------
  // routing

  function route() {
    clearError();
    var m = location.hash.match(/^#\/review\/([^/]+)\/([^/]+)$/);
    leaveFile();
    if (!getKey()) {
      showView(null);
      $("key-state").textContent = "paste a key to start";
      $("api-key").focus();
      return;
    }
    if (m) openFile(decodeURIComponent(m[1]), decodeURIComponent(m[2]));
    else loadQueue();
  }

  function showView(name) {
    $("queue-view").hidden = name !== "queue";
    $("review-view").hidden = name !== "review";
    document.body.dataset.view = name || "key";
  }

  function fileHash(f) {
    return "#/review/" + encodeURIComponent(f.extraction_id) + "/" + encodeURIComponent(f.file_id);
  }

  // ---------------------------------------------------------------------------------------
  // queue and its filter

  function loadFilter() {
    try {
      var f = JSON.parse(sessionStorage.getItem(FILTER_STORE) || "{}");
      return { extraction: f.extraction || "", batch: f.batch || "", name: f.name || "" };
    } catch (e) {
      return { extraction: "", batch: "", name: "" };
    }
  }

  function saveFilter() { sessionStorage.setItem(FILTER_STORE, JSON.stringify(state.filter)); }

  function filtering() { return !!(state.filter.extraction || state.filter.batch || state.filter.name); }

  /** The queue as loaded, without files decided in this tab, narrowed by the filter. */
  function filtered() {
    var f = state.filter, name = f.name.trim().toLowerCase();
    return (state.queue || []).filter(function (q) {
      if (q.file_id in state.decided && q.revision <= state.decided[q.file_id]) return false;
      if (f.extraction && q.extraction_id !== f.extraction) return false;
      if (f.batch && q.batch_id !== f.batch) return false;
      return !name || q.file_name.toLowerCase().indexOf(name) >= 0;
    });
  }

  async function fetchQueue() {
    var body = await api("/v1/reviews");
    state.queue = body.files;
    return state.queue;
  }

  async function loadQueue() {
    showView("queue");
    $("queue-view").setAttribute("aria-busy", "true");
    try {
      await fetchQueue();
    } catch (e) {
      state.queue = [];
      showError(e);
    } finally {
      renderQueue();
      $("queue-view").setAttribute("aria-busy", "false");
      $("queue-view").dataset.loaded = "true";
    }
  }

  function batchLabel(q) {
    var when = q.batch_created_at ? new Date(q.batch_created_at).toLocaleDateString() : "";
    return (q.batch_name || "(no name)") + (when ? " · " + when : "");
  }

  /** Options for a filter select: one per distinct id, "all" first; keeps the choice if still there. */
  function fillSelect(select, items, idOf, labelOf, chosen) {
    var seen = {};
    select.textContent = "";
    select.appendChild(el("option", { value: "", text: "all" }));
    items.forEach(function (q) {
      var id = idOf(q);
      if (seen[id]) { seen[id].n += 1; return; }
      seen[id] = { n: 1, q: q };
    });
    Object.keys(seen).forEach(function (id) {
      select.appendChild(el("option", { value: id, title: id,
                                        text: labelOf(seen[id].q) + " (" + shortId(id) + ") · " + seen[id].n }));
    });
    select.value = seen[chosen] ? chosen : "";
    return select.value;
  }

  function renderQueue() {
    var all = (state.queue || []).filter(function (q) {
      return !(q.file_id in state.decided && q.revision <= state.decided[q.file_id]);
    });
    var f = state.filter;
    f.extraction = fillSelect($("filter-extraction"), all, function (q) { return q.extraction_id; },
                              function (q) { return q.extraction_name || q.extraction_id; }, f.extraction);
    var inExtraction = all.filter(function (q) { return !f.extraction || q.extraction_id === f.extraction; });
    f.batch = fillSelect($("filter-batch"), inExtraction, function (q) { return q.batch_id; }, batchLabel, f.batch);
    $("filter-name").value = f.name;
    saveFilter();

    var files = filtered();
    var tbody = $("queue-body");
    tbody.textContent = "";
    $("queue-count").textContent = "(" + (files.length === all.length ? files.length : files.length + " of " + all.length) + ")";
    $("queue-empty").textContent = all.length ? "No file waiting for review matches the filter." : "Nothing is waiting for review.";
    $("queue-empty").hidden = files.length > 0;
    $("queue-table").hidden = files.length === 0;
    $("queue-start").disabled = files.length === 0;
    files.forEach(function (q) {
      var href = fileHash(q);
      var reasons = q.reasons || [];
      var why = el("td", { class: "why" }, [
        reasons.length ? reasons[0] : "",
        reasons.length > 1 ? el("span", { class: "more", title: reasons.slice(1).join("\n"),
                                          text: " +" + (reasons.length - 1) + " more" }) : null,
      ]);
      tbody.appendChild(el("tr", { "data-file-id": q.file_id, "data-extraction-id": q.extraction_id,
                                   "data-batch-id": q.batch_id }, [
        el("td", {}, [el("a", { href: href, class: "file-link", "data-file-id": q.file_id, text: q.file_name })]),
        el("td", { class: "ext", title: q.extraction_id }, [
          q.extraction_name || q.extraction_id, el("span", { class: "id", text: " " + shortId(q.extraction_id) })]),
        el("td", { class: "batch", title: q.batch_id }, [
          batchLabel(q), el("span", { class: "id", text: " " + shortId(q.batch_id) })]),
        el("td", { text: String(q.page_count) }),
        why,
        el("td", { text: new Date(q.created_at).toLocaleString() }),
        el("td", {}, [el("a", { href: href, class: "open-btn", "data-file-id": q.file_id,
                                "aria-label": "review " + q.file_name + " of " + (q.extraction_name || q.extraction_id) +
                                              ", batch " + (q.batch_name || q.batch_id),
                                text: "Review →" })]),
      ]));
    });
  }

  function onFilter() {
    state.filter = { extraction: $("filter-extraction").value, batch: $("filter-batch").value,
                     name: $("filter-name").value };
    renderQueue();
  }

  /** The file after `fileId` in the filtered queue (from the start after the last one); null: none. */
  function nextAfter(fileId) {
    var files = filtered();
    var i = files.findIndex(function (q) { return q.file_id === fileId; });
    var order = i < 0 ? files : files.slice(i + 1).concat(files.slice(0, i));
    return order.find(function (q) { return q.file_id !== fileId; }) || null;
  }

  function updatePosition() {
    var d = state.detail;
    if (!d || !state.queue) { $("review-position").textContent = ""; return; }
    var files = filtered();
    var i = files.findIndex(function (q) { return q.file_id === d.file_id; });
    $("review-position").textContent = i < 0 ? files.length + " waiting" + (filtering() ? " (filtered)" : "")
      : (i + 1) + " of " + files.length + (filtering() ? " (filtered)" : "");
    $("next-btn").disabled = !nextAfter(d.file_id);
  }

  /** Opens the next file of the filtered queue, or the queue itself when none is left. */
  async function goNext(message) {
    var current = state.detail && state.detail.file_id;
    var next = nextAfter(current);
    if (!next) {
      try { await fetchQueue(); } catch (e) { /* the queue view shows the error */ }
      next = nextAfter(current);
    }
    if (next) {
      notice(message ? message + " Next: " + next.file_name + "." : "");
      location.hash = fileHash(next);
    } else {
      notice((message ? message + " " : "") + "Nothing more is waiting for review" +
             (filtering() ? " in this filter." : "."));
      location.hash = "#/";
    }
  }

  // ---------------------------------------------------------------------------------------
  // one file

  function leaveFile() {
    state.blobUrls.forEach(function (u) { URL.revokeObjectURL(u); });
    state.blobUrls = [];
    state.detail = null;
    $("pages").textContent = "";
    $("fields").textContent = "";
    $("file-reasons").textContent = "";
    $("decision-reason").value = "";
    $("changed-count").textContent = "";
    $("review-position").textContent = "";
  }

  async function openFile(extId, fileId) {
    showView("review");
    $("review-title").textContent = "loading…";
    $("review-context").textContent = "";
    $("review-meta").textContent = "";
    $("review-view").setAttribute("aria-busy", "true");
    if (state.queue === null) fetchQueue().then(updatePosition, function () { /* position stays blank */ });
    var d;
    try {
      d = await api("/v1/extractions/" + encodeURIComponent(extId) + "/files/" + encodeURIComponent(fileId) + "/review");
    } catch (e) {
      $("review-title").textContent = "";
      $("review-view").setAttribute("aria-busy", "false");
      showError(e);
      return;
    }
    d.extraction_id = d.extraction_id || extId;
    state.detail = d;
    $("review-view").dataset.fileId = d.file_id;
    $("review-view").dataset.revision = String(d.revision);
    $("review-title").textContent = d.file_name;
    $("review-context").textContent = (d.extraction_name || d.extraction_id) + " · batch " +
      (d.batch_name || "(no name)") + " " + shortId(d.batch_id);
    $("review-context").title = d.extraction_id + " · " + d.batch_id;
    $("review-meta").textContent = "status " + d.status + " · revision " + d.revision +
      " · threshold " + fmtThreshold(d.review_threshold);
    var waiting = d.status === "needs_review";
    $("approve-btn").disabled = !waiting;
    $("reject-btn").disabled = !waiting;
    if (!waiting) showError(new Error("This file is not awaiting review (status: " + d.status + ")."));
    renderLegend(d.review_threshold);
    $("file-reasons").textContent = "";
    (d.reasons || []).forEach(function (r) { $("file-reasons").appendChild(el("li", { text: r })); });
    renderRefused(d.refused || []);
    viewer.render($("pages"), d.pages, d.file_name, loadPage);
    renderFields(d);
    updateChanged();
    updatePosition();
    $("review-view").setAttribute("aria-busy", "false");
  }

  // A `review` signal sent from the Temporal UI or CLI cannot answer its sender: the workflow keeps
  // why it refused it, and the reviewer sees it here (the latest first).
  function renderRefused(refused) {
    var list = $("refused-signals");
    list.textContent = "";
    refused.slice().reverse().forEach(function (r) {
      var who = [r.action, r.revision != null ? "revision " + r.revision : null,
                 r.reviewer ? "by " + r.reviewer : null].filter(Boolean).join(" ");
      list.appendChild(el("li", { text: (r.at ? String(r.at).replace("T", " ").slice(0, 19) + " · " : "") +
                                         (who ? who + ": " : "") + r.reason }));
    });
    $("refused-box").hidden = refused.length === 0;
  }

  function renderLegend(t) {
    var legend = $("legend");
    legend.textContent = "";
    legend.appendChild(el("span", { text: "confidence: " }));
    legend.appendChild(el("span", { class: "conf lvl-low", text: "below " + fmtThreshold(t) + ": review" }));
    legend.appendChild(el("span", { class: "conf lvl-high", text: "≥ " + fmtThreshold(t) }));
    legend.appendChild(el("span", { class: "conf lvl-none", text: "none" }));
    legend.appendChild(el("span", { class: "flag-key", text: "named in a reason" }));
  }

  /** A blob URL of the page image (fetched with the key); null when the reader moved on. */
  async function loadPage(url) {
    var fileId = state.detail && state.detail.file_id;
    var res = await api(url, { raw: true });
    var blob = await res.blob();
    if (!state.detail || state.detail.file_id !== fileId) return null;
    var u = URL.createObjectURL(blob);
    state.blobUrls.push(u);
    return u;
  }

  // --- values ---------------------------------------------------------------------------

  function truncated(c, decimals) {
    var f = Math.pow(10, decimals);
    return (Math.floor(c * f + 1e-9) / f).toFixed(decimals); // never rounded up (1e-9: float noise)
  }

  /** The confidence cut, not rounded, to as many decimals (2 to 4) as it takes to show on which
   * side of the threshold it is: 0.998 is "0.99", not "1.00"; 0.9555 over 0.955 is "0.955". */
  function fmtConf(c, t) {
    if (c === undefined || c === null) return "–";
    for (var d = 2; d < 4; d++) {
      var s = truncated(c, d);
      if (t === undefined || t === null || (Number(s) < t) === (c < t)) return s;
    }
    return truncated(c, 4);
  }

  function fmtThreshold(t) { return Math.round(t * 100) / 100 === t ? t.toFixed(2) : String(t); }

  /** The colour of a confidence: below the extraction's review threshold (what sends a file to
   * review) or not. */
  function level(c, t) {
    if (c === undefined || c === null) return "none";
    return c < t ? "low" : "high";
  }

  /** A field's colour: its confidence's, or amber when a reason names it though its confidence
   * passes (a failed rule, a missing required value). */
  function fieldLevel(c, t, reasons) {
    var lvl = level(c, t);
    return lvl !== "low" && reasons.length ? "flag" : lvl;
  }

  function display(v) {
    if (v === null || v === undefined) return "";
    if (typeof v === "object") return JSON.stringify(v);
    return String(v);
  }

  /** The typed value of an input's text for a schema type ("" is null). Text that does not parse
   * is sent as typed so the API's validation can name the problem. */
  function typed(text, type) {
    var s = text.trim();
    if (s === "") return null;
    if (type === "number" || type === "integer") {
      var n = Number(s.replace(/[\s\u00a0]/g, ""));
      if (isFinite(n) && (type === "number" || Number.isInteger(n))) return n;
      return s;
    }
    if (type === "boolean") {
      if (s === "true") return true;
      if (s === "false") return false;
      return s;
    }
    return s;
  }

  function safeId(path) { return path.replace(/[^A-Za-z0-9_]+/g, "-").replace(/-+$/, ""); }

  /** Reasons naming this path as a whole word ('key' in quotes or a bare path). */
  function reasonsFor(path, reasons, prefixOk) {
    var esc = path.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    var after = prefixOk ? "(?![A-Za-z0-9_])" : "(?![A-Za-z0-9_\\[.])";
    var re = new RegExp("(^|[^A-Za-z0-9_.\\]])" + esc + after);
    return (reasons || []).filter(function (r) { return re.test(r); });
  }

  var FIELD_SIZING = window.CSS && CSS.supports && CSS.supports("field-sizing", "content");

  /** Text grows to its lines (long descriptions wrap instead of scrolling out of sight). */
  function autosize(area) {
    if (FIELD_SIZING || !area.isConnected) return;
    area.style.height = "auto";
    area.style.height = area.scrollHeight + "px";
  }

  function inputFor(spec, path, value, labelled) {
    var id = "in-" + safeId(path);
    var attrs = { id: id, name: path, "data-path": path, "data-type": spec.type, "data-orig": display(value) };
    if (!labelled) attrs["aria-label"] = path;
    var input;
    if (spec.type === "boolean" || spec.type === "enum") {
      var opts = spec.type === "boolean" ? ["true", "false"] : (spec.values || []).slice();
      var cur = display(value);
      if (cur !== "" && opts.indexOf(cur) < 0) opts.push(cur); // keep an out-of-list extracted value visible
      input = el("select", attrs, [el("option", { value: "", text: "—" })].concat(opts.map(function (o) {
        return el("option", { value: o, text: o });
      })));
      input.value = cur;
    } else if (spec.type === "string") {
      attrs.rows = "1";
      attrs.class = "wrap";
      attrs.autocomplete = "off";
      attrs.spellcheck = "false";
      input = el("textarea", attrs);
      input.value = display(value);
      input.addEventListener("keydown", function (ev) { // one value, one line: Enter does not add one
        if (ev.key === "Enter" && !ev.ctrlKey && !ev.metaKey) ev.preventDefault();
      });
      input.addEventListener("input", function () {
        if (/[\r\n]/.test(input.value)) input.value = input.value.replace(/\s*[\r\n]+\s*/g, " ");
        autosize(input);
      });
    } else {
      if (spec.type === "number" || spec.type === "integer") { attrs.inputmode = "decimal"; }
      if (spec.type === "date") { attrs.placeholder = "YYYY-MM-DD"; }
      attrs.type = "text";
      attrs.autocomplete = "off";
      attrs.spellcheck = "false";
      input = el("input", attrs);
      input.value = display(value);
    }
    input.addEventListener("focus", function () { highlight(path); });
    input.addEventListener("input", onEdit);
    input.addEventListener("change", onEdit);
    return input;
  }

  var EDITABLE = "input[data-path], select[data-path], textarea[data-path]";

  function confBadge(path, d) {
    var c = d.confidence[path];
    var lvl = level(c, d.review_threshold);
    return el("span", {
      class: "conf lvl-" + lvl, "data-conf": c === undefined ? "" : String(c), "data-level": lvl,
      title: c === undefined ? "no confidence" : "confidence " + c + " (threshold " + d.review_threshold + ")",
      text: fmtConf(c, d.review_threshold),
    });
  }

  function citeButton(path, d) {
    var cite = d.citations[path];
    if (!cite) return null;
    return el("button", {
      type: "button", class: "cite-btn", "data-path": path, "aria-label": "show " + path + " on page " + cite.page,
      title: "show on page " + cite.page, text: "p." + cite.page,
    });
  }

  function renderFields(d) {
    var box = $("fields");
    box.textContent = "";
    d.fields.forEach(function (spec) {
      if (spec.type === "list<object>") box.appendChild(renderList(spec, d));
      else box.appendChild(renderScalar(spec, d));
    });
    box.querySelectorAll("textarea.wrap").forEach(autosize);
  }

  function renderScalar(spec, d) {
    var path = spec.key;
    var reasons = reasonsFor(path, d.reasons, false);
    var lvl = fieldLevel(d.confidence[path], d.review_threshold, reasons);
    var input = inputFor(spec, path, d.extracted[path], true);
    return el("div", { class: "field lvl-" + lvl, id: "field-" + safeId(path), "data-key": spec.key,
                       "data-path": path, "data-level": lvl, "data-cited": d.citations[path] ? "true" : "false" }, [
      el("div", { class: "field-head" }, [
        el("label", { for: input.id, text: spec.key }),
        el("span", { class: "type", text: spec.type }),
        spec.required ? el("span", { class: "req", text: "required" }) : null,
        confBadge(path, d),
        citeButton(path, d),
      ]),
      input,
      spec.description ? el("div", { class: "desc", text: spec.description }) : null,
      reasons.length ? el("ul", { class: "reasons" }, reasons.map(function (r) { return el("li", { text: r }); })) : null,
    ]);
  }

  function renderList(spec, d) {
    var key = spec.key;
    var items = Array.isArray(d.extracted[key]) ? d.extracted[key] : [];
    var reasons = reasonsFor(key, d.reasons, true);
    var lvl = fieldLevel(d.confidence[key], d.review_threshold, reasons);
    var subs = spec.fields || [];
    var tbody = el("tbody", {});
    var wrap = el("div", { class: "field list lvl-" + lvl, id: "field-" + safeId(key), "data-key": key,
                           "data-path": key, "data-level": lvl, "data-list": "true",
                           "data-orig-count": String(items.length),
                           "data-cited": d.citations[key] ? "true" : "false" });
    var headId = "label-" + safeId(key);
    wrap.appendChild(el("div", { class: "field-head" }, [
      el("span", { id: headId, class: "label", text: key }),
      el("span", { class: "type", text: spec.type + " · " + items.length + " item(s)" }),
      spec.required ? el("span", { class: "req", text: "required" }) : null,
      confBadge(key, d),
      citeButton(key, d),
    ]));
    if (spec.description) wrap.appendChild(el("div", { class: "desc", text: spec.description }));
    if (reasons.length) {
      wrap.appendChild(el("ul", { class: "reasons" }, reasons.map(function (r) { return el("li", { text: r }); })));
    }
    var head = el("tr", {}, [el("th", { text: "#" })].concat(subs.map(function (s) {
      return el("th", { text: s.key, class: s.type === "string" ? "text" : null,
                        title: (s.description || "") + " (" + s.type + ")" });
    })).concat([el("th", {})]));
    wrap.appendChild(el("div", { class: "table-wrap" }, [
      el("table", { class: "items", "aria-labelledby": headId }, [el("thead", {}, [head]), tbody]),
    ]));
    items.forEach(function (item, n) { tbody.appendChild(renderRow(spec, n, item || {}, d, false)); });
    var add = el("button", { type: "button", class: "add-row", "data-path": key, text: "+ add row",
                             "aria-label": "add a row to " + key });
    add.addEventListener("click", function () {
      var n = tbody.children.length;
      var row = renderRow(spec, n, {}, d, true);
      tbody.appendChild(row);
      row.querySelectorAll("textarea.wrap").forEach(autosize);
      onEdit();
      var first = row.querySelector("input,select,textarea");
      if (first) first.focus();
    });
    wrap.appendChild(add);
    return wrap;
  }

  function renderRow(spec, n, item, d, added) {
    var rowPath = spec.key + "[" + n + "]";
    var tr = el("tr", { "data-row": String(n), "data-path": rowPath, class: added ? "added" : "" });
    tr._orig = item;
    tr.appendChild(el("td", { class: "rownum", text: String(n + 1) }));
    (spec.fields || []).forEach(function (sub) {
      var path = rowPath + "." + sub.key;
      var reasons = reasonsFor(path, d.reasons, false);
      var lvl = added ? "none" : fieldLevel(d.confidence[path], d.review_threshold, reasons);
      var input = inputFor(sub, path, added ? null : item[sub.key], false);
      if (added) input.dataset.orig = "\u0000"; // a new row always counts as a change
      tr.appendChild(el("td", { class: "cell lvl-" + lvl + (sub.type === "string" ? " text" : ""), "data-path": path,
                                "data-level": lvl, "data-cited": d.citations[path] ? "true" : "false",
                                title: reasons.join("\n") || null }, [
        input,
        added ? null : el("div", { class: "cell-meta" }, [
          confBadge(path, d),
          reasons.length ? el("span", { class: "flag", text: "!", title: reasons.join("\n") }) : null,
        ]),
      ]));
    });
    var rm = el("button", { type: "button", class: "rm-row", "aria-label": "remove " + rowPath, text: "✕",
                            title: "remove this row" });
    rm.addEventListener("click", function () {
      if (added) {
        tr.remove();
      } else {
        var removed = tr.classList.toggle("removed");
        tr.dataset.removed = removed ? "true" : "";
        rm.textContent = removed ? "↺" : "✕";
        rm.setAttribute("aria-label", (removed ? "restore " : "remove ") + rowPath);
        tr.querySelectorAll("input,select,textarea").forEach(function (i) { i.disabled = removed; });
      }
      onEdit();
    });
    tr.appendChild(el("td", {}, [rm]));
    return tr;
  }

  // --- edits and decisions --------------------------------------------------------------------

  function isChanged(input) { return input.value !== input.dataset.orig; }

  /** {top-level key: typed corrected value}, only for what the reviewer changed; a list whole. */
  function corrections() {
    var d = state.detail;
    var out = {};
    if (!d) return out;
    d.fields.forEach(function (spec) {
      var wrap = $("field-" + safeId(spec.key));
      if (!wrap) return;
      if (spec.type !== "list<object>") {
        var input = wrap.querySelector(EDITABLE);
        if (input && isChanged(input)) out[spec.key] = typed(input.value, spec.type);
        return;
      }
      var rows = Array.prototype.slice.call(wrap.querySelectorAll("tbody tr"));
      var changed = rows.length !== Number(wrap.dataset.origCount) || rows.some(function (tr) {
        return tr.dataset.removed === "true" ||
          Array.prototype.some.call(tr.querySelectorAll(EDITABLE), isChanged);
      });
      if (!changed) return;
      out[spec.key] = rows.filter(function (tr) { return tr.dataset.removed !== "true"; }).map(function (tr) {
        var item = Object.assign({}, tr._orig || {});
        (spec.fields || []).forEach(function (sub) {
          var path = tr.dataset.path + "." + sub.key; // the input's, not its cell's (same data-path)
          var input = tr.querySelector(EDITABLE.replace(/\[data-path\]/g, '[data-path="' + path + '"]'));
          if (input) item[sub.key] = typed(input.value, sub.type);
        });
        return item;
      });
    });
    return out;
  }

  function onEdit() {
    document.querySelectorAll("#fields " + EDITABLE.split(", ").join(", #fields ")).forEach(function (i) {
      i.classList.toggle("changed", isChanged(i));
    });
    updateChanged();
  }

  function updateChanged() {
    var keys = Object.keys(corrections());
    $("changed-count").textContent = keys.length ? "corrected: " + keys.join(", ") : "no corrections";
    $("changed-count").dataset.count = String(keys.length);
  }

  async function decide(action) {
    var d = state.detail;
    if (!d || state.busy || $("approve-btn").disabled) return;
    clearError();
    var reason = $("decision-reason").value.trim();
    var body = { action: action, revision: d.revision };
    if (action === "reject") {
      if (!reason) {
        showError(new Error("Give a reason to reject this file."));
        $("decision-reason").focus();
        return;
      }
    } else {
      var values = corrections();
      if (Object.keys(values).length) body.values = values;
    }
    if (reason) body.reason = reason;
    state.busy = true;
    $("approve-btn").disabled = $("reject-btn").disabled = true;
    document.body.dataset.busy = "true";
    try {
      var url = "/v1/extractions/" + encodeURIComponent(d.extraction_id) + "/files/" + encodeURIComponent(d.file_id) + "/review";
      var out = await api(url, { method: "POST", json: body });
      var n = body.values ? Object.keys(body.values).length : 0;
      var done = (out.decision === "approved" ? "Approved " : "Rejected ") + d.file_name +
        (n ? " with " + n + " correction(s)" : "") + " → " + out.status + ".";
      var next = nextAfter(d.file_id); // before it leaves the queue: the one after it
      state.decided[d.file_id] = d.revision;
      if (next) {
        notice(done + " Next: " + next.file_name + ".");
        location.hash = fileHash(next);
        // others review the same queue: pick up their decisions and new files for the next step
        fetchQueue().then(updatePosition, function () { /* kept the queue as it was */ });
      } else {
        await goNext(done);
      }
    } catch (e) {
      showError(e, e instanceof ApiError && e.status === 409);
      $("approve-btn").disabled = $("reject-btn").disabled = false;
    } finally {
      state.busy = false;
      document.body.dataset.busy = "false";
    }
  }

  function highlight(path) {
    var d = state.detail;
    document.querySelectorAll(".field.active, td.cell.active").forEach(function (f) { f.classList.remove("active"); });
    var holder = document.querySelector('.field[data-path="' + path + '"], td.cell[data-path="' + path + '"]');
    if (holder) holder.classList.add("active");
    viewer.highlight(d && d.citations[path], path, d ? level(d.confidence[path], d.review_threshold) : "none");
  }

  // ---------------------------------------------------------------------------------------
  // keyboard: Ctrl+Enter approves, Alt+N opens the next file; + - 0 zoom outside a field

  function onKey(ev) {
    var reviewing = document.body.dataset.view === "review";
    var typing = ev.target.closest && ev.target.closest("input, textarea, select");
    if (reviewing && ev.key === "Enter" && (ev.ctrlKey || ev.metaKey)) {
      ev.preventDefault();
      decide("approve");
    } else if (ev.altKey && (ev.code === "KeyN" || ev.key === "n")) {
      ev.preventDefault();
      if (reviewing) { if (!$("next-btn").disabled) goNext(""); }
      else if (document.body.dataset.view === "queue") openFirst();
    } else if (reviewing && !typing && !ev.ctrlKey && !ev.metaKey && !ev.altKey) {
      if (ev.key === "+" || ev.key === "=") viewer.zoomIn();
      else if (ev.key === "-") viewer.zoomOut();
      else if (ev.key === "0") viewer.fit();
      else return;
      ev.preventDefault();
    }
  }

  function openFirst() {
    var first = filtered()[0];
    if (first) location.hash = fileHash(first);
  }

  // ---------------------------------------------------------------------------------------
  // wiring

  function init() {
    $("api-key").value = getKey();
    $("key-state").textContent = getKey() ? "key set for this tab" : "";
    $("key-form").addEventListener("submit", function (ev) {
      ev.preventDefault();
      var k = $("api-key").value.trim();
      if (!k) return;
      sessionStorage.setItem(KEY_STORE, k);
      state.queue = null;
      $("key-state").textContent = "key set for this tab";
      notice("");
      if (location.hash !== "#/" && !/^#\/review\//.test(location.hash)) location.hash = "#/";
      else route();
    });
    $("key-forget").addEventListener("click", function () {
      sessionStorage.removeItem(KEY_STORE);
      state.queue = null;
      $("api-key").value = "";
      $("key-state").textContent = "key forgotten";
      route();
    });
    $("queue-refresh").addEventListener("click", function () { notice(""); loadQueue(); });
    $("queue-start").addEventListener("click", openFirst);
    ["filter-extraction", "filter-batch"].forEach(function (id) { $(id).addEventListener("change", onFilter); });
    $("filter-name").addEventListener("input", onFilter);
    $("next-btn").addEventListener("click", function () { goNext(""); });
    $("error-close").addEventListener("click", clearError);
    $("error-reload").addEventListener("click", function () { route(); });
    $("fields-form").addEventListener("submit", function (ev) { ev.preventDefault(); });
    $("approve-btn").addEventListener("click", function () { decide("approve"); });
    $("reject-btn").addEventListener("click", function () { decide("reject"); });
    $("zoom-in").addEventListener("click", viewer.zoomIn);
    $("zoom-out").addEventListener("click", viewer.zoomOut);
    $("zoom-fit").addEventListener("click", viewer.fit);
    viewer.onZoom(function (z) { $("zoom-level").textContent = Math.round(z * 100) + "%"; });
    viewer.wire($("pages"));
    $("fields").addEventListener("click", function (ev) {
      var btn = ev.target.closest(".cite-btn");
      if (btn) { highlight(btn.dataset.path); return; }
      var field = ev.target.closest(".field:not(.list)");
      if (field && !ev.target.closest("input,select,textarea,button")) {
        var input = field.querySelector("input,select,textarea");
        if (input) input.focus();
      }
    });
    document.addEventListener("keydown", onKey);
    window.addEventListener("hashchange", route);
    route();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
