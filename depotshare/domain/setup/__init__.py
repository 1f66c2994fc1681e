"""The import file format (docs/import-format.md): its model, the rules a file keeps on its own,
and its references checked against what the database holds. No I/O and no database here."""

from __future__ import annotations

from depotshare.domain.setup.document import dump_yaml, load_yaml, parse_document
from depotshare.domain.setup.model import ImportFile
from depotshare.domain.setup.references import Known, PlacedOrganisation, Plan, resolve
from depotshare.domain.setup.rules import check_rules
from depotshare.domain.setup.summary import ImportSummary, Tally

__all__ = [
    "ImportFile",
    "ImportSummary",
    "Known",
    "PlacedOrganisation",
    "Plan",
    "Tally",
    "check_rules",
    "dump_yaml",
    "load_yaml",
    "parse_document",
    "read_text",
    "resolve",
]


def read_text(text: str) -> ImportFile:
    """A file's text as a checked ImportFile, or InvalidInputs / InvalidInput naming the bad path."""
    return check_rules(parse_document(load_yaml(text)))
