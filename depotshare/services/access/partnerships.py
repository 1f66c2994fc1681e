"""Partnerships over the API. The host side writes them (partnerships:
org_admin of the host or above; grants: also facility managers); the partner side only reads the
partnerships naming it as partner and their grants, without the revenue share. The rules of one
entry and the rules against the organisation tree are those the import keeps too (domain/access),
so the API and the import give the same answers. Every
change emits an event whose handler marks the local lists it touches (local_list_marks.py).

A partnership is addressed by its key, or as `HOST:PARTNER` (organisation keys; a key never holds
a colon) when it has none. Its grants: grants.py; what they share with a host's internal grants:
grant_shapes.py."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from functools import partial
from typing import Any

from depotshare.domain.access.events import PartnershipChanged
from depotshare.domain.access.grants import PartnershipStatus
from depotshare.domain.access.ownership import (
    check_partner_outside_host,
    check_tariff_owner,
)
from depotshare.domain.access.partnerships import OPERATOR, PartnershipIn, ShareIn, check_partnership
from depotshare.domain.common.actor import Actor
from depotshare.domain.common.errors import Conflict, InvalidInput, Problems
from depotshare.domain.orgs.roles import Action, Resource
from depotshare.services.access.grant_shapes import OrgTree, require_host_write
from depotshare.services.common.access import found
from depotshare.services.common.changes import created, updated
from depotshare.services.common.ownership import org_by_id, target_org
from depotshare.services.common.pagination import Page, decode_cursor, page_of
from depotshare.services.common.unit_of_work import UnitOfWork
from depotshare.services.orgs.organisations import org_keys, subtree_filter
from depotshare.store.access.models import Partnership
from depotshare.store.access.partnerships import PartnershipFilter, Partnerships
from depotshare.store.orgs.models import Organisation

PARTNERSHIPS = Resource.PARTNERSHIPS
PARTNERSHIP_FIELDS = ("key", "status", "valid_from", "valid_until", "tariff", "revenue_share")


# --- views ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PartnershipView:
    ref: str  # how to address it: the key, or HOST:PARTNER
    key: str | None
    host: str
    partner: str
    status: str  # active | suspended | ended
    valid_from: date | None
    valid_until: date | None
    tariff: str | None
    # [{"party": org key or "operator", "percent": "70"}]; null for the partner side, which is
    # not a party to how the host shares its revenue.
    revenue_share: list[dict[str, str]] | None
    created_at: datetime
    updated_at: datetime


def partnership_ref(p: Partnership, keys: dict[int, str]) -> str:
    return p.key if p.key is not None else f"{keys[p.host_org_id]}:{keys[p.partner_org_id]}"


async def _partnership_views(
    uow: UnitOfWork, actor: Actor, rows: list[Partnership]
) -> dict[int, PartnershipView]:
    repo = uow.repo(Partnerships)
    keys = await org_keys(uow, [p.host_org_id for p in rows] + [p.partner_org_id for p in rows])
    tariffs = await repo.tariff_keys_by_id([p.tariff_id for p in rows])
    host_side = await repo.host_side_ids(actor.scope, [p.id for p in rows])
    return {
        p.id: PartnershipView(
            partnership_ref(p, keys),
            p.key,
            keys[p.host_org_id],
            keys[p.partner_org_id],
            p.status,
            p.valid_from,
            p.valid_until,
            tariffs.get(p.tariff_id or 0),
            [dict(share) for share in p.revenue_share] if p.id in host_side else None,
            p.created_at,
            p.updated_at,
        )
        for p in rows
    }


async def _partnership_view(uow: UnitOfWork, actor: Actor, row: Partnership) -> PartnershipView:
    return (await _partnership_views(uow, actor, [row]))[row.id]


@dataclass(frozen=True)
class PartnershipNames:
    """The keys a partnership's snapshot names: its host, its partner, its tariff."""

    host: str
    partner: str
    tariff: str | None


def partnership_snapshot(row: Partnership, names: PartnershipNames) -> dict[str, Any]:
    """A partnership as the audit log keeps it, the same for the API and the import."""
    return {
        "key": row.key,
        "host": names.host,
        "partner": names.partner,
        "status": row.status,
        "valid_from": row.valid_from.isoformat() if row.valid_from else None,
        "valid_until": row.valid_until.isoformat() if row.valid_until else None,
        "tariff": names.tariff,
        "revenue_share": row.revenue_share,
    }


def partnership_columns(entry: PartnershipIn, tariff_id: int | None) -> dict[str, Any]:
    """What is stored of an entry besides its pair; each column is its field's but `tariff_id`."""
    return {
        "key": entry.key,
        "status": entry.status.value,
        "valid_from": entry.valid_from,
        "valid_until": entry.valid_until,
        "tariff_id": tariff_id,
        "revenue_share": [s.model_dump(mode="json") for s in entry.revenue_share],
    }


def _names(view: PartnershipView) -> PartnershipNames:
    return PartnershipNames(view.host, view.partner, view.tariff)


async def apply_partnership(
    uow: UnitOfWork,
    actor: Actor,
    pair: tuple[int, int],
    columns: dict[str, Any],
    names: PartnershipNames,
    row: Partnership | None = None,
    *,
    before: dict[str, Any] | None = None,
) -> Partnership:
    """The one write path of a partnership between `pair` (host id, partner id), checked by the
    caller (the API against the store, the import against its catalogue): create it (`row` None)
    or set the `columns` that differ, and state the change as a PartnershipChanged (audit; its
    status and validity decide the local lists of all its grants' places). No commit."""
    if row is None:
        row = Partnership(host_org_id=pair[0], partner_org_id=pair[1], **columns)
        uow.repo(Partnerships).add(row)
    else:
        for column, value in columns.items():
            if getattr(row, column) != value:
                setattr(row, column, value)
    await uow.flush()
    event = partial(PartnershipChanged, partnership_id=row.id)
    after = partnership_snapshot(row, names)
    if before is None:
        await created(uow, actor, "partnership", row.id, pair[0], after, event=event)
    else:
        await updated(uow, actor, "partnership", row.id, pair[0], before, after, event=event)
    return row


# --- partnerships --------------------------------------------------------------------------------


async def access_partnership(
    uow: UnitOfWork, actor: Actor, ref: str, action: Action = Action.READ
) -> Partnership:
    """The only way to reach a partnership: NotFound when absent or invisible from both sides;
    Forbidden to a write by anyone but the host side's org_admin."""
    host, sep, partner = ref.partition(":")
    pair = (host, partner) if sep else None
    row = await uow.repo(Partnerships).find_scoped(actor.scope, key=None if sep else ref, pair=pair)
    row = found(row, f"partnership {ref!r}")
    if action is Action.WRITE:
        await require_host_write(uow, actor, row.host_org_id, PARTNERSHIPS, f"partnership {ref!r}")
    return row


async def list_partnerships(
    uow: UnitOfWork,
    actor: Actor,
    *,
    org: str | None = None,
    host: str | None = None,
    partner: str | None = None,
    status: PartnershipStatus | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> Page[PartnershipView]:
    prefix = await subtree_filter(uow, actor, org)
    where = PartnershipFilter(prefix, host, partner, status.value if status else None)
    rows = await uow.repo(Partnerships).list_scoped(
        actor.scope, where, after_id=decode_cursor(cursor), limit=limit + 1
    )
    views = await _partnership_views(uow, actor, rows[:limit])
    return page_of(rows, limit, lambda p: p.id, lambda p: views[p.id])


async def get_partnership(uow: UnitOfWork, actor: Actor, ref: str) -> PartnershipView:
    return await _partnership_view(uow, actor, await access_partnership(uow, actor, ref))


async def _check_terms(
    uow: UnitOfWork, entry: PartnershipIn, host: Organisation, problems: Problems
) -> tuple[Organisation | None, int | None]:
    """Partner, tariff and revenue-share parties against the store; returns (partner, tariff id)."""
    repo = uow.repo(Partnerships)
    parties = [sh.party for sh in entry.revenue_share if sh.party != OPERATOR]
    orgs = await repo.orgs_by_keys([entry.partner, *parties])
    orgs[host.key] = host
    partner = orgs.get(entry.partner)
    if partner is None:
        problems.add("body.partner", f"no organisation {entry.partner!r}")
    else:
        check_partner_outside_host(host.key, partner.key, OrgTree(orgs).within, "body.partner", problems)
    for i, share in enumerate(entry.revenue_share):
        if share.party != OPERATOR and share.party not in orgs:
            problems.add(f"body.revenue_share[{i}].party", f"no organisation {share.party!r}")
    tariff_id = None
    if entry.tariff is not None:
        tariff = await repo.tariff_by_key(entry.tariff)
        if tariff is None:
            problems.add("body.tariff", f"no tariff {entry.tariff!r}")
        else:
            tariff_id = tariff.id
            owner = await org_by_id(uow, tariff.org_id) if tariff.org_id is not None else None
            if owner is not None:
                orgs[owner.key] = owner
            check_tariff_owner(
                tariff.key,
                owner.key if owner else None,
                host.key,
                OrgTree(orgs).within,
                "body.tariff",
                problems,
                name_owner=False,
            )
    return partner, tariff_id


async def create_partnership(uow: UnitOfWork, actor: Actor, entry: PartnershipIn) -> PartnershipView:
    host = await target_org(uow, actor, entry.host, PARTNERSHIPS)
    problems = Problems()
    entry = check_partnership(entry, "body", problems)
    partner, tariff_id = await _check_terms(uow, entry, host, problems)
    problems.raise_if_any()
    assert partner is not None
    if await uow.repo(Partnerships).get_by_pair(host.id, partner.id) is not None:
        raise Conflict(f"{host.key!r} already has a partnership with {partner.key!r}")
    if entry.key is not None and await uow.repo(Partnerships).get_by_key(entry.key) is not None:
        raise Conflict(f"key: a partnership {entry.key!r} already exists")
    columns = partnership_columns(entry, tariff_id)
    names = PartnershipNames(host.key, partner.key, entry.tariff)
    row = await apply_partnership(uow, actor, (host.id, partner.id), columns, names)
    view = await _partnership_view(uow, actor, row)
    await uow.commit()
    return view


@dataclass(frozen=True)
class PartnershipPatch:
    given: frozenset[str]
    key: str | None = None
    status: PartnershipStatus | None = None
    valid_from: date | None = None
    valid_until: date | None = None
    tariff: str | None = None
    revenue_share: list[ShareIn] = field(default_factory=list)


async def update_partnership(
    uow: UnitOfWork, actor: Actor, ref: str, patch: PartnershipPatch
) -> PartnershipView:
    row = await access_partnership(uow, actor, ref, Action.WRITE)
    before_view = await _partnership_view(uow, actor, row)
    before = partnership_snapshot(row, _names(before_view))
    host = await org_by_id(uow, row.host_org_id)
    merged = PartnershipIn(
        key=patch.key if "key" in patch.given else row.key,
        host=before_view.host,
        partner=before_view.partner,
        status=patch.status if "status" in patch.given and patch.status else PartnershipStatus(row.status),
        valid_from=patch.valid_from if "valid_from" in patch.given else row.valid_from,
        valid_until=patch.valid_until if "valid_until" in patch.given else row.valid_until,
        tariff=patch.tariff if "tariff" in patch.given else before_view.tariff,
        revenue_share=(
            patch.revenue_share
            if "revenue_share" in patch.given
            else [ShareIn.model_validate(s) for s in row.revenue_share]
        ),
    )
    problems = Problems()
    merged = check_partnership(merged, "body", problems)
    _, tariff_id = await _check_terms(uow, merged, host, problems)
    problems.raise_if_any()
    if (
        merged.key is not None
        and merged.key != row.key
        and await uow.repo(Partnerships).get_by_key(merged.key)
    ):
        raise Conflict(f"key: a partnership {merged.key!r} already exists")
    if "key" in patch.given and patch.key is None and row.key is not None:
        raise InvalidInput("body.key", "a partnership keeps its key once it has one")
    values = partnership_columns(merged, tariff_id)
    names = PartnershipNames(before_view.host, before_view.partner, merged.tariff)
    await apply_partnership(uow, actor, (host.id, row.partner_org_id), values, names, row, before=before)
    view = await _partnership_view(uow, actor, row)
    await uow.commit()
    return view
