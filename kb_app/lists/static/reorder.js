// Drag and drop reordering of a reading list: an optional shortcut; the Up and Down buttons work without it.
(function () {
  "use strict";
  function ready(fn) { if (document.readyState !== "loading") { fn(); } else { document.addEventListener("DOMContentLoaded", fn); } }
  ready(function () {
    var list = document.querySelector(".reading-list[data-order-url]");
    if (!list || !window.fetch) { return; }
    var dragged = null;
    list.classList.add("dragging");
    Array.prototype.forEach.call(list.children, function (entry) {
      entry.setAttribute("draggable", "true");
      entry.addEventListener("dragstart", function (event) {
        dragged = entry;
        event.dataTransfer.effectAllowed = "move";
        event.dataTransfer.setData("text/plain", entry.dataset.itemId);
      });
      entry.addEventListener("dragover", function (event) {
        if (!dragged || dragged === entry) { return; }
        event.preventDefault();
        entry.classList.add("drag-over");
      });
      entry.addEventListener("dragleave", function () { entry.classList.remove("drag-over"); });
      entry.addEventListener("drop", function (event) {
        event.preventDefault();
        entry.classList.remove("drag-over");
        if (!dragged || dragged === entry) { return; }
        var rect = entry.getBoundingClientRect();
        var after = event.clientY > rect.top + rect.height / 2;
        list.insertBefore(dragged, after ? entry.nextSibling : entry);
        save();
      });
      entry.addEventListener("dragend", function () { dragged = null; });
    });
    function save() {
      var ids = Array.prototype.map.call(list.children, function (entry) { return entry.dataset.itemId; });
      var body = new URLSearchParams();
      body.set("csrf_token", list.dataset.csrf);
      body.set("order", ids.join(","));
      fetch(list.dataset.orderUrl, {method: "POST", body: body, credentials: "same-origin", headers: {"Accept": "application/json"}})
        .then(function (response) { if (response.ok) { window.location.reload(); } });
    }
  });
})();
