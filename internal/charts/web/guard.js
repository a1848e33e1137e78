"use strict";
// Records script errors on the page (tests read them from the DOM).
window.rrErrors = [];
window.addEventListener("error", function (e) {
  window.rrErrors.push(String(e.message || e.type));
  if (document.body) {
    document.body.setAttribute("data-errors", String(window.rrErrors.length));
  }
});
