// Instance page: render the process with bpmn-js (served from /static/vendor) and mark where the token has been.
(function () {
  "use strict";
  var el = document.getElementById("diagram");
  var data = document.getElementById("trace-data");
  if (!el || !data || typeof BpmnJS === "undefined") { return; }
  var trace = JSON.parse(data.textContent);
  var viewer = new BpmnJS({ container: el });
  fetch(el.getAttribute("data-xml-url"), { credentials: "same-origin" })
    .then(function (r) { if (!r.ok) { throw new Error("HTTP " + r.status); } return r.text(); })
    .then(function (xml) { return viewer.importXML(xml); })
    .then(function () {
      var canvas = viewer.get("canvas");
      var registry = viewer.get("elementRegistry");
      canvas.zoom("fit-viewport");
      var mark = function (ids, cls) {
        (ids || []).forEach(function (id) { if (registry.get(id)) { canvas.addMarker(id, cls); } });
      };
      mark(trace.completed, "cl-completed");
      mark(trace.flows, "cl-taken");
      mark(trace.waiting, "cl-waiting");
      mark(trace.current, "cl-current");
      mark(trace.errored, "cl-errored");
      el.setAttribute("data-ready", "1");
    })
    .catch(function (err) {
      el.setAttribute("data-ready", "error");
      var p = document.createElement("p");
      p.className = "flash flash-error";
      p.textContent = "The diagram could not be shown: " + err.message;
      el.parentNode.insertBefore(p, el);
    });
})();
