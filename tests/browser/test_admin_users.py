"""Users and groups pages in headless Chromium (issue 13 item 1): add a user with groups, see the generated
password once, deactivate, see a group with no active member flagged; in English and Chinese."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.test_admin_migrate_and_calls import SHOTS, live, signed_in  # noqa: F401  (fixtures)
from webapp.extensions import db
from webapp.models import User

pytestmark = pytest.mark.browser


def test_an_admin_adds_a_user_then_deactivates_a_colleague_and_sees_the_group_flagged(
        live: str, signed_in: Any) -> None:  # noqa: F811
    page = signed_in()
    page.goto(f"{live}/admin/users")
    page.fill("[data-testid=new-username]", "zhao.lei")
    page.fill("[data-testid=new-name]", "Zhao Lei")
    page.fill("[data-testid=new-email]", "zhao@example.test")
    page.check("[data-testid=member-tier_1_handler]")
    page.check("[data-testid=supervises-callback_staff]")
    page.click("[data-testid=do-create-user]")
    expect(page.locator("[data-testid=generated-password] code")).to_have_text(re.compile(r"^[A-Za-z0-9_-]{16}$"))
    expect(page.locator("[data-testid=supervision]")).to_contain_text("caller")
    page.screenshot(path=str(SHOTS / "07-user-created-en.png"), full_page=True)
    db.session.expire_all()
    made = db.session.query(User).filter_by(username="zhao.lei").one()
    assert made.group_keys == {"tier_1_handler", "callback_staff"} and made.supervised_keys == {"callback_staff"}

    page.goto(f"{live}/admin/users/finance")
    page.fill("[data-testid=access] form:last-of-type input[name=reason]", "left the company")
    page.click("[data-testid=do-deactivate]")
    expect(page.locator("[data-testid=inactive]")).to_be_visible()
    page.goto(f"{live}/admin/groups")
    expect(page.locator("tr[data-group=finance] [data-testid=no-active-member]")).to_be_visible()
    expect(page.locator("tr[data-group=tier_1_handler] [data-testid=no-active-member]")).to_have_count(0)

    zh = signed_in("zh")
    zh.goto(f"{live}/admin/groups")
    expect(zh.locator("tr[data-group=finance]")).to_contain_text("没有在职成员")
    zh.screenshot(path=str(SHOTS / "08-groups-flagged-zh.png"), full_page=True)
    zh.goto(f"{live}/admin/users?q=zhao")
    expect(zh.locator("[data-testid=users]")).to_contain_text("zhao.lei")
    zh.screenshot(path=str(SHOTS / "09-users-search-zh.png"), full_page=True)
