// Reordering a reading list in place: Up and Down (and drag and drop) move the entry on the page and save the
// whole order in the background, so the page never reloads. Without scripts the buttons post and the page reloads.
(function () {
  "use strict";
  function ready(fn) { if (document.readyState !== "loading") { fn(); } else { document.addEventListener("DOMContentLoaded", fn); } }
  ready(function () {
    var list = document.querySelector(".reading-list[data-order-url]");
    if (!list || !window.fetch) { return; }
    var status = document.getElementById("order-status");
    var entries = function () { return Array.prototype.slice.call(list.children); };

    function label(entry) {
      var title = entry.querySelector(".entry-heading, .entry-title a, .entry-title");
      return title ? title.textContent.replace(/\s+/g, " ").trim() : "";
    }

    // Numbers count records only (headings have none); the first entry cannot go up, the last cannot go down.
    function refresh() {
      var number = 0, all = entries();
      all.forEach(function (entry, index) {
        var shown = entry.querySelector(".entry-number");
        if (shown) { number += 1; shown.textContent = number + "."; }
        var up = entry.querySelector('button[name="direction"][value="up"]');
        var down = entry.querySelector('button[name="direction"][value="down"]');
        if (up) { up.disabled = index === 0; }
        if (down) { down.disabled = index === all.length - 1; }
      });
    }

    function announce(entry) {
      if (!status) { return; }
      var place = entries().indexOf(entry) + 1;
      status.textContent = status.dataset.moved.replace("%(entry)s", label(entry)).replace("%(place)s", String(place));
    }

    function save(entry) {
      var body = new URLSearchParams();
      body.set("csrf_token", list.dataset.csrf);
      body.set("order", entries().map(function (e) { return e.dataset.itemId; }).join(","));
      return fetch(list.dataset.orderUrl, {method: "POST", body: body, credentials: "same-origin",
                                           headers: {"Accept": "application/json"}})
        .then(function (response) {
          if (!response.ok) { throw new Error(String(response.status)); }
          list.dataset.saved = String(Number(list.dataset.saved || 0) + 1);
          if (entry) { announce(entry); }
        })
        .catch(function () {
          if (status) { status.textContent = status.dataset.failed; }
          window.setTimeout(function () { window.location.reload(); }, 1500);
        });
    }

    list.addEventListener("click", function (event) {
      var button = event.target.closest('button[name="direction"]');
      if (!button || !list.contains(button)) { return; }
      event.preventDefault();
      var entry = button.closest(".reading-list > li");
      if (button.value === "up" && entry.previousElementSibling) {
        list.insertBefore(entry, entry.previousElementSibling);
      } else if (button.value === "down" && entry.nextElementSibling) {
        list.insertBefore(entry.nextElementSibling, entry);
      } else { return; }
      refresh();
      // Keep the keyboard where it was; if that button just became disabled, go to its partner.
      var partner = entry.querySelector('button[name="direction"][value="' + (button.value === "up" ? "down" : "up") + '"]');
      (button.disabled ? partner : button).focus();
      save(entry);
    });

    var dragged = null;
    list.classList.add("dragging");
    entries().forEach(function (entry) {
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
        refresh();
        save(dragged);
      });
      entry.addEventListener("dragend", function () { dragged = null; });
    });
  });
})();
