"""The `closeloop deploy` and `closeloop export` commands (the pack's files <-> the deployed versions)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from flask_babel import force_locale, gettext

from webapp.engine.pack import DeployError
from webapp.extensions import db
from webapp.processes.deploy import deploy_directory, directory_warnings, export_pack
from webapp.processes.problem_texts import cli_language, localize, localized


def deploy_or_explain(action: Callable[[], Iterable[str]], prefix: str = "deployed ") -> None:
    """Print what a deploy did, or every problem (in the terminal's language) and exit non-zero (nothing stored)."""
    with force_locale(cli_language()):
        try:
            for line in action():
                click.echo(f"{prefix}{line}")
        except DeployError as exc:
            for problem in localize(exc.problems):
                click.echo(gettext("refused: %(problem)s", problem=str(problem)), err=True)
            raise click.ClickException(gettext("nothing was deployed; fix the problems above")) from None


def register_process_commands(app: Flask) -> None:
    """Attach `deploy` and `export` to the app's CLI."""

    @app.cli.command("deploy")
    @click.argument("path", type=click.Path(exists=True, file_okay=False, path_type=Path))
    @click.option("--forms", "forms_dir", type=click.Path(path_type=Path), default=None)
    @click.option("--actor", default="cli")
    @click.option("--comment", default=None, help="what changed, stored with the new versions")
    @with_appcontext
    def deploy_cmd(path: Path, forms_dir: Path | None, actor: str, comment: str | None) -> None:
        """Check and deploy every .bpmn/.dmn of PATH (forms from --forms, PATH/../forms or the forms folder)."""

        sibling = path.resolve().parent / "forms"
        forms = forms_dir or (sibling if path.name == "processes" and sibling.is_dir()
                              else Path(current_app.config["FORMS_DIR"]))
        with force_locale(cli_language()):
            for warning in directory_warnings(db.session, path, forms):
                click.echo(gettext("warning: %(warning)s", warning=str(localized(warning))), err=True)
        deploy_or_explain(lambda: [f"{r.key} v{r.version} ({'new' if r.created else 'unchanged'})"
                                   for r in deploy_directory(db.session, path, forms, actor, comment)])

    @app.cli.command("export")
    @click.argument("path", type=click.Path(file_okay=False, path_type=Path))
    @with_appcontext
    def export_cmd(path: Path) -> None:
        """Write the deployed versions to PATH/processes and PATH/forms (e.g. to commit an owner's changes)."""

        written = export_pack(db.session, path)
        click.echo(f"wrote {len(written)} file(s) to {path}/processes and {path}/forms")
