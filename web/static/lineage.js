// Progressive enhancement of the lineage page: pan and zoom over the server-drawn SVG with svg-pan-zoom
// (vendored in static/vendor/svg-pan-zoom/). Without script the SVG is scaled to the page's width by its
// viewBox and every node is a plain link; with it the graph can be dragged, wheel-zoomed and zoomed with
// the buttons, and the view opens on the focus node.
(function () {
  "use strict";
  var svg = document.querySelector("svg.lineage-graph");
  var controls = document.querySelector(".zoom-controls");
  if (!svg || !window.svgPanZoom) return;
  var canvas = svg.parentNode;
  // the drawn height as the page laid it out without script, kept as the frame's height (within reason)
  var drawn = svg.getBoundingClientRect().height;
  canvas.style.height = Math.round(Math.max(320, Math.min(drawn + 8, window.innerHeight * 0.75))) + "px";
  canvas.classList.add("zoomable");
  // through the CSSOM, which the Content-Security-Policy allows; the library would otherwise write a
  // style attribute, which it forbids
  svg.style.overflow = "hidden";
  var pz = window.svgPanZoom(svg, {
    viewportSelector: ".viewport",
    fit: true,
    center: true,
    minZoom: 0.1,
    maxZoom: 40,
    zoomScaleSensitivity: 0.3,
    dblClickZoomEnabled: false,
    controlIconsEnabled: false,
  });

  function focusView() {
    pz.resize();
    pz.fit();
    pz.center();
    var sizes = pz.getSizes();
    // a graph fitted whole may be too small to read: fit its width, but no smaller than 0.8 (wider
    // graphs are panned) and no larger than 1:1
    var byWidth = sizes.width / sizes.viewBox.width;
    var wanted = Math.max(0.8, Math.min(byWidth, 1));
    if (Math.abs(wanted - sizes.realZoom) > 0.01) pz.zoom(pz.getZoom() * (wanted / sizes.realZoom));
    var fx = parseFloat(svg.getAttribute("data-focus-x"));
    var fy = parseFloat(svg.getAttribute("data-focus-y"));
    if (!isNaN(fx) && !isNaN(fy)) {
      var zoom = pz.getSizes().realZoom;
      pz.pan({ x: sizes.width / 2 - fx * zoom, y: sizes.height / 2 - fy * zoom });
    }
  }
  focusView();

  // a drag that ends over a node is a pan, not a click on its link
  var down = null;
  svg.addEventListener("pointerdown", function (e) { down = { x: e.clientX, y: e.clientY }; }, true);
  svg.addEventListener("click", function (e) {
    if (down && Math.abs(e.clientX - down.x) + Math.abs(e.clientY - down.y) > 5) {
      e.preventDefault();
      e.stopPropagation();
    }
    down = null;
  }, true);

  if (controls) {
    controls.hidden = false;
    controls.addEventListener("click", function (e) {
      var action = e.target.getAttribute && e.target.getAttribute("data-zoom");
      if (action === "in") pz.zoomIn();
      else if (action === "out") pz.zoomOut();
      else if (action === "fit") { pz.resize(); pz.fit(); pz.center(); }
    });
  }
  window.addEventListener("resize", function () { pz.resize(); });
})();
