"""The import's `roaming_partners` section: OCPI parties upserted by key (keys left out keep their
stored value). The credentials token is kept only as its sha256; giving the same token again
changes nothing. Every create and update is audited, without the token or its hash."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from depotshare.domain.setup import ImportSummary
from depotshare.domain.setup.roaming import RoamingPartnerIn, token_hash_of
from depotshare.services.common.unit_of_work import UnitOfWork
from depotshare.services.setup import exporter
from depotshare.store.roaming.models import RoamingPartner
from depotshare.store.setup.importing import Catalogue

Record = Callable[..., Awaitable[None]]


def partner_picture(row: RoamingPartner) -> dict[str, Any]:
    """A partner as the audit log keeps it: never the token nor its hash."""
    picture: dict[str, Any] = exporter.roaming_partner_entry(row).model_dump(
        mode="json", exclude_none=True, exclude={"token", "token_hash"}
    )
    return picture


class RoamingWriter:
    def __init__(self, uow: UnitOfWork, cat: Catalogue, summary: ImportSummary, record: Record) -> None:
        self.uow, self.session, self.cat, self.summary, self.record = uow, uow.session, cat, summary, record

    def count(self, created: bool, changed: bool) -> None:
        self.summary.sections["roaming_partners"].count(created, changed)

    async def partner(self, entry: RoamingPartnerIn) -> None:
        row = self.cat.roaming_partners.get(entry.key)
        digest = token_hash_of(entry)
        columns: dict[str, dict[str, Any]] = {
            "name": {"name": entry.name},
            "country_code": {"country_code": entry.country_code},
            "party_id": {"party_id": entry.party_id},
            "role": {"role": entry.role.value},
            "status": {"status": entry.status.value},
        }
        if row is None:
            assert digest is not None  # resolve() checked it
            values = {c: v for cols in columns.values() for c, v in cols.items()}
            row = RoamingPartner(key=entry.key, token_hash=digest, **values)
            self.session.add(row)
            await self.uow.flush()
            self.cat.add(row)
            await self.record("roaming_partner", row.key, None, None, partner_picture(row), "create")
            self.count(True, False)
            return
        given = entry.model_fields_set
        wanted = {c: v for name, cols in columns.items() if name in given for c, v in cols.items()}
        changes = {c: v for c, v in wanted.items() if getattr(row, c) != v}
        token_changed = digest is not None and digest != row.token_hash
        if changes or token_changed:
            before = partner_picture(row)
            for column, value in changes.items():
                setattr(row, column, value)
            after = partner_picture(row)
            if token_changed:
                assert digest is not None
                row.token_hash = digest
                after["token"] = "changed"
            await self.record("roaming_partner", row.key, None, before, after)
        self.count(False, bool(changes) or token_changed)
