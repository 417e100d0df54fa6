"""The closeloop CLI: init (migrations + deploy + demo users), deploy, create-user, token, fire-timers."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from tests.conftest import FIXTURES
from webapp.app import create_app
from webapp.extensions import db
from webapp.models import ProcessDefinition, User


def _app(tmp_path: Path):
    import tests.fixtures.handlers  # noqa: F401

    return create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'cli.db'}", "TESTING": True,
                       "PROCESSES_DIR": str(FIXTURES / "processes"), "FORMS_DIR": str(FIXTURES / "forms")})


def test_init_demo_deploy_user_token(tmp_path: Path):
    app = _app(tmp_path)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["init", "--demo", "--demo-password", "demo-pass-99"])
    assert result.exit_code == 0, result.output
    assert "deployed complaint v1" in result.output
    assert "demo user agent       password demo-pass-99" in result.output
    again = runner.invoke(args=["init", "--demo"])
    assert again.exit_code == 0 and "demo user" not in again.output
    assert "skipped complaint: v1 by system is deployed" in again.output
    result = runner.invoke(args=["create-user", "zhang", "--group", "tier_2_handler", "--password", "long-enough-1"])
    assert result.exit_code == 0, result.output
    assert runner.invoke(args=["create-user", "zhang", "--group", "x", "--password", "long-enough-1"]).exit_code == 1
    token = runner.invoke(args=["token", "zhang"])
    assert token.exit_code == 0 and len(token.output.strip()) > 30
    assert runner.invoke(args=["token", "nobody"]).exit_code == 1
    assert runner.invoke(args=["fire-timers"]).output.startswith("advanced 0")
    with app.app_context():
        assert db.session.scalars(select(User.username).where(User.username == "zhang")).one() == "zhang"
        assert [d.version for d in db.session.scalars(select(ProcessDefinition))] == [1]
        db.engine.dispose()


def test_deploy_refusal_lists_problems_and_exits_non_zero(tmp_path: Path):
    app = _app(tmp_path)
    runner = app.test_cli_runner()
    assert runner.invoke(args=["init"]).exit_code == 0
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "broken.bpmn").write_text("<definitions><process id='x'>")
    result = runner.invoke(args=["deploy", str(bad), "--forms", str(FIXTURES / "forms")])
    assert result.exit_code == 1
    assert "refused: broken.bpmn" in result.output and "nothing was deployed" in result.output
    assert "cannot be read: line 1: XML does not parse" in result.output
    result = runner.invoke(args=["deploy", str(bad), "--forms", str(FIXTURES / "forms")],
                           env={"LANG": "zh_CN.UTF-8", "LC_ALL": "", "LC_MESSAGES": ""})
    assert result.exit_code == 1 and "拒绝：broken.bpmn: 无法读取：line 1: XML does not parse" in result.output
    assert "没有部署任何内容" in result.output
    with app.app_context():
        db.engine.dispose()


def test_deploy_runs_the_checks_and_keeps_the_comment(tmp_path: Path):
    app = _app(tmp_path)
    runner = app.test_cli_runner()
    assert runner.invoke(args=["init"]).exit_code == 0
    folder = tmp_path / "processes"
    folder.mkdir()
    for p in (FIXTURES / "processes").iterdir():
        (folder / p.name).write_bytes(p.read_bytes())
    mini = folder / "mini.bpmn"
    mini.write_text(mini.read_text().replace('<bpmn:timeDuration>"PT4H"<', "<bpmn:timeDuration>PT4H<"))
    result = runner.invoke(args=["deploy", str(folder), "--forms", str(FIXTURES / "forms")])
    assert result.exit_code == 1
    assert "refused: mini.bpmn element 'late'" in result.output and 'put it in quotes: "PT4H"' in result.output
    mini.write_text(mini.read_text().replace("<bpmn:timeDuration>PT4H<", '<bpmn:timeDuration>"PT5H"<'))
    result = runner.invoke(args=["deploy", str(folder), "--forms", str(FIXTURES / "forms"), "--comment", "5 h"])
    assert result.exit_code == 0 and "deployed complaint v2 (new)" in result.output, result.output
    with app.app_context():
        newest = db.session.scalars(select(ProcessDefinition).where(ProcessDefinition.version == 2)).one()
        assert (newest.comment, newest.deployed_by) == ("5 h", "cli")
        db.engine.dispose()
