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
