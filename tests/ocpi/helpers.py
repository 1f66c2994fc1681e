"""Shared set-up for the OCPI tests: a platform imported through the real importer, and the
OCPI Authorization header in both spellings."""

from __future__ import annotations

import base64

from depotshare.domain.common.actor import Actor
from depotshare.domain.setup import ImportSummary, read_text
from depotshare.services.runtime import Runtime
from depotshare.services.setup.importer import import_document

SYSTEM = Actor.system("ocpi-test")
TOKEN = "ocpi-token-rhx"


def auth(token: str = TOKEN, *, encoded: bool = True) -> dict[str, str]:
    value = base64.b64encode(token.encode()).decode() if encoded else token
    return {"Authorization": f"Token {value}"}


async def import_yaml(runtime: Runtime, text: str) -> ImportSummary:
    async with runtime.uow() as uow:
        return await import_document(uow, read_text(text), SYSTEM, "test.yaml")


def site(key: str, *, publish: bool = False, allowed_to: str | None = None, home: str | None = None) -> str:
    """One location entry with a full address and one station (id = key upper-cased)."""
    lines = [
        f"  - key: {key}",
        "    org: host",
        f"    name: Site {key}",
        "    timezone: Europe/Berlin",
        "    address: {street: Hafenstr. 1, city: Hamburg, postal_code: '20457', country: DEU}",
        "    coordinates: {lat: 53.54, lon: 9.98}",
        f"    publish: {'true' if publish else 'false'}",
    ]
    if allowed_to is not None:
        lines.append(f"    publish_allowed_to: {allowed_to}")
    if home is not None:
        lines.append(f"    home: {{employee: {home}}}")
    lines += [
        "    stations:",
        f"      - id: {key.upper()}",
        "        evses:",
        "          - {id: 1, connectors: [{id: 1, standard: IEC_62196_T2_COMBO, max_kw: 150}]}",
        "          - {id: 2, connectors: [{id: 1, standard: IEC_62196_T2, max_kw: 22}, {id: 2, standard: CHADEMO}]}",
    ]
    return "\n".join(lines) + "\n"


BASE = """\
organisations:
  - key: host
    name: Host AG
employees:
  - {key: emp-1, org: host, name: Jane Home}
roaming_partners:
  - {key: roam-x, name: Roaming Hub X, country_code: DE, party_id: RHX, token: "ocpi-token-rhx"}
"""
