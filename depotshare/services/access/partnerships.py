"""Partnerships and their access grants over the API. The host side writes them (partnerships:
org_admin of the host or above; grants: also facility managers); the partner side only reads the
partnerships naming it as partner and their grants, without the revenue share. The rules of one
entry and the rules against the organisation tree are those the import keeps too (domain/access),
so the API and the import give the same answers. Every
change emits an event whose handler marks the local lists it touches (local_list_marks.py).

A partnership is addressed by its key, or as `HOST:PARTNER` (organisation keys; a key never holds
a colon) when it has none; a grant by its key within the partnership, or by its id when it has none.

The grant parts that do not depend on a partnership (views' terms, places against the host's
subtree, patch merging, audit pictures) are shared with a host's internal grants
(services/access/internal_grants.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from depotshare.domain.access.events import GrantChanged, GrantReshaping, PartnershipChanged
from depotshare.domain.access.grant_terms import (
    EvseRefIn,
    GrantIn,
    check_grant,
    grant_values,
    scope_of,
    stored_window,
)
from depotshare.domain.access.grants import GrantStatus, PartnershipStatus
from depotshare.domain.access.ownership import (
    check_internal_subject_at,
    check_partner_outside_host,
    check_place_owner,
    check_tariff_owner,
)
from depotshare.domain.access.partnerships import OPERATOR, PartnershipIn, ShareIn, check_partnership
from depotshare.domain.common.actor import Actor
from depotshare.domain.common.errors import Conflict, InvalidInput, NotFound, Problems
from depotshare.domain.orgs import tree
from depotshare.domain.orgs.roles import Action, Resource
from depotshare.services.charging.queries import decimal_text
from depotshare.services.common.access import require
from depotshare.services.common.ownership import org_by_id, target_org
from depotshare.services.common.pagination import Page, decode_cursor, page_of
from depotshare.services.common.unit_of_work import UnitOfWork
from depotshare.services.orgs.organisations import org_keys, subtree_filter
from depotshare.store.access import partnerships as repo
from depotshare.store.access.models import Grant, GrantScope, Partnership
from depotshare.store.access.partnerships import delete_grant_scopes
from depotshare.store.orgs.models import Organisation

PARTNERSHIPS, GRANTS = Resource.PARTNERSHIPS, Resource.GRANTS
PARTNERSHIP_FIELDS = ("key", "status", "valid_from", "valid_until", "tariff", "revenue_share")
_SCOPE_FIELDS = ("locations", "stations", "evses")
_WINDOW_FIELDS = ("days", "hours", "windows")


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


@dataclass(frozen=True)
class WindowView:
    days: list[str]  # mon..sun
    hours: str  # HH:MM-HH:MM in the location's local time; an end not after the start crosses midnight


@dataclass(frozen=True)
class EvseRefView:
    station: str
    evse: int


@dataclass(frozen=True)
class GrantView:
    ref: str  # how to address it within its partnership: the key, or the id
    id: int
    key: str | None
    partnership: str  # the partnership's ref
    host: str
    partner: str
    subject: str | None  # whose tokens: this organisation (of the partner); null = the whole partner
    group: str | None  # only tokens of this group id
    # Where: exactly one of locations (keys), stations (OCPP ids) and evses.
    locations: list[str] | None
    stations: list[str] | None
    evses: list[EvseRefView] | None
    windows: list[WindowView]  # [] = at any time
    valid_from: date | None
    valid_until: date | None
    priority: int  # 1 = highest
    max_concurrent: int | None
    max_power_kw: str | None  # decimal string
    connector_standards: list[str] | None  # null = any
    status: str  # active | suspended
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class InternalGrantView:
    """An explicit internal grant: the host shapes its own fleet's access to its own places."""

    ref: str  # how to address it: HOST:KEY, or the id when it has no key
    id: int
    key: str | None
    host: str
    subject: str | None  # whose tokens: this organisation of the host; null = the host's whole fleet
    group: str | None
    locations: list[str] | None
    stations: list[str] | None
    evses: list[EvseRefView] | None
    windows: list[WindowView]
    valid_from: date | None
    valid_until: date | None
    priority: int
    max_concurrent: int | None
    max_power_kw: str | None
    connector_standards: list[str] | None
    status: str
    created_at: datetime
    updated_at: datetime


AnyGrantView = GrantView | InternalGrantView


def _ref(p: Partnership, keys: dict[int, str]) -> str:
    return p.key if p.key is not None else f"{keys[p.host_org_id]}:{keys[p.partner_org_id]}"


async def _partnership_views(
    uow: UnitOfWork, actor: Actor, rows: list[Partnership]
) -> dict[int, PartnershipView]:
    s = uow.session
    keys = await org_keys(uow, [p.host_org_id for p in rows] + [p.partner_org_id for p in rows])
    tariffs = await repo.tariff_keys_by_id(s, [p.tariff_id for p in rows])
    host_side = await repo.host_side_ids(s, actor.scope, [p.id for p in rows])
    return {
        p.id: PartnershipView(
            _ref(p, keys),
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


def _partnership_snapshot(view: PartnershipView, revenue_share: list[dict[str, str]]) -> dict[str, Any]:
    return {
        "key": view.key,
        "host": view.host,
        "partner": view.partner,
        "status": view.status,
        "valid_from": view.valid_from.isoformat() if view.valid_from else None,
        "valid_until": view.valid_until.isoformat() if view.valid_until else None,
        "tariff": view.tariff,
        "revenue_share": revenue_share,
    }


async def _grant_views(uow: UnitOfWork, partnership: Partnership, rows: list[Grant]) -> dict[int, GrantView]:
    s = uow.session
    keys = await org_keys(
        uow, [partnership.host_org_id, partnership.partner_org_id, *[g.subject_org_id for g in rows]]
    )
    places = await repo.places_of(s, [g.id for g in rows])
    return {
        g.id: GrantView(
            ref=g.key if g.key is not None else str(g.id),
            id=g.id,
            key=g.key,
            partnership=_ref(partnership, keys),
            host=keys[partnership.host_org_id],
            partner=keys[partnership.partner_org_id],
            subject=keys.get(g.subject_org_id or 0),
            **grant_terms(g, places.get(g.id, [])),
        )
        for g in rows
    }


def grant_terms(g: Grant, places: list[repo.Place]) -> dict[str, Any]:
    """What every grant view shows besides whose it is: group, places, windows, validity, limits,
    priority, status (partnership grants here, internal grants in services/access/internal_grants.py)."""
    kind = places[0].kind if places else "locations"
    return {
        "group": g.group_id,
        "locations": [p.name for p in places] if kind == "locations" else None,
        "stations": [p.name for p in places] if kind == "stations" else None,
        "evses": [EvseRefView(p.name, p.evse or 0) for p in places] if kind == "evses" else None,
        "windows": [WindowView(list(w["days"]), f"{w['start']}-{w['end']}") for w in g.windows or []],
        "valid_from": g.valid_from,
        "valid_until": g.valid_until,
        "priority": g.priority,
        "max_concurrent": g.max_concurrent,
        "max_power_kw": decimal_text(g.max_power_kw) if g.max_power_kw is not None else None,
        "connector_standards": list(g.connector_standards) if g.connector_standards is not None else None,
        "status": g.status,
        "created_at": g.created_at,
        "updated_at": g.updated_at,
    }


async def _grant_view(uow: UnitOfWork, partnership: Partnership, row: Grant) -> GrantView:
    return (await _grant_views(uow, partnership, [row]))[row.id]


def grant_snapshot(view: AnyGrantView, head: dict[str, Any]) -> dict[str, Any]:
    """A grant as the audit log keeps it: `head` names whose it is, then its terms."""
    picture: dict[str, Any] = {
        **head,
        "key": view.key,
        "subject": view.subject,
        "group": view.group,
        "windows": [{"days": w.days, "hours": w.hours} for w in view.windows],
        "valid_from": view.valid_from.isoformat() if view.valid_from else None,
        "valid_until": view.valid_until.isoformat() if view.valid_until else None,
        "priority": view.priority,
        "max_concurrent": view.max_concurrent,
        "max_power_kw": view.max_power_kw,
        "connector_standards": view.connector_standards,
        "status": view.status,
    }
    if view.locations is not None:
        picture["locations"] = view.locations
    if view.stations is not None:
        picture["stations"] = view.stations
    if view.evses is not None:
        picture["evses"] = [{"station": e.station, "evse": e.evse} for e in view.evses]
    return picture


def _grant_snapshot(view: GrantView) -> dict[str, Any]:
    return grant_snapshot(view, {"partnership": view.partnership})


# --- partnerships --------------------------------------------------------------------------------


async def access_partnership(
    uow: UnitOfWork, actor: Actor, ref: str, action: Action = Action.READ
) -> Partnership:
    """The only way to reach a partnership: NotFound when absent or invisible from both sides;
    Forbidden to a write by anyone but the host side's org_admin."""
    host, sep, partner = ref.partition(":")
    pair = (host, partner) if sep else None
    row = await repo.find_scoped(uow.session, actor.scope, key=None if sep else ref, pair=pair)
    if row is None:
        raise NotFound(f"partnership {ref!r} not found")
    if action is Action.WRITE:
        host_org = await org_by_id(uow, row.host_org_id)
        require(actor.scope, PARTNERSHIPS, Action.WRITE, host_org.path, f"partnership {ref!r}")
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
    where = repo.PartnershipFilter(prefix, host, partner, status.value if status else None)
    rows = await repo.list_scoped(
        uow.session, actor.scope, where, after_id=decode_cursor(cursor), limit=limit + 1
    )
    views = await _partnership_views(uow, actor, rows[:limit])
    return page_of(rows, limit, lambda p: p.id, lambda p: views[p.id])


async def get_partnership(uow: UnitOfWork, actor: Actor, ref: str) -> PartnershipView:
    return await _partnership_view(uow, actor, await access_partnership(uow, actor, ref))


class OrgTree:
    """Organisation paths by key, for the rules against the tree (domain/access/ownership.py)."""

    def __init__(self, orgs: dict[str, Organisation]) -> None:
        self.paths = {key: org.path for key, org in orgs.items()}

    def within(self, org: str, ancestor: str) -> bool:
        a, b = self.paths.get(org), self.paths.get(ancestor)
        return a is not None and b is not None and tree.is_within(a, b)


async def _check_terms(
    uow: UnitOfWork, entry: PartnershipIn, host: Organisation, problems: Problems
) -> tuple[Organisation | None, int | None]:
    """Partner, tariff and revenue-share parties against the store; returns (partner, tariff id)."""
    s = uow.session
    parties = [sh.party for sh in entry.revenue_share if sh.party != OPERATOR]
    orgs = await repo.orgs_by_keys(s, [entry.partner, *parties])
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
        tariff = await repo.tariff_by_key(s, entry.tariff)
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
    if await repo.get_by_pair(uow.session, host.id, partner.id) is not None:
        raise Conflict(f"{host.key!r} already has a partnership with {partner.key!r}")
    if entry.key is not None and await repo.get_by_key(uow.session, entry.key) is not None:
        raise Conflict(f"key: a partnership {entry.key!r} already exists")
    row = Partnership(
        key=entry.key,
        host_org_id=host.id,
        partner_org_id=partner.id,
        status=entry.status.value,
        valid_from=entry.valid_from,
        valid_until=entry.valid_until,
        tariff_id=tariff_id,
        revenue_share=[s.model_dump(mode="json") for s in entry.revenue_share],
    )
    uow.session.add(row)
    await uow.flush()
    view = await _partnership_view(uow, actor, row)
    after = _partnership_snapshot(view, row.revenue_share)
    await uow.emit(
        PartnershipChanged(
            actor=actor, entity_id=row.id, action="create", org_id=host.id, after=after, partnership_id=row.id
        )
    )
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
    before = _partnership_snapshot(before_view, row.revenue_share)
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
    if merged.key is not None and merged.key != row.key and await repo.get_by_key(uow.session, merged.key):
        raise Conflict(f"key: a partnership {merged.key!r} already exists")
    if "key" in patch.given and patch.key is None and row.key is not None:
        raise InvalidInput("body.key", "a partnership keeps its key once it has one")
    values = {
        "key": merged.key,
        "status": merged.status.value,
        "valid_from": merged.valid_from,
        "valid_until": merged.valid_until,
        "tariff_id": tariff_id,
        "revenue_share": [s.model_dump(mode="json") for s in merged.revenue_share],
    }
    for column, value in values.items():
        if getattr(row, column) != value:
            setattr(row, column, value)
    await uow.flush()
    view = await _partnership_view(uow, actor, row)
    after = _partnership_snapshot(view, row.revenue_share)
    if after != before:
        await uow.emit(  # status and validity decide the local lists
            PartnershipChanged(
                actor=actor,
                entity_id=row.id,
                action="update",
                org_id=host.id,
                before=before,
                after=after,
                partnership_id=row.id,
            )
        )
    await uow.commit()
    return view


# --- grants --------------------------------------------------------------------------------------


async def _access_grant(
    uow: UnitOfWork, actor: Actor, ref: str, grant: str, action: Action = Action.READ
) -> tuple[Partnership, Grant]:
    partnership = await access_partnership(uow, actor, ref)
    row = await repo.grant_scoped(uow.session, actor.scope, partnership.id, grant)
    if row is None:
        raise NotFound(f"grant {grant!r} of partnership {ref!r} not found")
    if action is Action.WRITE:
        await _require_grant_write(uow, actor, partnership, f"grant {grant!r}")
    return partnership, row


async def _require_grant_write(
    uow: UnitOfWork, actor: Actor, partnership: Partnership, what: str
) -> Organisation:
    host = await org_by_id(uow, partnership.host_org_id)
    require(actor.scope, GRANTS, Action.WRITE, host.path, what)
    return host


async def list_grants(
    uow: UnitOfWork,
    actor: Actor,
    ref: str,
    *,
    status: GrantStatus | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> Page[GrantView]:
    partnership = await access_partnership(uow, actor, ref)
    rows = await repo.grants_of(
        uow.session,
        actor.scope,
        partnership.id,
        status=status.value if status else None,
        after_id=decode_cursor(cursor),
        limit=limit + 1,
    )
    views = await _grant_views(uow, partnership, rows[:limit])
    return page_of(rows, limit, lambda g: g.id, lambda g: views[g.id])


async def get_grant(uow: UnitOfWork, actor: Actor, ref: str, grant: str) -> GrantView:
    partnership, row = await _access_grant(uow, actor, ref, grant)
    return await _grant_view(uow, partnership, row)


@dataclass(frozen=True)
class GrantSpec:
    """A whole grant as the API takes it: the import's entry plus whose tokens it admits."""

    entry: GrantIn
    subject: str | None = None


async def grant_places(
    uow: UnitOfWork,
    entry: GrantIn,
    host: Organisation,
    problems: Problems,
    subject: Organisation | None = None,
) -> list[tuple[int | None, int | None, int | None]]:
    """The grant's places as (location id, station id, evse) rows; every one in the host's subtree.
    An unknown place and one outside the host answer alike: nothing here tells what exists elsewhere.
    With `subject` (an internal grant), each place's owner must hold the subject."""
    kind, places = scope_of(entry)
    names = [name for name, _ in places]
    sites = (
        await repo.locations_by_key(uow.session, names)
        if kind == "locations"
        else await repo.stations_by_id(uow.session, names)
    )
    evses = await repo.evse_numbers(uow.session, [s.id for s in sites.values()]) if kind == "evses" else set()
    rows: list[tuple[int | None, int | None, int | None]] = []
    for i, (name, evse) in enumerate(places):
        at = f"body.{kind}[{i}]" + (".station" if kind == "evses" else "")
        site = sites.get(name)
        places_tree = OrgTree({host.key: host})
        if subject is not None:
            places_tree.paths[subject.key] = subject.path
        if site is not None:
            places_tree.paths[site.org_key] = site.org_path
        known = len(problems.found)
        owner = site.org_key if site is not None else ""
        check_place_owner(name, owner, host.key, places_tree.within, at, problems, name_owner=False)
        if subject is not None and len(problems.found) == known:
            check_internal_subject_at(name, subject.key, owner, places_tree.within, at, problems)
        if site is None or len(problems.found) > known:
            continue
        if evse is not None and (site.id, evse) not in evses:
            problems.add(f"body.{kind}[{i}].evse", f"station {name!r} has no EVSE {evse}")
            continue
        rows.append((site.id, None, None) if kind == "locations" else (None, site.id, evse))
    return rows


async def _check_grant(
    uow: UnitOfWork, spec: GrantSpec, partnership: Partnership, host: Organisation
) -> tuple[GrantIn, int | None, list[tuple[int | None, int | None, int | None]]]:
    problems = Problems()
    entry = check_grant(spec.entry, "body", problems)
    subject_id = None
    if spec.subject is not None:
        partner = await org_by_id(uow, partnership.partner_org_id)
        subject = await repo.org_by_key(uow.session, spec.subject)
        if subject is None or not tree.is_within(subject.path, partner.path):
            problems.add(
                "body.subject", f"{spec.subject!r} is not {partner.key!r} or one of its organisations"
            )
        elif subject.id != partner.id:
            subject_id = subject.id
    places = await grant_places(uow, entry, host, problems) if not problems.found else []
    problems.raise_if_any()
    return entry, subject_id, places


async def _check_grant_key(
    uow: UnitOfWork, partnership: Partnership, key: str | None, row_id: int | None
) -> None:
    if key is None:
        return
    if await repo.grant_key_taken(uow.session, partnership.id, key, row_id):
        raise Conflict(f"key: the partnership already has a grant {key!r}")


def scope_rows(grant_id: int, places: list[tuple[int | None, int | None, int | None]]) -> list[GrantScope]:
    return [
        GrantScope(grant_id=grant_id, location_id=loc, station_id=sta, evse_id=evse)
        for loc, sta, evse in places
    ]


async def create_grant(uow: UnitOfWork, actor: Actor, ref: str, spec: GrantSpec) -> GrantView:
    partnership = await access_partnership(uow, actor, ref)
    host = await _require_grant_write(uow, actor, partnership, f"grants of partnership {ref!r}")
    entry, subject_id, places = await _check_grant(uow, spec, partnership, host)
    await _check_grant_key(uow, partnership, entry.key, None)
    row = Grant(
        partnership_id=partnership.id,
        host_org_id=partnership.host_org_id,
        subject_org_id=subject_id,
        **grant_values(entry),
    )
    uow.session.add(row)
    await uow.flush()
    uow.session.add_all(scope_rows(row.id, places))
    await uow.flush()
    view = await _grant_view(uow, partnership, row)
    await uow.emit(
        GrantChanged(
            actor=actor,
            entity_id=row.id,
            action="create",
            org_id=partnership.host_org_id,
            after=_grant_snapshot(view),
            grant_id=row.id,
        )
    )
    await uow.commit()
    return view


def entry_fields(view: AnyGrantView) -> dict[str, Any]:
    """A stored grant as the fields of an import entry, to merge a partial update into."""
    windows = [
        stored_window({"days": w.days, "start": w.hours[:5], "end": w.hours[6:]}) for w in view.windows
    ]
    out: dict[str, Any] = {
        "key": view.key,
        "group": view.group,
        "windows": windows or None,
        "valid_from": view.valid_from,
        "valid_until": view.valid_until,
        "priority": view.priority,
        "max_concurrent": view.max_concurrent,
        "max_power_kw": view.max_power_kw,
        "connector_standards": view.connector_standards,
        "status": view.status,
    }
    if view.locations is not None:
        out["locations"] = view.locations
    elif view.stations is not None:
        out["stations"] = view.stations
    else:
        out["evses"] = [EvseRefIn(station=e.station, evse=e.evse) for e in view.evses or []]
    return out


@dataclass(frozen=True)
class GrantPatch:
    """A partial update: the fields named in `given` replace the stored ones. Any of locations,
    stations, evses replaces the places; any of days, hours, windows replaces the windows."""

    given: frozenset[str]
    values: dict[str, Any]
    subject: str | None = None


def merged_entry(before: AnyGrantView, patch: GrantPatch) -> GrantIn:
    """The stored grant with the patch's fields over it, as an import entry (unchecked)."""
    merged = entry_fields(before)
    given = patch.given - {"subject"}
    if given & set(_SCOPE_FIELDS):
        for name in _SCOPE_FIELDS:
            merged.pop(name, None)
    if given & set(_WINDOW_FIELDS):
        merged.pop("windows", None)
    merged.update({name: patch.values.get(name) for name in given})
    try:
        return GrantIn.model_validate({k: v for k, v in merged.items() if v is not None or k in given})
    except ValueError as e:  # a stored value the import rules no longer take
        raise InvalidInput("body", str(e)) from None


async def update_grant(uow: UnitOfWork, actor: Actor, ref: str, grant: str, patch: GrantPatch) -> GrantView:
    partnership, row = await _access_grant(uow, actor, ref, grant, Action.WRITE)
    host = await org_by_id(uow, partnership.host_org_id)
    before_view = await _grant_view(uow, partnership, row)
    entry = merged_entry(before_view, patch)
    given = patch.given - {"subject"}
    subject = patch.subject if "subject" in patch.given else before_view.subject
    checked, subject_id, places = await _check_grant(uow, GrantSpec(entry, subject), partnership, host)
    await _check_grant_key(uow, partnership, checked.key, row.id)
    if "key" in given and checked.key is None and row.key is not None:
        raise InvalidInput("body.key", "a grant keeps its key once it has one")
    await uow.emit(GrantReshaping(grant_id=row.id))
    for column, value in {**grant_values(checked), "subject_org_id": subject_id}.items():
        if getattr(row, column) != value:
            setattr(row, column, value)
    if given & set(_SCOPE_FIELDS):
        await delete_grant_scopes(uow.session, row.id)
        uow.session.add_all(scope_rows(row.id, places))
    await uow.flush()
    await uow.session.refresh(row)
    view = await _grant_view(uow, partnership, row)
    before, after = _grant_snapshot(before_view), _grant_snapshot(view)
    if after != before:
        await uow.emit(
            GrantChanged(
                actor=actor,
                entity_id=row.id,
                action="update",
                org_id=partnership.host_org_id,
                before=before,
                after=after,
                grant_id=row.id,
            )
        )
    await uow.commit()
    return view


async def delete_grant(uow: UnitOfWork, actor: Actor, ref: str, grant: str) -> None:
    partnership, row = await _access_grant(uow, actor, ref, grant, Action.WRITE)
    before = _grant_snapshot(await _grant_view(uow, partnership, row))
    await uow.emit(  # before its places go
        GrantChanged(
            actor=actor,
            entity_id=row.id,
            action="delete",
            org_id=partnership.host_org_id,
            before=before,
            grant_id=row.id,
        )
    )
    await delete_grant_scopes(uow.session, row.id)
    await uow.session.delete(row)
    await uow.commit()
