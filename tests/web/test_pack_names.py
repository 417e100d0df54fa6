"""Every name of the process pack shown to staff (tasks, lanes, events) has a Chinese translation."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from babel.messages.pofile import read_po

from tests.conftest import ROOT
from webapp.web.i18n import TRANSLATIONS

BPMN = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
SHOWN = {"userTask", "lane", "startEvent", "endEvent", "intermediateCatchEvent", "boundaryEvent", "manualTask",
         "process", "callActivity", "subProcess"}


def pack_names() -> set[str]:
    """Names of the elements of processes/*.bpmn that staff see."""
    names = set()
    for path in sorted((ROOT / "processes").glob("*.bpmn")):
        for element in ET.parse(path).iter():
            if element.tag.replace(BPMN, "") in SHOWN and element.get("name"):
                names.add(element.get("name") or "")
    return names


def test_every_task_lane_and_event_name_of_the_pack_is_translated() -> None:
    with (TRANSLATIONS / "zh" / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        translated = {m.id: m.string for m in read_po(fh) if m.id and m.string}
    names = pack_names()
    assert "Tell the customer the solution (step 5)" in names
    assert sorted(n for n in names if n not in translated) == []


def test_a_task_and_its_form_titled_alike_in_english_are_titled_alike_in_chinese() -> None:
    """The task page's title (the task name from the catalogue) and the form's title (its x-title-zh) agree: not
    "预判（第一步）" over "投诉预判（第一步）"."""
    import json

    with (TRANSLATIONS / "zh" / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        translated = {m.id: m.string for m in read_po(fh) if m.id and m.string}
    ext = "{http://spiffworkflow.org/bpmn/schema/1.0/core}"
    differ, compared = [], 0
    for path in sorted((ROOT / "processes").glob("*.bpmn")):
        for task in ET.parse(path).iter(f"{BPMN}userTask"):
            prop = next((p for p in task.iter(f"{ext}property") if p.get("name") == "formJsonSchemaFilename"), None)
            if prop is None or not (ROOT / "forms" / str(prop.get("value"))).exists():
                continue
            form = json.loads((ROOT / "forms" / str(prop.get("value"))).read_text())
            if form.get("title") == task.get("name"):
                compared += 1
                if translated.get(task.get("name") or "") != form.get("x-title-zh"):
                    differ.append((task.get("name"), translated.get(task.get("name") or ""), form.get("x-title-zh")))
    assert compared > 10 and differ == []
