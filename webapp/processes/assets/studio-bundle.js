// esbuild entry (scripts/vendor.sh): the studio's browser libraries as one file, webapp/static/vendor/studio/studio.js.
// It exposes window.ClStudio = {Modeler, Viewer, EditorView, ...}; the page scripts in webapp/static/processes/ use it.
import Modeler from "bpmn-js/lib/Modeler";
import NavigatedViewer from "bpmn-js/lib/NavigatedViewer";
import { BpmnPropertiesPanelModule, BpmnPropertiesProviderModule } from "bpmn-js-properties-panel";
import BpmnlintModule from "bpmn-js-bpmnlint";
import { EditorView, basicSetup } from "codemirror";
import { json } from "@codemirror/lang-json";
import spiffModdle from "./spiffworkflow-moddle.json";
import SpiffProviderModule from "./spiff-provider.js";
import lintConfig from "./bpmnlint-config.js";

window.ClStudio = {
  Modeler, NavigatedViewer, EditorView, basicSetup, json, spiffModdle, lintConfig,
  modelerModules: [BpmnPropertiesPanelModule, BpmnPropertiesProviderModule, SpiffProviderModule],
  lintModule: BpmnlintModule,
};
