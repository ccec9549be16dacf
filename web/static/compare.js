// Progressive enhancement of the compare checkboxes on a list page (/search, /datasets, a hospital's page).
// Without script the page keeps ticks in ?compare= when its page buttons or "Keep the ticks" are pressed
// (web/compare.py carry_ticks). With script a tick is kept at once: every link and form of this page that
// leads to the page again (facets, chips, sort, a new query, the filters) carries the ticked ids, the
// address bar too (reload, back), and a tick past the fourth says at once to untick one.
(function () {
  var form = document.getElementById("compare-form");
  if (!form || !window.URL || !window.history || !history.replaceState) return;
  var keep = form.dataset.keep, most = parseInt(form.dataset.most, 10);
  var status = document.getElementById("compare-status");
  var here = location.pathname;

  function ticked() {
    var ids = [];
    form.querySelectorAll("input[type=checkbox][name=d]").forEach(function (box) {
      if (box.checked && ids.indexOf(box.value) < 0) ids.push(box.value);
    });
    return ids;
  }

  function carry(url, ids) {
    url.searchParams.delete(keep);
    ids.forEach(function (id) { url.searchParams.append(keep, id); });
  }

  function follow() {
    var ids = ticked();
    document.querySelectorAll("main a[href]").forEach(function (a) {
      var url = new URL(a.href, location.href);
      if (url.origin !== location.origin || url.pathname !== here) return;
      carry(url, ids);
      a.href = url.pathname + url.search + url.hash;
    });
    document.querySelectorAll("main form").forEach(function (f) {
      if (f === form || new URL(f.action, location.href).pathname !== here) return;
      f.querySelectorAll("input[type=hidden][name='" + keep + "']").forEach(function (i) { i.remove(); });
      ids.forEach(function (id) {
        var input = document.createElement("input");
        input.type = "hidden"; input.name = keep; input.value = id;
        f.appendChild(input);
      });
    });
    var now = new URL(location.href);
    carry(now, ids);
    history.replaceState(history.state, "", now.pathname + now.search + now.hash);
    if (status) {
      status.textContent = ids.length > most
        ? status.dataset.over.replace("{n}", ids.length).replace("{extra}", ids.length - most)
        : "";
    }
  }

  form.addEventListener("change", function (event) {
    if (event.target.name === "d") follow();
  });
})();
