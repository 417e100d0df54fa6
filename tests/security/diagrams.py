"""Build small real diagrams (process 'complaint') that carry attacker code in one element called 'payload'."""

from __future__ import annotations

from xml.sax.saxutils import escape

KINDS = ("script", "condition", "dmn", "timer", "param")

_HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"
    id="Definitions_probe" targetNamespace="http://closeloop.example/security">
  <bpmn:collaboration id="Collab_probe">
    <bpmn:participant id="Participant_probe" name="Probe" processRef="complaint"/>
  </bpmn:collaboration>
  <bpmn:process id="complaint" name="Security probe" isExecutable="true">
    <bpmn:laneSet id="LaneSet_probe">
      <bpmn:lane id="Lane_cs" name="Customer service">
        <bpmn:flowNodeRef>start</bpmn:flowNodeRef><bpmn:flowNodeRef>wait</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>payload</bpmn:flowNodeRef><bpmn:flowNodeRef>probe_task</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>end</bpmn:flowNodeRef>
      </bpmn:lane>
    </bpmn:laneSet>
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
"""

_TAIL = """    <bpmn:userTask id="probe_task" name="Look at the result">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="formJsonSchemaFilename" value="facts.json"/>
      </spiffworkflow:properties></bpmn:extensionElements>
      <bpmn:incoming>f3</bpmn:incoming><bpmn:outgoing>f4</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:endEvent id="end"><bpmn:incoming>f4</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f4" sourceRef="probe_task" targetRef="end"/>
  </bpmn:process>
</bpmn:definitions>
"""

_DMN = """<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="Definitions_probe_dmn" name="Probe"
    namespace="http://closeloop.example/security">
  <decision id="probe_decision" name="Probe">
    <decisionTable id="probe_table" hitPolicy="FIRST">
      <input id="in_subject" label="Subject">
        <inputExpression id="in_subject_expr" typeRef="string"><text>subject</text></inputExpression>
      </input>
      <output id="out_result" name="result" typeRef="string"/>
      <rule id="r1"><inputEntry id="r1a"><text></text></inputEntry>
        <outputEntry id="r1o"><text>{code}</text></outputEntry></rule>
    </decisionTable>
  </decision>
</definitions>
"""

FACTS_FORM = (b'{"type": "object", "title": "Facts", "properties": {"cause": {"type": "string", "title": "Cause"}}}')


def _flow(ident: str, source: str, target: str, condition: str | None = None) -> str:
    body = f"<bpmn:conditionExpression>{escape(condition)}</bpmn:conditionExpression>" if condition else ""
    return f'    <bpmn:sequenceFlow id="{ident}" sourceRef="{source}" targetRef="{target}">{body}</bpmn:sequenceFlow>\n'


def _wait(timer: bool) -> str:
    """A 1-hour timer before the payload (the worker then runs it), or a pass-through."""
    if timer:
        return ('    <bpmn:intermediateCatchEvent id="wait"><bpmn:incoming>f1</bpmn:incoming>'
                '<bpmn:outgoing>f1b</bpmn:outgoing><bpmn:timerEventDefinition id="wait_def">'
                '<bpmn:timeDuration>"PT1H"</bpmn:timeDuration></bpmn:timerEventDefinition>'
                '</bpmn:intermediateCatchEvent>\n' + _flow("f1", "start", "wait") + _flow("f1b", "wait", "payload"))
    return ('    <bpmn:intermediateThrowEvent id="wait"><bpmn:incoming>f1</bpmn:incoming>'
            '<bpmn:outgoing>f1b</bpmn:outgoing></bpmn:intermediateThrowEvent>\n'
            + _flow("f1", "start", "wait") + _flow("f1b", "wait", "payload"))


def _payload(kind: str, code: str) -> str:
    c = escape(code)
    if kind == "script":
        return (f'    <bpmn:scriptTask id="payload" name="Payload"><bpmn:incoming>f1b</bpmn:incoming>'
                f'<bpmn:outgoing>f3</bpmn:outgoing><bpmn:script>{c}</bpmn:script></bpmn:scriptTask>\n'
                + _flow("f3", "payload", "probe_task"))
    if kind == "condition":
        return ('    <bpmn:exclusiveGateway id="payload" default="f3"><bpmn:incoming>f1b</bpmn:incoming>'
                '<bpmn:outgoing>f3</bpmn:outgoing><bpmn:outgoing>f3b</bpmn:outgoing></bpmn:exclusiveGateway>\n'
                + _flow("f3", "payload", "probe_task") + _flow("f3b", "payload", "probe_task", code))
    if kind == "dmn":
        return ('    <bpmn:businessRuleTask id="payload" name="Payload"><bpmn:extensionElements>'
                '<spiffworkflow:calledDecisionId>probe_decision</spiffworkflow:calledDecisionId>'
                '</bpmn:extensionElements><bpmn:incoming>f1b</bpmn:incoming><bpmn:outgoing>f3</bpmn:outgoing>'
                '</bpmn:businessRuleTask>\n' + _flow("f3", "payload", "probe_task"))
    if kind == "timer":
        return ('    <bpmn:intermediateCatchEvent id="payload"><bpmn:incoming>f1b</bpmn:incoming>'
                '<bpmn:outgoing>f3</bpmn:outgoing><bpmn:timerEventDefinition id="payload_def">'
                f'<bpmn:timeDate>{c}</bpmn:timeDate></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>\n'
                + _flow("f3", "payload", "probe_task"))
    assert kind == "param", kind
    return ('    <bpmn:serviceTask id="payload" name="Payload"><bpmn:extensionElements>'
            '<spiffworkflow:serviceTaskOperator id="test_record"><spiffworkflow:parameters>'
            f'<spiffworkflow:parameter id="grade" type="any" value="{escape(code, {chr(34): "&quot;"})}"/>'
            '</spiffworkflow:parameters></spiffworkflow:serviceTaskOperator></bpmn:extensionElements>'
            '<bpmn:incoming>f1b</bpmn:incoming><bpmn:outgoing>f3</bpmn:outgoing></bpmn:serviceTask>\n'
            + _flow("f3", "payload", "probe_task"))


def probe_files(kind: str, code: str, timer_first: bool = False) -> dict[str, bytes]:
    """The diagram files of a probe process whose element 'payload' runs `code` as the given kind."""
    bpmn = _HEAD + _wait(timer_first) + _payload(kind, code) + _TAIL
    files = {"probe.bpmn": bpmn.encode()}
    if kind == "dmn":
        files["probe.dmn"] = _DMN.replace("{code}", escape(code)).encode()
    return files
