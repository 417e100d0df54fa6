// Bulk actions with a progress display: the ids (checked, or all matching the filter) go to the server in
// small chunks; each instance's result is listed as it comes back. Without JavaScript the form posts normally.
(function () {
  "use strict";
  var form = document.getElementById("bulk-form");
  if (!form || !window.fetch) { return; }
  var all = document.getElementById("check-all");
  if (all) {
    all.addEventListener("change", function () {
      form.querySelectorAll("input[name=ids]").forEach(function (c) { c.checked = all.checked; });
    });
  }
  var csrf = (document.querySelector("meta[name=csrf-token]") || {}).content || "";
  var box = document.getElementById("bulk-progress");
  if (!box) { return; }  // no rows, no bulk panel
  var bar = box.querySelector("progress");
  var text = box.querySelector(".progress-text");
  var body = box.querySelector("tbody");
  var CHUNK = 5;

  function uuid() {
    if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
    return "10000000-1000-4000-8000-100000000000".replace(/[018]/g, function (c) {
      return (c ^ (Math.random() * 16) >> (c / 4)).toString(16);
    });
  }

  function row(cells, cls) {
    var tr = document.createElement("tr");
    tr.className = cls || "";
    cells.forEach(function (c) { var td = document.createElement("td"); td.textContent = c; tr.appendChild(td); });
    body.appendChild(tr);
  }

  function filterIds() {
    var params = new URLSearchParams();
    form.querySelectorAll("input[type=hidden][name^=f_]").forEach(function (i) { params.append(i.name.slice(2), i.value); });
    return fetch(form.getAttribute("data-ids-url") + "?" + params.toString(), { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (j) { if (j.error) { throw new Error(j.error.message); } return j.ids; });
  }

  form.addEventListener("submit", function (ev) {
    var scope = ev.submitter ? ev.submitter.value : "selected";
    if (ev.submitter && ev.submitter.hasAttribute("formaction")) { return; }  // background job: a plain POST
    ev.preventDefault();
    var action = form.elements.action.value;
    var reason = form.elements.reason.value;
    var start = scope === "filter" ? filterIds() : Promise.resolve(
      Array.prototype.map.call(form.querySelectorAll("input[name=ids]:checked"), function (c) { return parseInt(c.value, 10); }));
    var url = form.getAttribute("data-json-url").replace("ACTION", encodeURIComponent(action));
    var bulkId = uuid();
    var counts = { ok: 0, failed: 0, refused: 0 };
    box.hidden = false;
    body.textContent = "";
    start.then(function (ids) {
      if (!ids.length) { throw new Error("select at least one instance"); }
      bar.max = ids.length; bar.value = 0;
      var chunks = [];
      for (var i = 0; i < ids.length; i += CHUNK) { chunks.push(ids.slice(i, i + CHUNK)); }
      return chunks.reduce(function (p, chunk) {
        return p.then(function () {
          return fetch(url, { method: "POST", credentials: "same-origin",
            headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
            body: JSON.stringify({ ids: chunk, reason: reason, bulk_id: bulkId }) })
            .then(function (r) { return r.json(); })
            .then(function (rep) {
              if (rep.error) { throw new Error(rep.error.message); }
              rep.results.forEach(function (res) {
                counts[res.outcome] += 1;
                row(["#" + res.instance_id, res.outcome, res.status || "", res.message], "result-" + res.outcome);
              });
              bar.value += chunk.length;
              text.textContent = bar.value + " / " + ids.length + " — " + counts.ok + " done, " +
                counts.failed + " still failing, " + counts.refused + " refused";
            });
        });
      }, Promise.resolve()).then(function () { box.setAttribute("data-done", "1"); });
    }).catch(function (err) { text.textContent = err.message; box.setAttribute("data-done", "error"); });
  });
})();
