/* Casebook progressive enhancement: the pages work without this file.
   - results as you type (debounced; fetches the same URL's results fragment),
   - a search box inside long facets,
   - the sort select applies itself.
   Loaded with `defer` from 'self' only (CSP script-src 'self'); no inline scripts. */
(function () {
  "use strict";
  var DEBOUNCE_MS = 300;
  document.documentElement.classList.add("js");

  function normalise(text) {
    return (text || "").toLowerCase().normalize("NFD").replace(/[\u0300-\u036f]/g, "");
  }

  function enhance(root) {
    root.querySelectorAll("label.facet-filter[hidden]").forEach(function (label) { label.hidden = false; });
  }

  function filterFacet(input) {
    var group = input.closest("[data-facet-group]");
    if (!group) { return; }
    var wanted = normalise(input.value.trim());
    group.querySelectorAll(".facet-values li").forEach(function (item) {
      var label = item.querySelector(".label");
      item.hidden = wanted !== "" && normalise(label ? label.textContent : "").indexOf(wanted) === -1;
    });
    var more = group.querySelector("details.facet-more");
    if (more && wanted !== "") { more.open = true; }
  }

  document.addEventListener("input", function (event) {
    if (event.target.matches("[data-facet-filter]")) { filterFacet(event.target); }
  });

  document.addEventListener("change", function (event) {
    var form = event.target.closest("form[data-autosubmit]");
    if (form && event.target.matches("select")) { form.submit(); }
  });

  function announce(target) {
    // The results region is replaced, so a live region outside it tells screen readers the new total.
    var status = document.getElementById("live-status");
    var total = target.querySelector("#results-h");
    if (status && total) { status.textContent = total.textContent.replace(/\s+/g, " ").trim(); }
    var titled = target.querySelector("[data-page-title]");
    if (titled) { document.title = titled.getAttribute("data-page-title"); }
  }

  function liveSearch(form) {
    var input = form.querySelector("input[name=q]");
    var target = document.getElementById("search-results");
    if (!input || !target || !window.fetch || !window.URLSearchParams) { return; }
    var timer = null;
    var controller = null;
    var last = input.value;

    function run() {
      if (input.value === last) { return; }
      last = input.value;
      var query = new URLSearchParams(new FormData(form)).toString();
      var url = form.getAttribute("action").split("?")[0] + "?" + query;
      if (controller) { controller.abort(); }
      controller = window.AbortController ? new AbortController() : null;
      target.setAttribute("aria-busy", "true");
      fetch(url, { headers: { "X-Casebook-Fragment": "1" }, signal: controller ? controller.signal : undefined })
        .then(function (response) {
          if (!response.ok) { throw new Error("HTTP " + response.status); }
          return response.text();
        })
        .then(function (html) {
          target.innerHTML = html;
          enhance(target);
          announce(target);
          target.removeAttribute("aria-busy");
          window.history.replaceState(null, "", url);
        })
        .catch(function (error) {
          if (error.name !== "AbortError") { target.removeAttribute("aria-busy"); }
        });
    }

    input.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(run, DEBOUNCE_MS);
    });
  }

  enhance(document);
  document.querySelectorAll("form[data-live-search]").forEach(liveSearch);
}());
