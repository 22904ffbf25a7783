// Added by `qiao serve` only: reloads the page after a rebuild, and shows build errors
// over the page while the last good version stays visible. The search index is written
// after the pages, so a search page also reloads once the index it uses is replaced.
(function () {
  "use strict";
  var script = document.currentScript;
  var searchIndex = script && script.getAttribute("data-search-index");
  var overlay = null;
  function show(text) {
    if (!overlay) {
      overlay = document.createElement("div");
      overlay.id = "qiao-error-overlay";
      overlay.setAttribute("role", "alert");
      overlay.style.cssText = "position:fixed;inset:0;z-index:2147483647;overflow:auto;background:rgba(20,20,20,.92);color:#ffd7d7;font:14px/1.5 ui-monospace,Menlo,Consolas,monospace;padding:2rem;white-space:pre-wrap";
      document.body.appendChild(overlay);
    }
    overlay.textContent = "qiao: the build failed; this is the last good version.\n\n" + text;
  }
  var events = new EventSource("/__qiao/events");
  // {"only": [pages]} after an edited page was written first, {"except": [pages]} after
  // the rebuild that follows, which leaves those pages as they are: one reload per save.
  events.addEventListener("reload", function (e) {
    var which = {};
    try { which = JSON.parse(e.data); } catch (_) { /* an older server: reload */ }
    var here = location.pathname;
    var listed = function (pages) { return (pages || []).indexOf(here) >= 0; };
    if (which.only ? listed(which.only) : !listed(which.except)) location.reload();
  });
  events.addEventListener("build-error", function (e) { show(e.data); });
  events.addEventListener("search-index", function (e) {
    if (e.data !== searchIndex && document.getElementById("search-config")) location.reload();
  });
})();
