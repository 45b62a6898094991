"""The blueprint of the pages that belong to no single domain."""

from __future__ import annotations

from flask import Blueprint

public = Blueprint("pages", __name__)
