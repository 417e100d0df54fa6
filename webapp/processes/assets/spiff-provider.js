// Properties-panel group for the spiffworkflow extension elements this pack uses: service-task operation and its
// parameters, user-task properties (form, group, clock, due), decision of a business-rule task, script text,
// gateway conditions and the called process of a call activity.
import { h } from "@bpmn-io/properties-panel/preact";
import { Group, TextFieldEntry, TextAreaEntry, isTextFieldEntryEdited, isTextAreaEntryEdited } from "@bpmn-io/properties-panel";
import { useService } from "bpmn-js-properties-panel";

const PROPERTY_LABELS = {
  formJsonSchemaFilename: "Form (JSON Schema file)",
  assignGroup: "Group (assignGroup)",
  clock: "Deadline clock",
  dueIn: "Due in (ISO-8601 duration)",
};

function extension(bo, type) {
  const values = (bo.extensionElements && bo.extensionElements.values) || [];
  return values.find((v) => v.$type === type);
}

function text(props) {
  const { element, id, label, get, set, area } = props;
  const translate = useService("translate");
  const debounce = useService("debounceInput");
  const entry = area ? TextAreaEntry : TextFieldEntry;
  return h(entry, { element, id, label: translate(label), getValue: get, setValue: set, debounce, rows: 4,
    monospace: area });
}

function entry(id, label, get, set, area) {
  return {
    id,
    isEdited: area ? isTextAreaEntryEdited : isTextFieldEntryEdited,
    component: (props) => h(text, { element: props.element, id, label, get, set, area }),
  };
}

function operatorEntries(element, modeling) {
  const operator = extension(element.businessObject, "spiffworkflow:ServiceTaskOperator");
  if (!operator) { return []; }
  const entries = [entry("spiff-operator", "Operation",
    () => operator.id || "", (v) => modeling.updateModdleProperties(element, operator, { id: v }))];
  const params = (operator.parameters && operator.parameters.parameter) || [];
  params.forEach((p) => {
    entries.push(entry("spiff-param-" + p.id, p.id,
      () => p.value || "", (v) => modeling.updateModdleProperties(element, p, { value: v })));
  });
  return entries;
}

function propertyEntries(element, modeling) {
  const props = extension(element.businessObject, "spiffworkflow:Properties");
  const list = (props && props.property) || [];
  return list.map((p) => entry("spiff-property-" + p.name, PROPERTY_LABELS[p.name] || p.name,
    () => p.value || "", (v) => modeling.updateModdleProperties(element, p, { value: v })));
}

function otherEntries(element, modeling) {
  const bo = element.businessObject;
  const entries = [];
  const decision = extension(bo, "spiffworkflow:CalledDecisionId");
  if (decision) {
    entries.push(entry("spiff-decision", "Decision", () => decision.value || "",
      (v) => modeling.updateModdleProperties(element, decision, { value: v })));
  }
  if (bo.$type === "bpmn:ScriptTask") {
    entries.push(entry("spiff-script", "Script", () => bo.script || "",
      (v) => modeling.updateProperties(element, { script: v }), true));
  }
  if (bo.$type === "bpmn:CallActivity") {
    entries.push(entry("spiff-called", "Called process", () => bo.calledElement || "",
      (v) => modeling.updateProperties(element, { calledElement: v })));
  }
  if (bo.$type === "bpmn:SequenceFlow" && bo.conditionExpression) {
    entries.push(entry("spiff-condition", "Condition", () => bo.conditionExpression.body || "",
      (v) => modeling.updateModdleProperties(element, bo.conditionExpression, { body: v }), true));
  }
  return entries;
}

function SpiffProvider(propertiesPanel, modeling, translate) {
  this.getGroups = (element) => (groups) => {
    const entries = [...operatorEntries(element, modeling), ...propertyEntries(element, modeling),
      ...otherEntries(element, modeling)];
    if (entries.length) {
      groups.splice(1, 0, { id: "closeloop", label: translate("Closeloop"), component: Group, entries });
    }
    return groups;
  };
  propertiesPanel.registerProvider(400, this);
}
SpiffProvider.$inject = ["propertiesPanel", "modeling", "translate"];

export default { __init__: ["spiffProvider"], spiffProvider: ["type", SpiffProvider] };
