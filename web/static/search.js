// Progressive enhancement: autocomplete suggestions while typing. The page works without it.
(function () {
  var input = document.querySelector("input[data-suggest]");
  var list = document.getElementById("suggestions");
  if (!input || !list || !window.fetch) return;
  var timer = null;
  input.addEventListener("input", function () {
    clearTimeout(timer);
    var q = input.value.trim();
    if (q.length < 1) { list.replaceChildren(); return; }
    timer = setTimeout(function () {
      fetch(input.dataset.suggest + "?q=" + encodeURIComponent(q))
        .then(function (r) { return r.ok ? r.json() : { suggestions: [] }; })
        .then(function (body) {
          list.replaceChildren.apply(list, body.suggestions.map(function (s) {
            var o = document.createElement("option"); o.value = s; return o;
          }));
        })
        .catch(function () {});
    }, 120);
  });
})();

// The facets are a <details> panel, closed in the HTML so that a phone shows results first; style.css
// shows the panel's content on wide screens anyway. Open it there too, so its state says what is seen.
(function () {
  var panel = document.getElementById("facets-panel");
  if (!panel || !window.matchMedia) return;
  var wide = window.matchMedia("(min-width: 801px)");
  function follow() { panel.open = wide.matches; }
  follow();
  if (wide.addEventListener) wide.addEventListener("change", follow);
})();
