"""Sign a browser page in as a test user, optionally switching the interface language."""

from __future__ import annotations

from typing import Any

from tests.conftest import PASSWORD


def sign_in(page: Any, live: str, username: str, language: str = "en") -> Any:
    """Sign `page` in on the live server as `username`; switch to `language` when it is not English."""
    page.goto(f"{live}/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    with page.expect_navigation():
        page.press("#password", "Enter")
    if language != "en":
        page.request.post(f"{live}/language", form={"language": language, "next": "/"}, headers={
            "X-CSRFToken": page.locator("meta[name=csrf-token]").get_attribute("content") or ""})
    return page
