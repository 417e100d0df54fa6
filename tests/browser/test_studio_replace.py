"""The modeler's "Change element" (replace) popup speaks the owner's language (headless Chromium, en and zh): its
entries are bpmn-js's replace options, translated through the studio's translate module like the palette."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import Shots
from tests.browser.signin import sign_in
from tests.browser.test_process_studio import _select, studio  # noqa: F401  (fixture: the real pack served)

pytestmark = pytest.mark.browser
EXPECTED = {"en": {"title": "Change element", "entries": ["User task", "Script task", "Business rule task"]},
            "zh": {"title": "更改元素类型", "entries": ["用户任务", "脚本任务", "业务规则任务"]}}


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_change_element_popup_is_in_the_owners_language(lang: str, studio: str, browser: Any) -> None:  # noqa: F811
    shots = Shots(f"studio_replace-{lang}")
    errors: list[str] = []
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    sign_in(page, studio, "owner", lang)
    page.goto(f"{studio}/processes/inquiry/edit")
    page.wait_for_selector("#canvas[data-ready='inquiry.bpmn']", timeout=30000)
    _select(page, "clock_callback")  # a service task
    pad = page.locator(".djs-context-pad .entry[data-action='replace']")
    assert pad.get_attribute("title") == EXPECTED[lang]["title"]
    pad.click()
    popup = page.locator(".djs-popup")
    popup.wait_for(state="visible")
    labels = [t.strip() for t in popup.locator(".entry .djs-popup-label").all_inner_texts() if t.strip()]
    for entry in EXPECTED[lang]["entries"]:
        assert entry in labels, labels
    toggles = [popup.locator(".djs-popup-header .entry").nth(i).get_attribute("title") or ""
               for i in range(popup.locator(".djs-popup-header .entry").count())]
    assert toggles and all(toggles), toggles  # multi-instance, loop: titled
    if lang == "zh":  # no entry nor header toggle left in English
        assert [t for t in labels + toggles if t.isascii()] == [], (labels, toggles)
    shots.part(popup, "change-element-popup")
    shots(page, "editor-with-popup")
    page.close()
    assert errors == [], errors
