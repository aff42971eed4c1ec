/* docparse review page: the page images of one file, with zoom, pan and the cited box.
 *
 * window.docparseViewer.render(container, urls, name, load) draws one <figure> per page and fills each
 * image through load(url) -> Promise<blob URL>; zoom scales every page (the cited box is placed in
 * fractions of its page, so it follows); dragging pans (scrolls the container).
 */
(function () {
  "use strict";

  var ZOOMS = [0.5, 0.75, 1, 1.25, 1.5, 2, 2.5, 3, 4];
  var ZOOM_STORE = "docparse.reviewZoom";
  var box = null;          // the #pages container
  var zoom = Number(sessionStorage.getItem(ZOOM_STORE)) || 1;
  var drag = null;         // {id, x, y, left, top} while the pointer pans
  var onZoom = function () {};

  function make(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (attrs[k] === null || attrs[k] === undefined || attrs[k] === false) return;
      if (k === "text") node.textContent = attrs[k];
      else if (k === "class") node.className = attrs[k];
      else node.setAttribute(k, attrs[k] === true ? "" : attrs[k]);
    });
    (children || []).forEach(function (c) { node.appendChild(c); });
    return node;
  }

  function render(container, urls, name, load) {
    box = container;
    box.textContent = "";
    applyZoom(zoom, null);
    urls.forEach(function (url, i) {
      var n = i + 1;
      var img = make("img", { id: "page-img-" + n, class: "page-img", alt: "page " + n + " of " + name,
                              "data-page": String(n), draggable: "false" });
      var hl = make("div", { id: "cite-box-" + n, class: "cite-box", hidden: true, "data-page": String(n),
                             "aria-hidden": "true" });
      var fig = make("figure", { id: "page-" + n, class: "page loading", "data-page": String(n) }, [
        make("div", { class: "page-inner" }, [img, hl]),
        make("figcaption", { text: "page " + n + " / " + urls.length }),
      ]);
      box.appendChild(fig);
      load(url).then(function (src) {
        if (!src) return; // the reader moved on
        img.onload = function () { fig.classList.remove("loading"); fig.dataset.loaded = "true"; };
        img.src = src;
      }, function (e) {
        fig.classList.remove("loading");
        fig.classList.add("failed");
        fig.appendChild(make("p", { class: "page-error", text: "could not load: " + e.message }));
      });
    });
  }

  /** Shows the cited box of `path` (bbox in 0..1 of its page) and scrolls it into view. */
  function highlight(cite, path, level) {
    document.querySelectorAll(".cite-box").forEach(function (b) { b.hidden = true; b.classList.remove("active"); });
    if (!box) return;
    box.dataset.activePath = path;
    if (!cite || !cite.bbox) { box.dataset.activePage = ""; return; }
    var hl = document.getElementById("cite-box-" + cite.page);
    if (!hl) return;
    var b = cite.bbox, pad = 0.004; // a little air around the words
    var x0 = Math.max(0, b[0] - pad), y0 = Math.max(0, b[1] - pad);
    var x1 = Math.min(1, b[2] + pad), y1 = Math.min(1, b[3] + pad);
    hl.style.left = (x0 * 100) + "%";
    hl.style.top = (y0 * 100) + "%";
    hl.style.width = ((x1 - x0) * 100) + "%";
    hl.style.height = ((y1 - y0) * 100) + "%";
    hl.dataset.path = path;
    hl.className = "cite-box active lvl-" + level;
    hl.hidden = false;
    box.dataset.activePage = String(cite.page);
    hl.scrollIntoView({ block: "center", inline: "center", behavior: "smooth" });
  }

  // --- zoom ---------------------------------------------------------------------------------

  /** Sets the zoom, keeping the point under `anchor` (client coordinates; default: the centre) in place. */
  function applyZoom(z, anchor) {
    z = Math.min(ZOOMS[ZOOMS.length - 1], Math.max(ZOOMS[0], z));
    if (!box) { zoom = z; return; }
    var r = box.getBoundingClientRect();
    var ax = anchor ? anchor.x - r.left : box.clientWidth / 2;
    var ay = anchor ? anchor.y - r.top : box.clientHeight / 2;
    var fx = box.scrollWidth ? (box.scrollLeft + ax) / box.scrollWidth : 0;
    var fy = box.scrollHeight ? (box.scrollTop + ay) / box.scrollHeight : 0;
    zoom = z;
    sessionStorage.setItem(ZOOM_STORE, String(z));
    box.style.setProperty("--zoom", String(z));
    box.dataset.zoom = String(z);
    box.scrollLeft = fx * box.scrollWidth - ax;
    box.scrollTop = fy * box.scrollHeight - ay;
    onZoom(z);
  }

  function step(dir, anchor) {
    var i = ZOOMS.indexOf(zoom);
    if (i < 0) i = ZOOMS.findIndex(function (v) { return v > zoom; }) - (dir > 0 ? 1 : 0);
    applyZoom(ZOOMS[Math.min(ZOOMS.length - 1, Math.max(0, i + dir))], anchor);
  }

  // --- pan: drag with the mouse (or a finger) ----------------------------------------------------

  function wire(container) {
    container.addEventListener("wheel", function (ev) {
      if (!ev.ctrlKey) return; // plain wheel scrolls
      ev.preventDefault();
      step(ev.deltaY < 0 ? 1 : -1, { x: ev.clientX, y: ev.clientY });
    }, { passive: false });
    container.addEventListener("pointerdown", function (ev) {
      if (ev.button !== 0 || ev.target.closest("button")) return;
      drag = { id: ev.pointerId, x: ev.clientX, y: ev.clientY, left: container.scrollLeft, top: container.scrollTop };
      container.setPointerCapture(ev.pointerId);
      container.classList.add("panning");
      ev.preventDefault();
    });
    container.addEventListener("pointermove", function (ev) {
      if (!drag || ev.pointerId !== drag.id) return;
      container.scrollLeft = drag.left - (ev.clientX - drag.x);
      container.scrollTop = drag.top - (ev.clientY - drag.y);
    });
    function end(ev) {
      if (!drag || ev.pointerId !== drag.id) return;
      drag = null;
      container.classList.remove("panning");
    }
    container.addEventListener("pointerup", end);
    container.addEventListener("pointercancel", end);
  }

  window.docparseViewer = {
    render: render,
    highlight: highlight,
    wire: wire,
    zoomIn: function () { step(1, null); },
    zoomOut: function () { step(-1, null); },
    fit: function () { applyZoom(1, null); },
    zoom: function () { return zoom; },
    onZoom: function (fn) { onZoom = fn; },
  };
})();
