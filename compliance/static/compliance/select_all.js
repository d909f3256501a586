// Select-all checkboxes, loaded as a file (no inline script, so a strict Content-Security-Policy
// holds). <input type="checkbox" data-select-all="NAME" hidden> ticks or clears every checkbox
// named NAME on the page and shows their state (all, none, some). It stays hidden without
// JavaScript, where it could do nothing.
(function () {
  "use strict";

  function boxes(master) {
    var name = master.getAttribute("data-select-all");
    return Array.prototype.filter.call(
      document.querySelectorAll('input[type="checkbox"]'),
      function (box) { return box.name === name && box !== master; }
    );
  }

  function sync(master) {
    var all = boxes(master);
    var ticked = all.filter(function (box) { return box.checked; }).length;
    master.checked = all.length > 0 && ticked === all.length;
    master.indeterminate = ticked > 0 && ticked < all.length;
  }

  function init() {
    document.querySelectorAll("input[data-select-all]").forEach(function (master) {
      master.hidden = false;
      master.addEventListener("change", function () {
        boxes(master).forEach(function (box) { box.checked = master.checked; });
        sync(master);
      });
      boxes(master).forEach(function (box) {
        box.addEventListener("change", function () { sync(master); });
      });
      sync(master);
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
