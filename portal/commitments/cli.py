"""``flask --app portal commitments ...``: import monthly measurements from a file."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from portal.commitments.importer import TEMPLATE, ImportRefused, changes_of, import_file
from portal.core import transactions
from portal.core.clock import local_today
from portal.core.models import utcnow

commitments_cli = AppGroup("commitments", help="Service commitments: import measurements.")


@commitments_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def commitments_import(file: Path) -> None:
    """Import the monthly measurements in FILE (CSV or XLSX; the format is in ``template``);
    all or nothing. A month already imported for a commitment is replaced whole."""
    try:
        record = import_file(file.read_bytes(), file.name, None, utcnow(), local_today())
    except ImportRefused as refused:
        transactions.rollback()
        problems = "\n".join(f"  {problem}" for problem in refused.problems)
        raise click.ClickException(f"Nothing was imported.\n{problems}") from None
    transactions.commit()
    click.echo(f"Imported {record.rows} monthly figures ({record.months}); "
               f"{len(changes_of(record))} figures replaced.")


@commitments_cli.command("template")
def commitments_template() -> None:
    """Print the header and an example row of the import format."""
    click.echo(TEMPLATE.replace("\r\n", "\n"), nl=False)
