// bpmnlint recommended rules for bpmn-js-bpmnlint (what bpmnlint-loader would compile from {extends: "bpmnlint:recommended"}).
import rule0 from "bpmnlint/rules/ad-hoc-sub-process";
import rule1 from "bpmnlint/rules/conditional-flows";
import rule2 from "bpmnlint/rules/end-event-required";
import rule3 from "bpmnlint/rules/event-based-gateway";
import rule4 from "bpmnlint/rules/event-sub-process-typed-start-event";
import rule5 from "bpmnlint/rules/fake-join";
import rule6 from "bpmnlint/rules/global";
import rule7 from "bpmnlint/rules/label-required";
import rule8 from "bpmnlint/rules/link-event";
import rule9 from "bpmnlint/rules/no-bpmndi";
import rule10 from "bpmnlint/rules/no-complex-gateway";
import rule11 from "bpmnlint/rules/no-disconnected";
import rule12 from "bpmnlint/rules/no-duplicate-sequence-flows";
import rule13 from "bpmnlint/rules/no-gateway-join-fork";
import rule14 from "bpmnlint/rules/no-implicit-split";
import rule15 from "bpmnlint/rules/no-implicit-end";
import rule16 from "bpmnlint/rules/no-implicit-start";
import rule17 from "bpmnlint/rules/no-inclusive-gateway";
import rule18 from "bpmnlint/rules/no-overlapping-elements";
import rule19 from "bpmnlint/rules/single-blank-start-event";
import rule20 from "bpmnlint/rules/single-event-definition";
import rule21 from "bpmnlint/rules/start-event-required";
import rule22 from "bpmnlint/rules/sub-process-blank-start-event";
import rule23 from "bpmnlint/rules/superfluous-gateway";
import rule24 from "bpmnlint/rules/superfluous-label";
import rule25 from "bpmnlint/rules/superfluous-termination";

const cache = {
  "bpmnlint/ad-hoc-sub-process": rule0,
  "bpmnlint/conditional-flows": rule1,
  "bpmnlint/end-event-required": rule2,
  "bpmnlint/event-based-gateway": rule3,
  "bpmnlint/event-sub-process-typed-start-event": rule4,
  "bpmnlint/fake-join": rule5,
  "bpmnlint/global": rule6,
  "bpmnlint/label-required": rule7,
  "bpmnlint/link-event": rule8,
  "bpmnlint/no-bpmndi": rule9,
  "bpmnlint/no-complex-gateway": rule10,
  "bpmnlint/no-disconnected": rule11,
  "bpmnlint/no-duplicate-sequence-flows": rule12,
  "bpmnlint/no-gateway-join-fork": rule13,
  "bpmnlint/no-implicit-split": rule14,
  "bpmnlint/no-implicit-end": rule15,
  "bpmnlint/no-implicit-start": rule16,
  "bpmnlint/no-inclusive-gateway": rule17,
  "bpmnlint/no-overlapping-elements": rule18,
  "bpmnlint/single-blank-start-event": rule19,
  "bpmnlint/single-event-definition": rule20,
  "bpmnlint/start-event-required": rule21,
  "bpmnlint/sub-process-blank-start-event": rule22,
  "bpmnlint/superfluous-gateway": rule23,
  "bpmnlint/superfluous-label": rule24,
  "bpmnlint/superfluous-termination": rule25,
};
const rules = {
  "ad-hoc-sub-process": "error",
  "conditional-flows": "error",
  "end-event-required": "error",
  "event-based-gateway": "error",
  "event-sub-process-typed-start-event": "error",
  "fake-join": "warn",
  "global": "warn",
  "label-required": "error",
  "link-event": "error",
  "no-bpmndi": "error",
  "no-complex-gateway": "error",
  "no-disconnected": "error",
  "no-duplicate-sequence-flows": "error",
  "no-gateway-join-fork": "error",
  "no-implicit-split": "error",
  "no-implicit-end": "error",
  "no-implicit-start": "error",
  "no-inclusive-gateway": "warn",
  "no-overlapping-elements": "warn",
  "single-blank-start-event": "error",
  "single-event-definition": "error",
  "start-event-required": "error",
  "sub-process-blank-start-event": "error",
  "superfluous-gateway": "warn",
  "superfluous-label": "warn",
  "superfluous-termination": "warn"
};

const resolver = {
  resolveRule(pkg, ruleName) {
    const rule = cache[pkg + "/" + ruleName];
    if (!rule) { throw new Error("cannot resolve rule <" + pkg + "/" + ruleName + ">"); }
    return rule;
  },
  resolveConfig(pkg, configName) { throw new Error("cannot resolve config <" + configName + "> in <" + pkg + ">"); },
};

export default { resolver, config: { rules } };
