"""In headless Chromium, en and zh: the users list pages and deactivates, groups are renamed and refused deletion
while in use, the instance page shows data and history in words, the worklist's Process filter is a list and the
claim message names the task in the user's language. Screenshots under tests/browser/screenshots/<test>/."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Shots
from tests.browser.signin import sign_in
from tests.browser.test_admin_migrate_and_calls import live  # noqa: F401  (fixture)
from tests.helpers import GRIEVANCE, open_task, register
from webapp.extensions import db
from webapp.models import User

pytestmark = pytest.mark.browser


@pytest.fixture
def person(live: str, browser: Any) -> Iterator[Callable[..., Any]]:  # noqa: F811
    """A function giving a page signed in as a user in a language; JavaScript errors fail the test."""
    errors: list[str] = []

    def open_as(username: str, language: str = "en") -> Any:
        pg = browser.new_page(viewport={"width": 1400, "height": 1000})
        pg.on("pageerror", lambda exc: errors.append(str(exc)))
        return sign_in(pg, live, username, language)

    yield open_as
    assert errors == [], errors


def test_users_pages_groups_and_deactivation_in_english_and_chinese(live: str, person: Any, pack: Any,  # noqa: F811
                                                                    shots: Shots) -> None:
    db.session.add_all(User(username=f"temp{n:03d}", display_name=f"Temp Worker {n}", password_hash="x")
                       for n in range(100))
    db.session.commit()
    case = register(GRIEVANCE)
    task = open_task(case)
    for lang in ("en", "zh"):
        page = person("admin", lang)
        page.goto(f"{live}/admin/users")
        expect(page.locator("[data-testid=users] tbody tr")).to_have_count(100)
        shots(page, f"users-first-page-{lang}")
        page.click("[data-testid=users-next]")
        expect(page.locator("[data-testid=users] tbody tr")).to_have_count(15)
        shots(page, f"users-next-page-{lang}")
        page.goto(f"{live}/admin/groups")
        row = page.locator("tr[data-group=tier_1_handler]")
        row.locator("summary").click()
        shots.part(row, f"group-change-open-{lang}")
        row.locator("[data-testid=do-delete-group]").click()
        expect(page.locator("[data-testid=group-error]")).to_contain_text(
            "deployed diagram" if lang == "en" else "已部署的流程图")
        shots.part(page.locator("[data-testid=group-error]"), f"group-delete-refused-{lang}")
    page = person("admin", "zh")
    page.goto(f"{live}/admin/groups")
    row = page.locator("tr[data-group=callback_staff]")
    row.locator("summary").click()
    row.locator("[data-testid=group-name]").fill("回访专员组")
    row.locator("[data-testid=do-rename-group]").click()
    expect(page.locator(".flash-success")).to_contain_text("回访专员组")
    shots(page, "group-renamed-zh")

    worker = next(name for name, in db.session.execute(db.select(User.username).order_by(User.username))
                  if task.group_key in db.session.scalars(db.select(User).where(User.username == name)).one()
                  .group_keys and name != "admin")
    handler = person(worker, "zh")
    handler.goto(f"{live}/?tab=group")
    handler.locator(f"[data-testid=claim-{task.id}]").click()
    expect(handler.locator(".flash-success")).to_contain_text("“")
    shots(handler, "claimed-message-zh")
    for lang in ("en", "zh"):
        page = person("admin", lang)
        page.goto(f"{live}/admin/users/{worker}")
        expect(page.locator("[data-testid=reserved-tasks]")).to_be_visible()
        shots.part(page.locator("[data-testid=access]"), f"deactivate-with-reserved-{lang}")
    page.locator("[data-testid=access] form:last-of-type input[name=reason]").fill("离职")
    page.click("[data-testid=do-deactivate]")
    expect(page.locator("[data-testid=inactive]")).to_be_visible()
    shots(page, "deactivated-zh")


def test_instance_page_and_worklist_filter_in_words(live: str, person: Any, pack: Any,  # noqa: F811
                                                    shots: Shots) -> None:
    case = register(GRIEVANCE)
    register({**GRIEVANCE, "kind": "inquiry"})
    for lang in ("en", "zh"):
        page = person("admin", lang)
        page.goto(f"{live}/admin/instances/{case.instance_id}")
        expect(page.locator("[data-testid=workflow-fields]")).to_be_visible()
        shots.part(page.locator("[data-testid=technical]"), f"instance-technical-{lang}")
        shots.part(page.locator("[data-testid=history]"), f"instance-history-{lang}")
        boss = person("supervisor", lang)
        boss.goto(f"{live}/?tab=team")
        select = boss.locator("[data-testid=filter-process]")
        expect(select.locator("option")).to_have_count(10)  # "all" and the nine deployed processes
        select.select_option("inquiry")
        boss.locator("form.filters button[type=submit]").click()
        expect(boss.locator("[data-testid=filter-process]")).to_have_value("inquiry")
        shots(boss, f"worklist-process-filter-{lang}")
