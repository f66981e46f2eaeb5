// Live updates of the message log and a message's page: the server's
// event stream (text/event-stream) says "change" when a message or an
// attempt was committed, and the page fetches itself again and swaps
// each region marked data-live-region for its new version. The page is
// whole without this script; it only spares a reload.
(function () {
  "use strict";
  var region = document.querySelector("[data-live-url]");
  if (!region || !window.EventSource || !window.fetch) return;
  var pageURL = region.getAttribute("data-live-page");
  var busy = false, again = false;

  function refresh() {
    if (busy) { again = true; return; }
    busy = true;
    fetch(pageURL, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (!html) return;
        var doc = new DOMParser().parseFromString(html, "text/html");
        document.querySelectorAll("[data-live-region]").forEach(function (old) {
          var fresh = old.id && doc.getElementById(old.id);
          if (!fresh) return;
          // Keep the response bodies a reader opened.
          var open = {};
          old.querySelectorAll("tr[data-attempt]").forEach(function (tr) {
            var next = tr.nextElementSibling, d = next && next.querySelector("details");
            if (d && d.open) open[tr.getAttribute("data-attempt")] = true;
          });
          fresh.querySelectorAll("tr[data-attempt]").forEach(function (tr) {
            var next = tr.nextElementSibling, d = next && next.querySelector("details");
            if (d && open[tr.getAttribute("data-attempt")]) d.open = true;
          });
          old.replaceWith(document.importNode(fresh, true));
        });
        document.documentElement.setAttribute("data-live-updated", String(Date.now()));
      })
      .catch(function () {})
      .then(function () {
        busy = false;
        if (again) { again = false; refresh(); }
      });
  }

  var source = new EventSource(region.getAttribute("data-live-url"));
  source.addEventListener("change", refresh);
  // What was committed between the page's rendering and the stream's
  // opening (or while it reconnected) was told to no one: look once.
  source.addEventListener("open", function () {
    document.documentElement.setAttribute("data-live", "open");
    refresh();
  });
  window.addEventListener("pagehide", function () { source.close(); });
})();
