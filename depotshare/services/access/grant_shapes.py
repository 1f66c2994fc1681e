"""What a partner's grants and a host's internal grants share: their views, terms and audit
pictures, their places checked against the host's subtree, specs and patches (the grant use cases:
grants.py and internal_grants.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from depotshare.domain.access.grant_terms import (
    EvseRefIn,
    GrantIn,
    scope_of,
    stored_window,
)
from depotshare.domain.access.ownership import (
    check_internal_subject_at,
    check_place_owner,
)
from depotshare.domain.common.actor import Actor
from depotshare.domain.common.errors import InvalidInput, Problems
from depotshare.domain.orgs import tree
from depotshare.domain.orgs.roles import Action, Resource
from depotshare.services.charging.queries import decimal_text
from depotshare.services.common.access import require
from depotshare.services.common.ownership import org_by_id
from depotshare.services.common.unit_of_work import UnitOfWork
from depotshare.store.access.grants import Grants, Place
from depotshare.store.access.models import Grant, GrantScope
from depotshare.store.orgs.models import Organisation

SCOPE_FIELDS = ("locations", "stations", "evses")


_WINDOW_FIELDS = ("days", "hours", "windows")


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


def grant_terms(g: Grant, places: list[Place]) -> dict[str, Any]:
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


def grant_snapshot(
    key: str | None, subject: str | None, terms: dict[str, Any], head: dict[str, Any]
) -> dict[str, Any]:
    """A grant as the audit log keeps it: `head` names whose it is, then its key, subject and
    terms (grant_terms, or a view's fields)."""
    picture: dict[str, Any] = {
        **head,
        "key": key,
        "subject": subject,
        "group": terms["group"],
        "windows": [{"days": w.days, "hours": w.hours} for w in terms["windows"]],
        "valid_from": terms["valid_from"].isoformat() if terms["valid_from"] else None,
        "valid_until": terms["valid_until"].isoformat() if terms["valid_until"] else None,
        "priority": terms["priority"],
        "max_concurrent": terms["max_concurrent"],
        "max_power_kw": terms["max_power_kw"],
        "connector_standards": terms["connector_standards"],
        "status": terms["status"],
    }
    if terms["locations"] is not None:
        picture["locations"] = terms["locations"]
    if terms["stations"] is not None:
        picture["stations"] = terms["stations"]
    if terms["evses"] is not None:
        picture["evses"] = [{"station": e.station, "evse": e.evse} for e in terms["evses"]]
    return picture


class OrgTree:
    """Organisation paths by key, for the rules against the tree (domain/access/ownership.py)."""

    def __init__(self, orgs: dict[str, Organisation]) -> None:
        self.paths = {key: org.path for key, org in orgs.items()}

    def within(self, org: str, ancestor: str) -> bool:
        a, b = self.paths.get(org), self.paths.get(ancestor)
        return a is not None and b is not None and tree.is_within(a, b)


async def require_host_write(
    uow: UnitOfWork, actor: Actor, host_org_id: int, resource: Resource, what: str
) -> Organisation:
    """Partnerships and grants are written from the host side only: Forbidden to anyone else who
    sees them (a partner reads its partnerships and their grants). Returns the host."""
    host = await org_by_id(uow, host_org_id)
    require(actor.scope, resource, Action.WRITE, host.path, what)
    return host


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
    repo = uow.repo(Grants)
    kind, places = scope_of(entry)
    names = [name for name, _ in places]
    sites = await repo.locations_by_key(names) if kind == "locations" else await repo.stations_by_id(names)
    evses = await repo.evse_numbers([s.id for s in sites.values()]) if kind == "evses" else set()
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


def scope_rows(grant_id: int, places: list[tuple[int | None, int | None, int | None]]) -> list[GrantScope]:
    return [
        GrantScope(grant_id=grant_id, location_id=loc, station_id=sta, evse_id=evse)
        for loc, sta, evse in places
    ]


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
    if given & set(SCOPE_FIELDS):
        for name in SCOPE_FIELDS:
            merged.pop(name, None)
    if given & set(_WINDOW_FIELDS):
        merged.pop("windows", None)
    merged.update({name: patch.values.get(name) for name in given})
    try:
        return GrantIn.model_validate({k: v for k, v in merged.items() if v is not None or k in given})
    except ValueError as e:  # a stored value the import rules no longer take
        raise InvalidInput("body", str(e)) from None
