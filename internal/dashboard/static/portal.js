// The portal link's key travels in the URL fragment (#key=...), which the
// browser never sends to a server; this exchanges it for a session
// cookie, and drops it from the address bar and the history first.
(function () {
  "use strict";
  var form = document.getElementById("portal-key-form");
  if (!form) return;
  var key = new URLSearchParams(window.location.hash.slice(1)).get("key");
  if (!key) return;
  history.replaceState(null, "", window.location.pathname + window.location.search);
  form.elements.key.value = key;
  form.hidden = true;
  document.getElementById("opening").classList.add("shown");
  form.submit();
})();
