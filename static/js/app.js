/* Progressive enhancement for the ProjectMeats shell; every page works without it.
   - the Menu button opens the navigation on small screens (without JS it links to /menu/);
   - "/" or Ctrl/Cmd+K focuses the global search; Escape closes open menus;
   - a click outside closes navigation dropdowns; toasts get a close button;
   - order and payment forms show each line's amount and the order total as people type. */
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  function closeMenus(except) {
    document.querySelectorAll("details.nav-group[open], details.account-menu[open]").forEach(function (d) {
      if (d !== except) d.removeAttribute("open");
    });
  }

  function setupMenu() {
    var topbar = document.getElementById("topbar");
    var button = topbar && topbar.querySelector(".menu-button");
    if (!button) return;
    button.addEventListener("click", function () {
      var open = topbar.classList.toggle("nav-open");
      button.setAttribute("aria-expanded", open ? "true" : "false");
    });
    document.addEventListener("click", function (event) {
      var inside = event.target.closest && event.target.closest("details.nav-group, details.account-menu");
      closeMenus(inside);
    });
    document.querySelectorAll("details.nav-group, details.account-menu").forEach(function (d) {
      d.addEventListener("toggle", function () { if (d.open) closeMenus(d); });
    });
  }

  function setupShortcuts() {
    document.addEventListener("keydown", function (event) {
      var search = document.getElementById("global-q");
      var tag = (event.target.tagName || "").toLowerCase();
      var typing = tag === "input" || tag === "textarea" || tag === "select" || event.target.isContentEditable;
      if (search && ((event.key === "/" && !typing) || ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === "k"))) {
        event.preventDefault();
        search.focus();
        search.select();
      } else if (event.key === "Escape") {
        closeMenus(null);
      }
    });
  }

  function setupToasts() {
    document.querySelectorAll(".toast").forEach(function (toast) {
      var close = document.createElement("button");
      close.type = "button";
      close.className = "toast-close";
      close.setAttribute("aria-label", "Dismiss");
      close.textContent = "×";
      close.addEventListener("click", function () { toast.remove(); });
      toast.appendChild(close);
    });
  }

  function parse(value) {
    var n = parseFloat(String(value || "").replace(/,/g, ""));
    return isNaN(n) ? 0 : n;
  }

  function setupLineTotals() {
    document.querySelectorAll("table[data-line-totals]").forEach(function (table) {
      var formatter = new Intl.NumberFormat(document.documentElement.lang || "en", {
        style: "currency", currency: table.dataset.currency || "USD"
      });
      var totalCell = document.querySelector(table.dataset.lineTotals);
      function update() {
        var total = 0;
        table.querySelectorAll("tbody tr").forEach(function (row) {
          var weight = row.querySelector("[name$='-weight']");
          var price = row.querySelector("[name$='-unit_price'], [name$='-unit_cost']");
          var removed = row.querySelector("[name$='-DELETE']");
          var out = row.querySelector(".line-total");
          if (!weight || !price || !out) return;
          var amount = Math.round(parse(weight.value) * parse(price.value) * 100) / 100;
          if (removed && removed.checked) amount = 0;
          out.textContent = amount ? formatter.format(amount) : "";
          total += amount;
        });
        if (totalCell) totalCell.textContent = formatter.format(total);
      }
      table.addEventListener("input", update);
      table.addEventListener("change", update);
      update();
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    setupMenu();
    setupShortcuts();
    setupToasts();
    setupLineTotals();
  });
})();
