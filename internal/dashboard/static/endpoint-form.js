// The endpoint form: the template's fields show only with the Template
// format, and the preview follows what is typed. Without this script the
// form shows every field and its Preview button asks the server for the
// same preview by a full page.
(function () {
  "use strict";
  var form = document.querySelector("form.endpoint-form");
  if (!form) return;
  var fields = document.getElementById("template-fields");
  var preview = document.getElementById("preview");
  var button = form.querySelector(".preview-button");

  function showTemplate() {
    var format = form.querySelector('input[name="format"]:checked');
    fields.hidden = !format || format.value !== "template";
  }

  var timer = 0;
  var asked = 0;
  function refresh() {
    var n = ++asked;
    var body = new URLSearchParams(new FormData(form));
    body.delete("preview");
    fetch(form.dataset.preview, {
      method: "POST",
      headers: { "X-CSRF-Token": form.elements.csrf.value },
      body: body,
      credentials: "same-origin"
    }).then(function (r) {
      if (!r.ok) throw new Error("status " + r.status);
      return r.text();
    }).then(function (html) {
      // Only the newest answer counts: an older one may arrive last.
      if (n !== asked) return;
      // The fragment is the server's own html/template output, every
      // typed value escaped there.
      preview.innerHTML = html;
      preview.classList.remove("stale");
    }).catch(function () {
      if (n === asked) preview.classList.add("stale");
    });
  }
  function later() {
    clearTimeout(timer);
    timer = setTimeout(refresh, 300);
  }

  showTemplate();
  if (button) button.hidden = true;
  form.addEventListener("input", later);
  form.addEventListener("change", function (e) {
    if (e.target.name === "format") {
      showTemplate();
      // A template needs a Content-Type: offer the common one, in view,
      // rather than an error on saving.
      var ctype = form.elements.contentType;
      if (e.target.value === "template" && ctype && !ctype.value) ctype.value = "application/x-www-form-urlencoded";
    }
    later();
  });
  if (!preview.querySelector(".preview-what")) refresh();
})();
