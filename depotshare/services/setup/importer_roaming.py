"""The import's `roaming_partners` section: OCPI parties upserted by key (keys left out keep their
stored value). The credentials token is kept only as its sha256; giving the same token again
changes nothing. The write is the roaming capability's (apply_partner), audited as for the API:
without the token or its hash."""

from __future__ import annotations

from depotshare.domain.common.actor import Actor
from depotshare.domain.setup import ImportSummary
from depotshare.domain.setup.roaming import RoamingPartnerIn, token_hash_of
from depotshare.services.common.unit_of_work import UnitOfWork
from depotshare.services.roaming.partners import apply_partner
from depotshare.store.setup.importing import Catalogue


class RoamingWriter:
    def __init__(self, uow: UnitOfWork, actor: Actor, cat: Catalogue, summary: ImportSummary) -> None:
        self.uow, self.actor, self.cat, self.summary = uow, actor, cat, summary

    async def partner(self, entry: RoamingPartnerIn) -> None:
        row = self.cat.roaming_partners.get(entry.key)
        values = {
            "name": entry.name,
            "country_code": entry.country_code,
            "party_id": entry.party_id,
            "role": entry.role.value,
            "status": entry.status.value,
        }
        if row is not None:  # keys the entry leaves out keep their stored value
            values = {k: v for k, v in values.items() if k in entry.model_fields_set}
        digest = token_hash_of(entry)
        assert row is not None or digest is not None  # resolve() checked it
        stored, changed = await apply_partner(self.uow, self.actor, row, entry.key, values, digest)
        self.cat.add(stored)
        self.summary.sections["roaming_partners"].count(row is None, row is not None and changed)
