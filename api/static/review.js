/* docparse review page: plain JS, no build step.
 *
 * The reviewer pastes an API key (kept in sessionStorage for this tab only); every API call sends
 * it as `Authorization: Bearer <key>`, page images included (fetched, then shown as blob URLs).
 * Routes: #/ (the queue) and #/review/<extraction_id>/<file_id> (one file).
 */
(function () {
  "use strict";

  var KEY_STORE = "docparse.reviewKey";
  var NEAR = 0.1; // amber: at or above the threshold but by less than this

  var $ = function (id) { return document.getElementById(id); };
  var state = {
    detail: null,       // GET .../review body of the open file
    blobUrls: [],       // page image object URLs to revoke when leaving the file
    decided: {},        // file_id -> revision decided in this tab (hides server lag in the queue)
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

  // ---------------------------------------------------------------------------------------
  // queue

  async function loadQueue() {
    showView("queue");
    $("queue-view").setAttribute("aria-busy", "true");
    try {
      var body = await api("/v1/reviews");
      var files = body.files.filter(function (f) {
        return !(f.file_id in state.decided) || f.revision > state.decided[f.file_id];
      });
      renderQueue(files);
    } catch (e) {
      renderQueue([]);
      showError(e);
    } finally {
      $("queue-view").setAttribute("aria-busy", "false");
      $("queue-view").dataset.loaded = "true";
    }
  }

  function renderQueue(files) {
    var tbody = $("queue-body");
    tbody.textContent = "";
    $("queue-count").textContent = "(" + files.length + ")";
    $("queue-empty").hidden = files.length > 0;
    $("queue-table").hidden = files.length === 0;
    files.forEach(function (f) {
      var href = "#/review/" + encodeURIComponent(f.extraction_id) + "/" + encodeURIComponent(f.file_id);
      var reasons = f.reasons || [];
      var why = el("td", { class: "why" }, [
        reasons.length ? reasons[0] : "",
        reasons.length > 1 ? el("span", { class: "more", title: reasons.slice(1).join("\n"),
                                          text: " +" + (reasons.length - 1) + " more" }) : null,
      ]);
      tbody.appendChild(el("tr", { "data-file-id": f.file_id, "data-extraction-id": f.extraction_id }, [
        el("td", {}, [el("a", { href: href, class: "file-link", "data-file-id": f.file_id, text: f.file_name })]),
        el("td", { text: String(f.page_count) }),
        why,
        el("td", { text: new Date(f.created_at).toLocaleString() }),
        el("td", {}, [el("a", { href: href, class: "open-btn", "data-file-id": f.file_id,
                                "aria-label": "review " + f.file_name, text: "Review →" })]),
      ]));
    });
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
  }

  async function openFile(extId, fileId) {
    showView("review");
    $("review-title").textContent = "loading…";
    $("review-meta").textContent = "";
    $("review-view").setAttribute("aria-busy", "true");
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
    $("review-meta").textContent = "status " + d.status + " · revision " + d.revision +
      " · threshold " + fmtConf(d.review_threshold);
    var waiting = d.status === "needs_review";
    $("approve-btn").disabled = !waiting;
    $("reject-btn").disabled = !waiting;
    if (!waiting) showError(new Error("This file is not awaiting review (status: " + d.status + ")."));
    renderLegend(d.review_threshold);
    $("file-reasons").textContent = "";
    (d.reasons || []).forEach(function (r) { $("file-reasons").appendChild(el("li", { text: r })); });
    renderPages(d);
    renderFields(d);
    updateChanged();
    $("review-view").setAttribute("aria-busy", "false");
  }

  function renderLegend(t) {
    var legend = $("legend");
    legend.textContent = "";
    legend.appendChild(el("span", { text: "confidence: " }));
    legend.appendChild(el("span", { class: "conf lvl-low", text: "below " + fmtConf(t) }));
    if (t < 1) {
      legend.appendChild(el("span", { class: "conf lvl-near", text: fmtConf(t) + "–" + fmtConf(Math.min(1, t + NEAR)) }));
      legend.appendChild(el("span", { class: "conf lvl-high", text: "≥ " + fmtConf(Math.min(1, t + NEAR)) }));
    } else {
      legend.appendChild(el("span", { class: "conf lvl-high", text: "1.00" }));
    }
    legend.appendChild(el("span", { class: "conf lvl-none", text: "none" }));
  }

  function renderPages(d) {
    var box = $("pages");
    box.textContent = "";
    d.pages.forEach(function (url, i) {
      var n = i + 1;
      var img = el("img", { id: "page-img-" + n, class: "page-img", alt: "page " + n + " of " + d.file_name,
                            "data-page": String(n) });
      var hl = el("div", { id: "cite-box-" + n, class: "cite-box", hidden: true, "data-page": String(n),
                           "aria-hidden": "true" });
      var wrap = el("figure", { id: "page-" + n, class: "page loading", "data-page": String(n) }, [
        el("div", { class: "page-inner" }, [img, hl]),
        el("figcaption", { text: "page " + n + " / " + d.pages.length }),
      ]);
      box.appendChild(wrap);
      loadPage(url, img, wrap);
    });
  }

  async function loadPage(url, img, wrap) {
    var fileId = state.detail && state.detail.file_id;
    try {
      var res = await api(url, { raw: true });
      var blob = await res.blob();
      if (!state.detail || state.detail.file_id !== fileId) return; // navigated away meanwhile
      var u = URL.createObjectURL(blob);
      state.blobUrls.push(u);
      img.onload = function () { wrap.classList.remove("loading"); wrap.dataset.loaded = "true"; };
      img.src = u;
    } catch (e) {
      wrap.classList.remove("loading");
      wrap.classList.add("failed");
      wrap.appendChild(el("p", { class: "page-error", text: "could not load: " + e.message }));
    }
  }

  // --- values ---------------------------------------------------------------------------

  /** Two decimals, or three where two would round a value up to the threshold it is below. */
  function fmtConf(c, t) {
    if (c === undefined || c === null) return "–";
    var s = c.toFixed(2);
    if (t !== undefined && c < t && Number(s) >= t) s = (Math.floor(c * 1000) / 1000).toFixed(3);
    return s;
  }

  function level(c, t) {
    if (c === undefined || c === null) return "none";
    if (c < t) return "low";
    if (c < Math.min(1, t + NEAR)) return "near";
    return "high";
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
  }

  function renderScalar(spec, d) {
    var path = spec.key;
    var lvl = level(d.confidence[path], d.review_threshold);
    var input = inputFor(spec, path, d.extracted[path], true);
    var reasons = reasonsFor(path, d.reasons, false);
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
    var lvl = level(d.confidence[key], d.review_threshold);
    var subs = spec.fields || [];
    var tbody = el("tbody", {});
    var wrap = el("div", { class: "field list lvl-" + lvl, id: "field-" + safeId(key), "data-key": key,
                           "data-path": key, "data-level": lvl, "data-list": "true",
                           "data-orig-count": String(items.length),
                           "data-cited": d.citations[key] ? "true" : "false" });
    var reasons = reasonsFor(key, d.reasons, true);
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
      return el("th", { text: s.key, title: (s.description || "") + " (" + s.type + ")" });
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
      onEdit();
      var first = row.querySelector("input,select");
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
      var lvl = added ? "none" : level(d.confidence[path], d.review_threshold);
      var reasons = reasonsFor(path, d.reasons, false);
      var input = inputFor(sub, path, added ? null : item[sub.key], false);
      if (added) input.dataset.orig = "\u0000"; // a new row always counts as a change
      tr.appendChild(el("td", { class: "cell lvl-" + lvl, "data-path": path, "data-level": lvl,
                                "data-cited": d.citations[path] ? "true" : "false",
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
        tr.querySelectorAll("input,select").forEach(function (i) { i.disabled = removed; });
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
        var input = wrap.querySelector("input[data-path], select[data-path]");
        if (input && isChanged(input)) out[spec.key] = typed(input.value, spec.type);
        return;
      }
      var rows = Array.prototype.slice.call(wrap.querySelectorAll("tbody tr"));
      var changed = rows.length !== Number(wrap.dataset.origCount) || rows.some(function (tr) {
        return tr.dataset.removed === "true" ||
          Array.prototype.some.call(tr.querySelectorAll("input,select"), isChanged);
      });
      if (!changed) return;
      out[spec.key] = rows.filter(function (tr) { return tr.dataset.removed !== "true"; }).map(function (tr) {
        var item = Object.assign({}, tr._orig || {});
        (spec.fields || []).forEach(function (sub) {
          var input = tr.querySelector('[data-path="' + tr.dataset.path + "." + sub.key + '"]');
          if (input) item[sub.key] = typed(input.value, sub.type);
        });
        return item;
      });
    });
    return out;
  }

  function onEdit() {
    document.querySelectorAll("#fields input, #fields select").forEach(function (i) {
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
    if (!d || state.busy) return;
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
      state.decided[d.file_id] = d.revision;
      var n = body.values ? Object.keys(body.values).length : 0;
      notice((out.decision === "approved" ? "Approved " : "Rejected ") + d.file_name +
             (n ? " with " + n + " correction(s)" : "") + " → " + out.status + ".");
      location.hash = "#/";
    } catch (e) {
      showError(e, e instanceof ApiError && e.status === 409);
      $("approve-btn").disabled = $("reject-btn").disabled = false;
    } finally {
      state.busy = false;
      document.body.dataset.busy = "false";
    }
  }

  // --- citation highlight -----------------------------------------------------------------------

  function highlight(path) {
    var d = state.detail;
    document.querySelectorAll(".cite-box").forEach(function (b) { b.hidden = true; b.classList.remove("active"); });
    document.querySelectorAll(".field.active, td.cell.active").forEach(function (f) { f.classList.remove("active"); });
    var holder = document.querySelector('.field[data-path="' + path + '"], td.cell[data-path="' + path + '"]');
    if (holder) holder.classList.add("active");
    $("pages").dataset.activePath = path;
    var cite = d && d.citations[path];
    if (!cite || !cite.bbox) { $("pages").dataset.activePage = ""; return; }
    var box = $("cite-box-" + cite.page);
    if (!box) return;
    var b = cite.bbox;
    var pad = 0.004; // a little air around the words
    var x0 = Math.max(0, b[0] - pad), y0 = Math.max(0, b[1] - pad);
    var x1 = Math.min(1, b[2] + pad), y1 = Math.min(1, b[3] + pad);
    box.style.left = (x0 * 100) + "%";
    box.style.top = (y0 * 100) + "%";
    box.style.width = ((x1 - x0) * 100) + "%";
    box.style.height = ((y1 - y0) * 100) + "%";
    box.dataset.path = path;
    box.className = "cite-box active lvl-" + level(d.confidence[path], d.review_threshold);
    box.hidden = false;
    $("pages").dataset.activePage = String(cite.page);
    box.scrollIntoView({ block: "center", inline: "nearest", behavior: "smooth" });
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
      $("key-state").textContent = "key set for this tab";
      notice("");
      if (location.hash !== "#/" && !/^#\/review\//.test(location.hash)) location.hash = "#/";
      else route();
    });
    $("key-forget").addEventListener("click", function () {
      sessionStorage.removeItem(KEY_STORE);
      $("api-key").value = "";
      $("key-state").textContent = "key forgotten";
      route();
    });
    $("queue-refresh").addEventListener("click", function () { notice(""); loadQueue(); });
    $("error-close").addEventListener("click", clearError);
    $("error-reload").addEventListener("click", function () { route(); });
    $("fields-form").addEventListener("submit", function (ev) { ev.preventDefault(); });
    $("approve-btn").addEventListener("click", function () { decide("approve"); });
    $("reject-btn").addEventListener("click", function () { decide("reject"); });
    $("fields").addEventListener("click", function (ev) {
      var btn = ev.target.closest(".cite-btn");
      if (btn) { highlight(btn.dataset.path); return; }
      var field = ev.target.closest(".field:not(.list)");
      if (field && !ev.target.closest("input,select,button")) {
        var input = field.querySelector("input,select");
        if (input) input.focus();
      }
    });
    window.addEventListener("hashchange", route);
    route();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
