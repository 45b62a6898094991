"""``flask --app portal fees ...``: import and export in the JSON exchange format."""

from __future__ import annotations

import json
from pathlib import Path

import click
import sqlalchemy as sa
from flask.cli import AppGroup

from portal.core import transactions
from portal.core.models import utcnow
from portal.extensions import db
from portal.fees.exchange import ExchangeError, export_data, import_text
from portal.fees.models import Tariff
from portal.fees.services import fee_items

fees_cli = AppGroup("fees", help="Fee standards: import and export in the JSON exchange format.")


@fees_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def fees_import(file: Path) -> None:
    """Import tariffs and fee items from FILE; all or nothing."""
    try:
        counts = import_text(file.read_text(encoding="utf-8"), file.name, None, utcnow())
    except (ExchangeError, UnicodeDecodeError) as exc:
        transactions.rollback()
        raise click.ClickException(f"Nothing was imported. {exc}") from None
    transactions.commit()
    click.echo(f"Imported {counts['tariffs']} tariffs ({counts['versions_created']} new versions, "
               f"{counts['versions_published']} published) and {counts['fee_items']} fee items.")


@fees_cli.command("export")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
              help="Write to this file instead of standard output.")
@click.option("--published-only", is_flag=True, help="Leave out drafts.")
def fees_export(output: Path | None, published_only: bool) -> None:
    """Export every tariff and fee item in the format that import reads."""
    tariffs = list(db.session.scalars(sa.select(Tariff).order_by(Tariff.code)))
    data = export_data(tariffs, fee_items(), include_drafts=not published_only)
    text = json.dumps(data, ensure_ascii=False, indent=1) + "\n"
    if output is None:
        click.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
        click.echo(f"Wrote {output}.")
