// The process editor: bpmn-js Modeler with the properties panel (spiffworkflow extensions) and bpmnlint, dmn-js for
// decision tables, CodeMirror for form JSON with a live preview rendered by the server. Save draft, check, deploy.
(function () {
  "use strict";
  var S = window.ClStudio;
  var dataEl = document.getElementById("studio-data");
  if (!S || !dataEl) { return; }
  var data = JSON.parse(dataEl.textContent);
  var texts = data.texts || {};
  var csrf = document.querySelector("meta[name=csrf-token]").getAttribute("content");
  var files = data.files, forms = data.forms, problems = data.problems || [];
  var checks = 0;  // checks run on this page (tests wait for the count)
  var current = null;  // {kind: "bpmn"|"dmn"|"form", name}
  var statusEl = document.getElementById("studio-status");
  var t = function (text, args) {
    var s = texts[text] || text;
    Object.keys(args || {}).forEach(function (k) { s = s.replace("%(" + k + ")s", args[k]); });
    return s;
  };
  var status = function (text) { statusEl.textContent = text; };

  var translateModule = { translate: ["value", function (template, replacements) {
    var s = texts[template] || template;
    return s.replace(/{([^}]+)}/g, function (_, key) { return (replacements || {})[key] || "{" + key + "}"; });
  }] };
  var modeler = new S.Modeler({
    container: "#canvas",
    propertiesPanel: { parent: "#properties" },
    linting: { bpmnlint: S.lintConfig, active: true },
    additionalModules: S.modelerModules.concat([S.lintModule, translateModule]),
    moddleExtensions: { spiffworkflow: S.spiffModdle },
  });
  modeler.on("commandStack.changed", function () { status(t("Unsaved changes")); });
  var dmn = typeof DmnJS !== "undefined" ? new DmnJS({ container: "#dmn-editor" }) : null;
  var formView = new S.EditorView({
    parent: document.getElementById("form-editor"),
    extensions: [S.basicSetup, S.json(), S.EditorView.updateListener.of(function (u) {
      if (u.docChanged && current && current.kind === "form") { forms[current.name] = u.state.doc.toString(); schedulePreview(); }
    })],
  });

  var kindOf = function (name) { return /\.bpmn$/.test(name) ? "bpmn" : /\.dmn$/.test(name) ? "dmn" : "form"; };

  function flush() {  // the open file's text back into files/forms
    if (!current) { return Promise.resolve(); }
    if (current.kind === "bpmn") {
      var name = current.name;
      return modeler.saveXML({ format: true }).then(function (r) { files[name] = r.xml; });
    }
    if (current.kind === "dmn" && dmn) {
      var dname = current.name;
      return dmn.saveXML({ format: true }).then(function (r) { files[dname] = r.xml; });
    }
    return Promise.resolve();
  }

  function markProblems() {
    if (!current || current.kind !== "bpmn") { return; }
    var registry = modeler.get("elementRegistry"), canvas = modeler.get("canvas"), overlays = modeler.get("overlays");
    overlays.remove({ type: "cl-problem" });
    registry.forEach(function (e) { canvas.removeMarker(e.id, "cl-problem"); });
    problems.forEach(function (p) {
      if (p.file === current.name && p.element && registry.get(p.element)) {
        canvas.addMarker(p.element, "cl-problem");
        var note = document.createElement("div");
        note.className = "cl-problem-note";
        note.setAttribute("data-problem-for", p.element);
        note.textContent = p.message;
        overlays.add(p.element, "cl-problem", { position: { bottom: -4, left: 0 }, html: note });
      }
    });
  }

  function open(name) {
    return flush().then(function () {
      current = { kind: kindOf(name), name: name };
      document.querySelectorAll("#file-tabs a").forEach(function (a) {
        if (a.getAttribute("data-file") === name) { a.setAttribute("aria-current", "page"); } else { a.removeAttribute("aria-current"); }
      });
      ["bpmn", "dmn", "form"].forEach(function (k) {
        document.getElementById("pane-" + k).classList.toggle("hidden", k !== current.kind);
      });
      if (current.kind === "bpmn") {
        return modeler.importXML(files[name]).then(function () {
          modeler.get("canvas").zoom("fit-viewport");
          markProblems();
          document.getElementById("canvas").setAttribute("data-ready", name);
        });
      }
      if (current.kind === "dmn" && dmn) {
        return dmn.importXML(files[name]).then(function () {
          var table = dmn.getViews().filter(function (v) { return v.type === "decisionTable"; })[0];
          if (table) { return dmn.open(table); }
        });
      }
      formView.dispatch({ changes: { from: 0, to: formView.state.doc.length, insert: forms[name] } });
      schedulePreview();
    });
  }

  var previewTimer = null;
  function schedulePreview() {
    clearTimeout(previewTimer);
    previewTimer = setTimeout(renderPreview, 300);
  }
  function renderPreview() {
    var box = document.getElementById("form-preview");
    var schema;
    try { schema = JSON.parse(forms[current.name]); } catch (err) {
      box.textContent = t("The form is not valid JSON: %(error)s", { error: err.message });
      return;
    }
    var shared = {};  // the vocabularies files (only $defs): a form's $ref into them is resolved in the preview
    Object.keys(forms).forEach(function (n) {
      var s = null;
      try { s = JSON.parse(forms[n]); } catch (e) { return; }  // not JSON: said when that file is opened
      if (s && s.$defs && !s.properties && !s.type) { shared[n] = s; }
    });
    post(data.urls.preview, { schema: schema, lang: document.getElementById("preview-lang").value, shared: shared })
      .then(function (r) { return r.text().then(function (body) { return { ok: r.ok, body: body }; }); })
      .then(function (r) {
        if (r.ok) { box.innerHTML = r.body; } else { box.textContent = JSON.parse(r.body).error.message; }
        box.setAttribute("data-ready", "1");
      });
  }
  document.getElementById("preview-lang").addEventListener("change", schedulePreview);

  function post(url, body) {
    return fetch(url, { method: "POST", credentials: "same-origin", body: JSON.stringify(body),
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf } });
  }

  function save() {
    status(t("Saving…"));
    return flush().then(function () { return post(data.urls.save, { files: files, forms: forms }); })
      .then(function (r) { return r.json().then(function (body) { return { ok: r.ok, body: body }; }); })
      .then(function (r) {
        if (!r.ok) { status(t("Not saved: %(error)s", { error: r.body.error.message })); throw new Error(r.body.error.message); }
        status(t("Saved"));
      });
  }

  function showProblems(list) {
    problems = list;
    var box = document.getElementById("problems"), ul = document.getElementById("problem-list");
    ul.textContent = "";
    list.forEach(function (p) {
      var li = document.createElement("li");
      li.setAttribute("data-element", p.element || "");
      li.setAttribute("data-file", p.file || "");
      var strong = document.createElement("strong");
      strong.textContent = (p.file || "") + (p.element ? " · " + (p.name || p.element) : "");
      li.appendChild(strong);
      li.appendChild(document.createTextNode(": " + p.message));
      ul.appendChild(li);
    });
    box.classList.toggle("hidden", list.length === 0);
    markProblems();
  }

  function check() {
    return save().then(function () {
      status(t("Checking…"));
      return post(data.urls.check, {});
    }).then(function (r) { return r.json(); }).then(function (body) {
      showProblems(body.problems || []);
      status(body.ok ? t("No problems: ready to deploy.") : t("%(n)s problem(s): fix them before deploying.", { n: body.problems.length }));
      checks += 1;
      document.getElementById("problems").setAttribute("data-checked", String(checks));
    });
  }

  document.getElementById("problem-list").addEventListener("click", function (event) {
    var li = event.target.closest("li");
    if (!li || !li.getAttribute("data-element")) { return; }
    var file = li.getAttribute("data-file"), id = li.getAttribute("data-element");
    var go = function () {
      var el = modeler.get("elementRegistry").get(id);
      if (el) { modeler.get("selection").select(el); modeler.get("canvas").scrollToElement(el); }
    };
    if (files[file] && (!current || current.name !== file)) { open(file).then(go); } else { go(); }
  });
  document.getElementById("save-draft").addEventListener("click", function () { save().catch(function () {}); });
  document.getElementById("run-check").addEventListener("click", function () { check().catch(function () {}); });
  var deployForm = document.getElementById("deploy-form");
  deployForm.addEventListener("submit", function (event) {
    event.preventDefault();
    save().then(function () { deployForm.submit(); }).catch(function () {});
  });

  var tabs = document.getElementById("file-tabs");
  Object.keys(files).concat(Object.keys(forms)).forEach(function (name) {
    var a = document.createElement("a");
    a.href = "#";
    a.textContent = name;
    a.setAttribute("data-file", name);
    a.addEventListener("click", function (event) { event.preventDefault(); open(name); });
    tabs.appendChild(a);
  });
  open(data.main).then(function () { if (problems.length) { showProblems(problems); } });
})();
