// Filters a panel page's entity tables as you type. Without JavaScript the same
// form filters on the server (GET ?filter=&level=), so this only saves a round trip.
(function () {
  "use strict";
  var form = document.querySelector("[data-entity-filter]");
  if (!form) { return; }
  var input = form.querySelector("input[name=filter]");
  var boxes = Array.prototype.slice.call(form.querySelectorAll("input[name=level]"));
  var flaggedOnly = form.querySelector("input[name=flagged]");  // curators: entities waiting for approval
  var counter = form.querySelector("[data-filter-count]");
  var rows = Array.prototype.slice.call(document.querySelectorAll("[data-filter-table] tbody tr"));
  var total = rows.length;

  function apply() {
    var text = input.value.trim().toLowerCase();
    var levels = boxes.filter(function (box) { return box.checked; }).map(function (box) { return box.value; });
    var shown = 0;
    rows.forEach(function (row) {
      var match = (!text || row.getAttribute("data-search").indexOf(text) !== -1) &&
        (!levels.length || levels.indexOf(row.getAttribute("data-level")) !== -1) &&
        (!flaggedOnly || !flaggedOnly.checked || row.hasAttribute("data-flagged"));
      row.hidden = !match;
      if (match) { shown += 1; }
    });
    if (counter) { counter.textContent = "Showing " + shown + " of the " + total + " entities on this page"; }
  }

  input.addEventListener("input", apply);
  boxes.forEach(function (box) { box.addEventListener("change", apply); });
  if (flaggedOnly) { flaggedOnly.addEventListener("change", apply); }
})();
