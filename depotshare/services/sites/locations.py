"""Locations: the depots and home chargers of an organisation; create, change, move, delete; which
unknown stations may connect there and wait for approval (admit_station_prefix)."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from functools import partial
from typing import Any

from depotshare.domain.common.actor import Actor
from depotshare.domain.common.errors import Conflict, InvalidInput
from depotshare.domain.common.keys import STATION_ID_PATTERN
from depotshare.domain.orgs.roles import Action, Resource
from depotshare.domain.sites import assets
from depotshare.domain.sites.assets import Address, Coordinates
from depotshare.domain.sites.events import LocationChanged
from depotshare.services.common.changes import created, deleted, updated
from depotshare.services.common.copying import copy_of
from depotshare.services.common.ownership import org_by_id, reach, target_org
from depotshare.services.common.pagination import Page, decode_cursor, page_of
from depotshare.services.common.unit_of_work import UnitOfWork
from depotshare.services.orgs.organisations import org_keys, subtree_filter
from depotshare.services.sites.snapshots import location_snapshot
from depotshare.store.sites.locations import Locations
from depotshare.store.sites.models import Location

LOCATIONS = Resource.LOCATIONS
_STATION_PREFIX = re.compile(STATION_ID_PATTERN)


@dataclass(frozen=True)
class HomeView:
    employee: str | None  # None once the employee record is gone


@dataclass(frozen=True)
class LocationView:
    id: int
    key: str
    org: str
    name: str
    timezone: str
    address: Address
    coordinates: Coordinates | None
    publish: bool
    grid_limit_kw: Decimal | None
    home: HomeView | None
    # Unknown stations whose OCPP identity starts with this may connect here as `pending`.
    admit_station_prefix: str | None
    created_at: datetime


@dataclass(frozen=True)
class LocationSpec:
    """Everything a location is made of; `home_employee` set makes it a home charger."""

    key: str
    org: str
    name: str
    timezone: str = "UTC"
    address: Address = field(default_factory=Address)
    coordinates: Coordinates | None = None
    publish: bool = False
    grid_limit_kw: Decimal | None = None
    home: bool = False
    home_employee: str | None = None
    admit_station_prefix: str | None = None
    # OCPI PublishTokenType objects: a private location shown over OCPI to these drivers only
    # (set by the import; the API leaves them as they are).
    publish_allowed_to: list[dict[str, Any]] | None = None


def _place(loc: Location) -> dict[str, Any]:
    """The address and coordinates of a stored location (each column on its own in the row)."""
    coordinates = None
    if loc.latitude is not None and loc.longitude is not None:
        coordinates = Coordinates(loc.latitude, loc.longitude)
    return {
        "address": Address(loc.street, loc.city, loc.postal_code, loc.country),
        "coordinates": coordinates,
    }


def _view(loc: Location, org_key: str, employee_key: str | None) -> LocationView:
    home = HomeView(employee_key) if loc.is_home else None
    return copy_of(LocationView, loc, org=org_key, home=home, **_place(loc))


async def _one_view(uow: UnitOfWork, loc: Location) -> LocationView:
    org = await org_by_id(uow, loc.org_id)
    employees = await uow.repo(Locations).employee_keys_by_id([loc.home_employee_id])
    return _view(loc, org.key, employees.get(loc.home_employee_id or 0))


async def location_keys(uow: UnitOfWork, ids: Sequence[int]) -> dict[int, tuple[str, int]]:
    """Location id -> (key, owning organisation id), for the views of other capabilities."""
    return await uow.repo(Locations).keys_by_id(ids)


async def find_location(uow: UnitOfWork, key: str) -> Location | None:
    """A location by key, unscoped: for checks that name a place (the decision log's chain)."""
    return await uow.repo(Locations).get_by_key(key)


async def access_location(uow: UnitOfWork, actor: Actor, key: str, action: Action = Action.READ) -> Location:
    """The only way to reach a location: NotFound when absent or invisible, Forbidden when read-only."""
    row = await uow.repo(Locations).get_scoped(actor.scope, key, Action.READ)
    return await reach(uow, actor, row, f"location {key!r}", LOCATIONS, action)


async def list_locations(
    uow: UnitOfWork,
    actor: Actor,
    *,
    org: str | None = None,
    q: str | None = None,
    publish: bool | None = None,
    home: bool | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> Page[LocationView]:
    prefix = await subtree_filter(uow, actor, org)
    rows = await uow.repo(Locations).list_scoped(
        actor.scope,
        org_prefix=prefix,
        q=q,
        publish=publish,
        home=home,
        after_id=decode_cursor(cursor),
        limit=limit + 1,
    )
    orgs = await org_keys(uow, [r.org_id for r in rows])
    employees = await uow.repo(Locations).employee_keys_by_id([r.home_employee_id for r in rows])
    return page_of(
        rows,
        limit,
        lambda r: r.id,
        lambda r: _view(r, orgs[r.org_id], employees.get(r.home_employee_id or 0)),
    )


async def get_location(uow: UnitOfWork, actor: Actor, key: str) -> LocationView:
    return await _one_view(uow, await access_location(uow, actor, key))


async def _home_employee_id(uow: UnitOfWork, actor: Actor, spec: LocationSpec) -> int | None:
    if not spec.home:
        return None
    if spec.home_employee is None:
        raise InvalidInput("home.employee", "a home charger names the employee it belongs to")
    employee = await uow.repo(Locations).get_employee_scoped(actor.scope, spec.home_employee)
    if employee is None:
        raise InvalidInput("home.employee", f"employee {spec.home_employee!r} not found")
    return employee.id


def checked(spec: LocationSpec) -> LocationSpec:
    """The spec with every field rule applied (InvalidInput names the field)."""
    address = assets.check_address(spec.address)
    coordinates = assets.check_coordinates(spec.coordinates)
    assets.check_publishable(spec.publish, address, coordinates)
    return dataclasses.replace(
        spec,
        timezone=assets.check_timezone(spec.timezone),
        address=address,
        coordinates=coordinates,
        grid_limit_kw=assets.check_power(spec.grid_limit_kw, "grid_limit_kw", assets.MAX_GRID_LIMIT_KW),
        admit_station_prefix=check_station_prefix(spec.admit_station_prefix),
    )


def check_station_prefix(prefix: str | None, path: str = "admit_station_prefix") -> str | None:
    """The start of OCPP identities: the characters a station id may have, 1 to 48 of them."""
    if prefix is None:
        return None
    if not _STATION_PREFIX.match(prefix):
        raise InvalidInput(
            path, "a station id prefix has 1 to 48 of the characters A-Z a-z 0-9 * - _ = + | @ ."
        )
    return prefix


async def _check_prefix_free(uow: UnitOfWork, spec: LocationSpec, loc: Location | None) -> None:
    prefix = spec.admit_station_prefix
    if prefix is None or (loc is not None and loc.admit_station_prefix == prefix):
        return
    holder = await uow.repo(Locations).get_by_station_prefix(prefix)
    if holder is not None and holder is not loc:
        # Not named: the other location may be outside what the caller can see.
        raise Conflict(
            f"admit_station_prefix: another location already admits stations starting with {prefix!r}"
        )


def spec_of(loc: Location, org: str, home_employee: str | None) -> LocationSpec:
    """The location as it is stored, given the keys of its organisation and home employee."""
    employee = home_employee if loc.is_home else None
    return copy_of(LocationSpec, loc, org=org, home=loc.is_home, home_employee=employee, **_place(loc))


def _write(loc: Location, spec: LocationSpec, org_id: int, employee_id: int | None) -> None:
    loc.org_id = org_id
    loc.key, loc.name, loc.timezone, loc.publish = spec.key, spec.name, spec.timezone, spec.publish
    loc.street, loc.city = spec.address.street, spec.address.city
    loc.postal_code, loc.country = spec.address.postal_code, spec.address.country
    loc.latitude = spec.coordinates.lat if spec.coordinates else None
    loc.longitude = spec.coordinates.lon if spec.coordinates else None
    loc.grid_limit_kw = spec.grid_limit_kw
    loc.is_home, loc.home_employee_id = spec.home, employee_id
    loc.admit_station_prefix = spec.admit_station_prefix
    loc.publish_allowed_to = spec.publish_allowed_to


async def apply_location(
    uow: UnitOfWork,
    actor: Actor,
    loc: Location,
    spec: LocationSpec,
    *,
    org_id: int,
    home_employee_id: int | None,
    before: LocationSpec | None,
) -> bool:
    """The one write of a location, for the API and the import: `spec` checked, its organisation
    and home employee resolved to ids by the caller; `before` None makes `loc` a new row. States
    it as LocationChanged (moved when its organisation changed). No access checks, no commit.
    Returns whether anything changed."""
    _write(loc, spec, org_id, home_employee_id)
    if before is None:
        uow.repo(Locations).add(loc)
        await uow.flush()
        event = partial(LocationChanged, location_id=loc.id)
        await created(uow, actor, "location", spec.key, org_id, location_snapshot(spec), event=event)
        return True
    event = partial(LocationChanged, location_id=loc.id, moved=spec.org != before.org)
    after = location_snapshot(spec)
    return await updated(
        uow, actor, "location", before.key, org_id, location_snapshot(before), after, event=event
    )


async def create_location(uow: UnitOfWork, actor: Actor, spec: LocationSpec) -> LocationView:
    spec = checked(spec)
    org = await target_org(uow, actor, spec.org, LOCATIONS)
    employee_id = await _home_employee_id(uow, actor, spec)
    if await uow.repo(Locations).get_by_key(spec.key) is not None:
        raise Conflict(f"key: a location {spec.key!r} already exists")
    await _check_prefix_free(uow, spec, None)
    loc = Location()
    await apply_location(uow, actor, loc, spec, org_id=org.id, home_employee_id=employee_id, before=None)
    view = await _one_view(uow, loc)
    await uow.commit()
    return view


async def _stored_spec(uow: UnitOfWork, loc: Location) -> LocationSpec:
    view = await _one_view(uow, loc)
    return spec_of(loc, view.org, view.home.employee if view.home else None)


async def update_location(
    uow: UnitOfWork, actor: Actor, key: str, changes: Mapping[str, Any]
) -> LocationView:
    """`changes` holds LocationSpec fields (not `key`); a field absent stays as it is."""
    loc = await access_location(uow, actor, key, Action.WRITE)
    current = await _stored_spec(uow, loc)
    spec = checked(dataclasses.replace(current, **changes))
    org = await org_by_id(uow, loc.org_id)
    if spec.org != current.org:
        org = await target_org(uow, actor, spec.org, LOCATIONS)
    await _check_prefix_free(uow, spec, loc)
    employee_id = loc.home_employee_id
    if spec.home != current.home or spec.home_employee != current.home_employee:
        employee_id = await _home_employee_id(uow, actor, spec)
    await apply_location(uow, actor, loc, spec, org_id=org.id, home_employee_id=employee_id, before=current)
    await uow.flush()
    after = await _one_view(uow, loc)
    await uow.commit()
    return after


async def delete_location(uow: UnitOfWork, actor: Actor, key: str) -> None:
    loc = await access_location(uow, actor, key, Action.WRITE)
    if await uow.repo(Locations).has_stations(loc.id):
        raise Conflict(f"location {key!r} still has charging stations; move or delete them first")
    before = location_snapshot(await _stored_spec(uow, loc))
    event = partial(LocationChanged, location_id=loc.id)
    await deleted(uow, actor, "location", key, loc.org_id, before, event=event)
    await uow.repo(Locations).delete(loc)
    await uow.commit()
