// The "Copy link" button next to a list's share link (hidden without scripts: the link can be selected and copied).
(function () {
  "use strict";
  function ready(fn) { if (document.readyState !== "loading") { fn(); } else { document.addEventListener("DOMContentLoaded", fn); } }
  ready(function () {
    Array.prototype.forEach.call(document.querySelectorAll("button[data-copy]"), function (button) {
      var field = document.getElementById(button.dataset.copy);
      var status = document.querySelector(".copy-status");
      if (!field) { return; }
      button.hidden = false;
      function say(key) { if (status) { status.textContent = status.dataset[key]; } }
      function fallback() {
        field.focus();
        field.select();
        try { say(document.execCommand("copy") ? "copied" : "copyFailed"); } catch (e) { say("copyFailed"); }
      }
      button.addEventListener("click", function () {
        if (navigator.clipboard && window.isSecureContext) {
          navigator.clipboard.writeText(field.value).then(function () { say("copied"); }, fallback);
        } else {
          fallback();
        }
      });
    });
  });
})();
