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

// --- board ---
// Drag a card to another column: the card's own move form is posted with fetch (JSON back),
// then the card moves and the column totals are counted again. Keyboard users use the select.
(function () {
  "use strict";
  var board = document.getElementById("board");
  if (!board || board.getAttribute("data-can-write") !== "true") { return; }
  var dragged = null;

  function columnOf(el) { return el && el.closest ? el.closest(".column") : null; }
  function clearDrop() {
    board.querySelectorAll(".column.drop").forEach(function (c) { c.classList.remove("drop"); });
  }
  function showError(message) {
    var box = document.getElementById("board-error");
    if (box) { box.textContent = message; box.hidden = false; box.focus && box.focus(); }
  }
  function clearError() {
    var box = document.getElementById("board-error");
    if (box) { box.textContent = ""; box.hidden = true; }
  }
  function money(n) { return Math.round(n).toLocaleString("en-US"); }
  function totals() {
    board.querySelectorAll(".column").forEach(function (col) {
      var cards = col.querySelectorAll(".opp");
      var sum = 0;
      cards.forEach(function (c) { sum += parseFloat(c.getAttribute("data-amount")) || 0; });
      var count = col.querySelector(".col-count");
      var amount = col.querySelector(".col-amount");
      if (count) { count.textContent = String(cards.length); }
      if (amount) { amount.textContent = money(sum); }
    });
  }
  function move(card, col) {
    var form = card.querySelector("form.move-form");
    var stage = col.getAttribute("data-stage");
    if (!form || !stage) { return; }
    var body = new URLSearchParams(new FormData(form));
    body.set("stage", stage);
    card.setAttribute("aria-busy", "true");
    fetch(form.action, {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "X-CSRF-Token": document.body.dataset.csrf,
        "Accept": "application/json",
        "Content-Type": "application/x-www-form-urlencoded"
      },
      body: body.toString()
    }).then(function (res) {
      return res.json().catch(function () { return {}; }).then(function (data) {
        return { ok: res.ok, data: data, status: res.status };
      });
    }).then(function (r) {
      card.removeAttribute("aria-busy");
      if (!r.ok) {
        showError(r.data.error || ("The move was refused (HTTP " + r.status + "); reload the board and try again."));
        return;
      }
      clearError();
      col.appendChild(card);
      var select = form.querySelector("select.stage-select");
      if (select) { select.value = r.data.stage; }
      card.classList.add("moved");
      totals();
      var notice = document.getElementById("board-notice");
      if (notice) { notice.textContent = r.data.name + " moved to " + r.data.label; }
      card.scrollIntoView({ block: "nearest" });
    }).catch(function () {
      card.removeAttribute("aria-busy");
      showError("The move could not be sent; check the connection, reload the board and try again.");
    });
  }

  board.addEventListener("dragstart", function (e) {
    var card = e.target.closest ? e.target.closest(".opp") : null;
    if (!card) { return; }
    dragged = card;
    e.dataTransfer.effectAllowed = "move";
    e.dataTransfer.setData("text/plain", card.getAttribute("data-opportunity-id"));
  });
  board.addEventListener("dragover", function (e) {
    var col = columnOf(e.target);
    if (!dragged || !col) { return; }
    e.preventDefault();
    e.dataTransfer.dropEffect = "move";
    if (!col.classList.contains("drop")) { clearDrop(); col.classList.add("drop"); }
  });
  board.addEventListener("dragleave", function (e) {
    var col = columnOf(e.target);
    if (col && !col.contains(e.relatedTarget)) { col.classList.remove("drop"); }
  });
  board.addEventListener("drop", function (e) {
    var col = columnOf(e.target);
    clearDrop();
    if (!dragged || !col) { return; }
    e.preventDefault();
    var card = dragged;
    dragged = null;
    if (columnOf(card) === col) { return; }
    move(card, col);
  });
  board.addEventListener("dragend", function () { dragged = null; clearDrop(); });
})();

// --- search ---
// `/` (outside a text field) and Ctrl+K or Cmd+K go to the search box at the top; Escape there
// closes the suggestions. Without this file the box is an ordinary form that opens /search.
(function () {
  "use strict";
  var box = document.getElementById("global-search");
  var list = document.getElementById("search-suggest");
  if (!box) { return; }
  function typing(el) {
    return el && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName));
  }
  document.addEventListener("keydown", function (e) {
    var k = (e.key || "").toLowerCase();
    if ((k === "k" && (e.ctrlKey || e.metaKey)) || (e.key === "/" && !typing(e.target) && !e.ctrlKey && !e.metaKey && !e.altKey)) {
      e.preventDefault();
      box.focus();
      box.select();
    } else if (e.key === "Escape" && list && (e.target === box || list.contains(e.target))) {
      list.innerHTML = "";
      box.blur();
    }
  });
})();

// --- fields changed in place ---
// A field saved in place (quick_field.html) is also in the page's full edit form: keep that form
// in step (the value and the record's version), so that saving it afterwards neither writes the
// old value back nor is refused as stale. htmx fires
// `htmx:load` on the field's answer once it is in the page.
(function () {
  "use strict";
  document.addEventListener("htmx:load", function (e) {
    var form = e.detail && e.detail.elt;
    if (!form || !form.classList || !form.classList.contains("quick-field") || !form.querySelector(".saved")) { return; }
    var field = form.querySelector('[name="field"]');
    var value = form.querySelector('[name="value"]');
    if (!field || !value) { return; }
    // The record's version moved with the save: the full form takes it too, or its next save
    // would be refused as if someone else had changed the record.
    var version = form.getAttribute("data-version");
    document.querySelectorAll("#contact-edit form, form#opportunity-edit").forEach(function (edit) {
      var twin = edit.querySelector('[name="' + field.value + '"]');
      if (twin) { twin.value = value.value; }
      var since = edit.querySelector('[name="version"]');
      if (since && version) { since.value = version; }
    });
  });
})();
