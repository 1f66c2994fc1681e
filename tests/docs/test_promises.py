"""The docs and the CLI's help promise only what exists: no portal, no billing, no load
management described as working, and the examples point at no file that is not in the repository."""

from __future__ import annotations

import re

from typer.testing import CliRunner

from depotshare.cli import app
from tests.support.paths import REPO

ROOT = REPO


def test_serve_help_promises_no_portal() -> None:
    result = CliRunner().invoke(app, ["serve", "--help"])
    assert result.exit_code == 0
    assert "the portal" not in result.output
    assert "portal is not built yet" in " ".join(result.output.split())


def test_docs_describe_no_unbuilt_feature_as_working() -> None:
    docs = {p.name: " ".join(p.read_text().split()) for p in (ROOT / "docs").glob("*.md")}
    for claim in (
        "the REST API, the portal and OCPP",
        "billing prices sessions",
        "kept out of billing",
        "reports is billed",
        "for load management.",
        "through the API or the portal",
        "blocked in the portal",
        "the portal need a login",
    ):
        assert not [name for name, text in docs.items() if claim in text], claim


def test_examples_name_only_files_in_the_repository() -> None:
    for example in (ROOT / "examples").glob("*.yaml"):
        comments = "\n".join(
            line for line in example.read_text().splitlines() if line.lstrip().startswith("#")
        )
        for named in re.findall(r"[\w./-]+/[\w.-]+\.(?:txt|md|yaml|csv)", comments):
            assert (ROOT / named).exists(), f"{example.name} names {named}"
