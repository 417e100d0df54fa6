"""Entry point of the `closeloop` console script (and `python -m webapp`)."""

from __future__ import annotations

from flask.cli import FlaskGroup

from webapp.app import create_app


def main() -> None:
    """Run the `closeloop` command line."""
    cli = FlaskGroup(create_app=create_app, add_default_commands=False)
    cli.main(prog_name="closeloop")


if __name__ == "__main__":
    main()
