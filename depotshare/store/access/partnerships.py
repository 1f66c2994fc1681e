"""Partnerships as the API reads them, and the organisations and tariffs they name. A partnership
is seen from two sides: the host's (partnerships: by the host organisation) and the partner's
(partner_access: by the partner organisation). Every lookup goes through store/common/scoping.
Their grants: grants.py."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, or_, select

from depotshare.domain.orgs.roles import Action, Resource
from depotshare.domain.orgs.scope import Scope
from depotshare.store.access.models import Partnership, Tariff
from depotshare.store.common.repository import Repository
from depotshare.store.common.scoping import allowed, org_ids_under
from depotshare.store.orgs.models import Organisation

HOST_SIDE = Resource.PARTNERSHIPS
PARTNER_SIDE = Resource.PARTNER_ACCESS


def partnership_visible(scope: Scope) -> ColumnElement[bool]:
    """Host side (partnerships: read on the host) or partner side (partner_access: read on the partner)."""
    return or_(allowed(scope, HOST_SIDE, Action.READ), allowed(scope, PARTNER_SIDE, Action.READ))


@dataclass(frozen=True)
class PartnershipFilter:
    org_prefix: str | None = None  # host or partner in this subtree
    host: str | None = None  # org key: hosted by this organisation
    partner: str | None = None  # org key: with this partner
    status: str | None = None


def _org_id(key: str) -> Any:
    return select(Organisation.id).where(Organisation.key == key).scalar_subquery()


class Partnerships(Repository):
    async def find_scoped(
        self, scope: Scope, *, key: str | None = None, pair: tuple[str, str] | None = None
    ) -> Partnership | None:
        """A visible partnership by key, or by (host key, partner key)."""
        stmt = select(Partnership).where(partnership_visible(scope))
        if key is not None:
            stmt = stmt.where(Partnership.key == key)
        elif pair is not None:
            host, partner = pair
            stmt = stmt.where(
                Partnership.host_org_id == _org_id(host), Partnership.partner_org_id == _org_id(partner)
            )
        else:
            return None
        found: Partnership | None = await self.session.scalar(stmt)
        return found

    async def list_scoped(
        self, scope: Scope, where: PartnershipFilter, *, after_id: int | None, limit: int
    ) -> list[Partnership]:
        stmt: Select[Any] = select(Partnership).where(partnership_visible(scope))
        if where.org_prefix is not None:
            orgs = org_ids_under((where.org_prefix,))
            stmt = stmt.where(or_(Partnership.host_org_id.in_(orgs), Partnership.partner_org_id.in_(orgs)))
        if where.host is not None:
            stmt = stmt.where(
                Partnership.host_org_id.in_(select(Organisation.id).where(Organisation.key == where.host))
            )
        if where.partner is not None:
            partner = select(Organisation.id).where(Organisation.key == where.partner)
            stmt = stmt.where(Partnership.partner_org_id.in_(partner))
        if where.status is not None:
            stmt = stmt.where(Partnership.status == where.status)
        if after_id is not None:
            stmt = stmt.where(Partnership.id > after_id)
        return list((await self.session.scalars(stmt.order_by(Partnership.id).limit(limit))).all())

    async def host_side_ids(self, scope: Scope, ids: Sequence[int]) -> set[int]:
        """Those partnerships the caller sees from the host side (it alone sees the revenue share)."""
        if not ids:
            return set()
        stmt = select(Partnership.id).where(
            Partnership.id.in_(set(ids)), allowed(scope, HOST_SIDE, Action.READ)
        )
        return set((await self.session.scalars(stmt)).all())

    async def get_by_key(self, key: str) -> Partnership | None:
        return await self.session.scalar(select(Partnership).where(Partnership.key == key))

    async def get_by_pair(self, host_id: int, partner_id: int) -> Partnership | None:
        return await self.session.scalar(
            select(Partnership).where(
                Partnership.host_org_id == host_id, Partnership.partner_org_id == partner_id
            )
        )

    async def org_by_key(self, key: str) -> Organisation | None:
        """Any organisation by key, visible or not: a host names its partner company, which is a
        customer of its own outside the host's tree."""
        return await self.session.scalar(select(Organisation).where(Organisation.key == key))

    async def orgs_by_keys(self, keys: Sequence[str]) -> dict[str, Organisation]:
        wanted = set(keys)
        if not wanted:
            return {}
        rows = await self.session.scalars(select(Organisation).where(Organisation.key.in_(wanted)))
        return {o.key: o for o in rows}

    async def tariff_by_key(self, key: str) -> Tariff | None:
        return await self.session.scalar(select(Tariff).where(Tariff.key == key))

    async def tariff_keys_by_id(self, ids: Sequence[int | None]) -> dict[int, str]:
        wanted = {i for i in ids if i is not None}
        if not wanted:
            return {}
        rows = await self.session.execute(select(Tariff.id, Tariff.key).where(Tariff.id.in_(wanted)))
        return {r.id: r.key for r in rows}
