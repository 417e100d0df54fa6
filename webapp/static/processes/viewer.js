// A version's diagram, read-only (bpmn-js NavigatedViewer); a click on a call activity opens the called process.
(function () {
  "use strict";
  var el = document.getElementById("diagram");
  var dataEl = document.getElementById("studio-data");
  if (!el || !dataEl || typeof BpmnJS === "undefined") { return; }
  var data = JSON.parse(dataEl.textContent);
  var viewer = new BpmnJS({ container: el });
  fetch(data.xml_url, { credentials: "same-origin" })
    .then(function (r) { if (!r.ok) { throw new Error("HTTP " + r.status); } return r.text(); })
    .then(function (xml) { return viewer.importXML(xml); })
    .then(function () {
      var canvas = viewer.get("canvas");
      canvas.zoom("fit-viewport");
      viewer.get("elementRegistry").filter(function (e) { return e.type === "bpmn:CallActivity"; })
        .forEach(function (e) { canvas.addMarker(e.id, "cl-call"); });
      viewer.get("eventBus").on("element.click", function (event) {
        var bo = event.element.businessObject;
        if (event.element.type === "bpmn:CallActivity" && bo.calledElement) {
          window.location.href = data.process_url.replace("__KEY__", encodeURIComponent(bo.calledElement));
        }
      });
      el.setAttribute("data-ready", "1");
    })
    .catch(function (err) {
      el.setAttribute("data-ready", "error");
      var p = document.createElement("p");
      p.className = "flash flash-error";
      p.textContent = err.message;
      el.parentNode.insertBefore(p, el);
    });
})();
