// Instance page: render the process with bpmn-js (served from /static/vendor) and mark where the token has been.
// A click on a call activity opens the called process's diagram with the marks of that call (a process called
// from several call activities has a trace per call, keyed by the path of call activities: "top/call/call"; an
// error inside it red on its element); the breadcrumb above the diagram leads back.
(function () {
  "use strict";
  var el = document.getElementById("diagram");
  var data = document.getElementById("trace-data");
  var trail = document.getElementById("diagram-trail");
  if (!el || !data || typeof BpmnJS === "undefined") { return; }
  var trace = JSON.parse(data.textContent);
  var top = trace.top || "";
  var processes = trace.processes || {};
  var calls = trace.calls || {};
  if (!processes[top]) { processes[top] = trace; }  // no per-process trace: the top diagram's marks
  var viewer = new BpmnJS({ container: el });
  var stack = [{ key: top, process: top }];  // diagrams opened: their key (call path) and process

  function marks(key) {
    return processes[key] || { completed: [], current: [], waiting: [], errored: [], errored_inside: [], flows: [] };
  }

  function renderTrail() {
    if (!trail) { return; }
    trail.textContent = "";
    trail.hidden = stack.length < 2;
    stack.forEach(function (entry, index) {
      if (index > 0) { trail.appendChild(document.createTextNode(" › ")); }
      var last = index === stack.length - 1;
      var item = document.createElement(last ? "strong" : "a");
      item.textContent = entry.process;
      item.title = entry.key;
      if (!last) {
        item.href = "#";
        item.setAttribute("data-process", entry.process);
        item.addEventListener("click", function (ev) { ev.preventDefault(); stack = stack.slice(0, index + 1); show(); });
      }
      trail.appendChild(item);
    });
  }

  function apply(key) {
    var canvas = viewer.get("canvas");
    var registry = viewer.get("elementRegistry");
    var m = marks(key);
    canvas.zoom("fit-viewport");
    var mark = function (ids, cls) {
      (ids || []).forEach(function (id) { if (registry.get(id)) { canvas.addMarker(id, cls); } });
    };
    registry.filter(function (e) { return e.type === "bpmn:CallActivity"; })
      .forEach(function (e) { canvas.addMarker(e.id, "cl-call"); });
    mark(m.completed, "cl-completed");
    mark(m.flows, "cl-taken");
    mark(m.waiting, "cl-waiting");
    mark(m.current, "cl-current");
    mark(m.errored_inside, "cl-errored-inside");
    mark(m.errored, "cl-errored");
  }

  function show() {
    var entry = stack[stack.length - 1];
    var key = entry.key;
    el.setAttribute("data-ready", "0");
    var url = el.getAttribute("data-xml-url") +
      (key === top ? "" : "?process=" + encodeURIComponent(entry.process));
    renderTrail();
    return fetch(url, { credentials: "same-origin" })
      .then(function (r) { if (!r.ok) { throw new Error("HTTP " + r.status); } return r.text(); })
      .then(function (xml) { return viewer.importXML(xml); })
      .then(function () {
        apply(key);
        el.setAttribute("data-process", entry.process);
        el.setAttribute("data-call-path", key);
        el.setAttribute("data-ready", "1");
      })
      .catch(function (err) {
        el.setAttribute("data-ready", "error");
        var p = document.createElement("p");
        p.className = "flash flash-error";
        p.textContent = (el.getAttribute("data-error-text") || "The diagram could not be shown:") + " " + err.message;
        el.parentNode.insertBefore(p, el);
      });
  }

  // a drill-down into an embedded sub-process (the arrow at its corner) shows its whole diagram
  viewer.get("eventBus").on("root.set", function () { viewer.get("canvas").zoom("fit-viewport"); });
  viewer.get("eventBus").on("element.click", function (event) {
    var bo = event.element.businessObject;
    if (event.element.type !== "bpmn:CallActivity" || !bo.calledElement || stack.length > 20) { return; }
    var key = stack[stack.length - 1].key + "/" + event.element.id;  // this call's own trace (none if not reached)
    stack.push({ key: key, process: (calls[key] || {}).process || bo.calledElement });
    show();
  });
  show();
})();
