"""`depotshare export`: the platform's set-up (or one organisation's subtree) written in the import
format, so that exporting, importing and exporting again gives the same text. The entry builders
here also give the import its before/after pictures for the audit log."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import BaseModel

from depotshare.config import Settings
from depotshare.domain.access.grant_terms import WHOLE_DAY, EvseRefIn, GrantIn, WindowIn
from depotshare.domain.access.grants import GrantStatus, PartnershipStatus
from depotshare.domain.access.partnerships import PartnershipIn, ShareIn
from depotshare.domain.access.tariffs import TariffElementIn, TariffIn
from depotshare.domain.access.windows import DAY_NAMES
from depotshare.domain.common.errors import NotFound
from depotshare.domain.fleet.tokens import TokenStatus, TokenType
from depotshare.domain.orgs import tree
from depotshare.domain.orgs.roles import Role
from depotshare.domain.roaming.parties import PartnerStatus, PartyRole, PublishTokenKind
from depotshare.domain.setup import ImportFile, dump_yaml
from depotshare.domain.setup.model import (
    AddressIn,
    ConnectorIn,
    CoordinatesIn,
    CostCentreIn,
    EmployeeIn,
    EvseIn,
    HomeIn,
    LocationIn,
    OrganisationIn,
    RoleIn,
    StationIn,
    TokenIn,
    UserIn,
    VehicleIn,
)
from depotshare.domain.setup.partners import InternalGrantIn
from depotshare.domain.setup.roaming import PublishTokenIn, RoamingPartnerIn
from depotshare.services.common.unit_of_work import UnitOfWork
from depotshare.services.runtime import Runtime
from depotshare.store.access.models import Grant, Partnership, Tariff
from depotshare.store.fleet.models import Employee, Token, Vehicle
from depotshare.store.orgs.models import Organisation, User
from depotshare.store.roaming.models import RoamingPartner
from depotshare.store.setup.importing import Catalogue, Catalogues
from depotshare.store.sites.models import ChargingStation, Location

M = TypeVar("M", bound=BaseModel)
E = TypeVar("E", bound=enum.Enum)


def _entry(model: type[M], **values: Any) -> M:
    """An entry setting exactly the keys that have a value (unset keys are not written)."""
    given = {k: v for k, v in values.items() if v is not None}
    return model.model_construct(set(given), **given)


def _enum(kind: type[E], value: str) -> E | str:
    try:
        return kind(value)
    except ValueError:
        return value  # written as stored; the import will name it if it is not valid


@dataclass(frozen=True)
class Export:
    text: str
    counts: dict[str, int]  # section -> entries written (organisations and stations nested included)

    @property
    def secrets(self) -> int:
        """Entries carrying a password hash or a token hash: the file is to be kept private."""
        return (
            self.counts.get("users", 0)
            + self.counts.get("stations", 0)
            + self.counts.get("roaming_partners", 0)
        )

    def describe(self) -> str:
        written = ", ".join(f"{n} {section.replace('_', ' ')}" for section, n in self.counts.items() if n)
        return written or "nothing (an empty platform)"


def export_counts(doc: ImportFile) -> dict[str, int]:
    def orgs(entries: list[OrganisationIn]) -> int:
        return sum(1 + orgs(e.children) for e in entries)

    return {
        "organisations": orgs(doc.organisations),
        "users": len(doc.users),
        "employees": len(doc.employees),
        "vehicles": len(doc.vehicles),
        "locations": len(doc.locations),
        "stations": sum(len(loc.stations or []) for loc in doc.locations),
        "tokens": len(doc.tokens),
        "tariffs": len(doc.tariffs),
        "roaming_partners": len(doc.roaming_partners or []),
        "partnerships": len(doc.partnerships),
        "internal_grants": len(doc.internal_grants),
    }


async def run_export(settings: Settings, org_key: str | None) -> Export:
    runtime = Runtime(settings)
    try:
        await runtime.require_current_schema()
        async with runtime.uow() as uow:
            doc = await export_document(uow, org_key)
    finally:
        await runtime.close()
    return Export(dump_yaml(doc), export_counts(doc))


async def export_document(uow: UnitOfWork, org_key: str | None) -> ImportFile:
    return build_document(await uow.repo(Catalogues).load(), org_key)


def build_document(cat: Catalogue, org_key: str | None) -> ImportFile:
    if org_key is None:
        roots = [o for o in cat.orgs.values() if o.parent_id is None]
        org_ids = set(cat.org_by_id)
    else:
        root = cat.orgs.get(org_key)
        if root is None:
            raise NotFound(f"organisation {org_key!r} not found")
        roots = [root]
        org_ids = {o.id for o in cat.orgs.values() if tree.is_within(o.path, root.path)}
    employees = [e for e in cat.employees.values() if e.org_id in org_ids]
    linked_logins = {e.user_id for e in employees if e.user_id is not None}
    users = [
        u
        for u in cat.users.values()
        if org_key is None or u.id in linked_logins or any(ra.org_id in org_ids for ra in cat.roles[u.id])
    ]
    # A subtree's partnerships and internal grants are those it hosts; the tariffs they use come along.
    partnerships = [p for p in cat.partnerships.values() if p.host_org_id in org_ids]
    used = {p.tariff_id for p in partnerships} if org_key is not None else set(cat.tariff_by_id)
    return _entry(
        ImportFile,
        organisations=organisation_forest(cat, roots),
        users=[user_entry(cat, u, None if org_key is None else org_ids) for u in users],
        employees=[employee_entry(cat, e) for e in employees],
        vehicles=[vehicle_entry(cat, v) for v in cat.vehicles.values() if v.org_id in org_ids],
        locations=[location_entry(cat, loc) for loc in cat.locations.values() if loc.org_id in org_ids],
        tokens=[token_entry(cat, t) for t in cat.tokens.values() if t.org_id in org_ids],
        tariffs=[tariff_entry(cat, t) for t in cat.tariffs.values() if t.id in used or t.org_id in org_ids],
        # Platform-wide OCPI parties: part of the whole platform's export, not of a subtree's.
        roaming_partners=[roaming_partner_entry(r) for r in cat.roaming_partners.values()]
        if org_key is None
        else None,
        partnerships=[partnership_entry(cat, p) for p in partnerships],
        internal_grants=[
            internal_grant_entry(cat, g) for g in cat.grants.get(None, []) if g.host_org_id in org_ids
        ],
    )


def organisation_forest(cat: Catalogue, roots: list[Organisation]) -> list[OrganisationIn]:
    children: dict[int, list[Organisation]] = {}
    for org in cat.orgs.values():
        if org.parent_id is not None:
            children.setdefault(org.parent_id, []).append(org)
    cost_centres: dict[int, list[CostCentreIn]] = {}
    for (org_id, _), cc in cat.cost_centres.items():
        cost_centres.setdefault(org_id, []).append(_entry(CostCentreIn, code=cc.code, name=cc.name))

    def entry(org: Organisation) -> OrganisationIn:
        return _entry(
            OrganisationIn,
            key=org.key,
            name=org.name,
            cost_centres=cost_centres.get(org.id, []),
            children=[entry(c) for c in children.get(org.id, [])],
        )

    return [entry(root) for root in roots]


def user_entry(cat: Catalogue, user: User, org_ids: Iterable[int] | None = None) -> UserIn:
    """A login with its roles (only those on `org_ids` when given)."""
    wanted = None if org_ids is None else set(org_ids)
    return _entry(
        UserIn,
        email=user.email,
        name=user.name,
        password_hash=user.password_hash,
        active=None if user.is_active else False,
        roles=[
            _entry(RoleIn, org=cat.org_key(ra.org_id), role=_enum(Role, ra.role))
            for ra in cat.roles.get(user.id, [])
            if wanted is None or ra.org_id in wanted
        ],
    )


def employee_entry(cat: Catalogue, e: Employee) -> EmployeeIn:
    return _entry(
        EmployeeIn,
        key=e.key,
        org=cat.org_key(e.org_id),
        name=e.name,
        email=e.email,
        cost_centre=cat.cost_centre_code(e.cost_centre_id),
        user=cat.user_email(e.user_id),
    )


def vehicle_entry(cat: Catalogue, v: Vehicle) -> VehicleIn:
    return _entry(
        VehicleIn,
        key=v.key,
        org=cat.org_key(v.org_id),
        plate=v.plate,
        description=v.description,
        cost_centre=cat.cost_centre_code(v.cost_centre_id),
        employee=cat.employee_key(v.employee_id),
    )


def location_entry(cat: Catalogue, loc: Location, with_stations: bool = True) -> LocationIn:
    address = (loc.street, loc.city, loc.postal_code, loc.country)
    has_coordinates = loc.latitude is not None and loc.longitude is not None
    home = cat.employee_key(loc.home_employee_id) if loc.is_home else None
    return _entry(
        LocationIn,
        key=loc.key,
        org=cat.org_key(loc.org_id),
        name=loc.name,
        timezone=loc.timezone,
        address=_entry(AddressIn, **dict(zip(AddressIn.model_fields, address, strict=True)))
        if any(v is not None for v in address)
        else None,
        coordinates=_entry(CoordinatesIn, lat=loc.latitude, lon=loc.longitude) if has_coordinates else None,
        publish=loc.publish,
        publish_allowed_to=[publish_token_entry(p) for p in loc.publish_allowed_to or []],
        grid_limit_kw=loc.grid_limit_kw,
        home=_entry(HomeIn, employee=home) if home else None,
        admit_station_prefix=loc.admit_station_prefix,
        stations=[station_entry(cat, s) for s in cat.stations.values() if s.location_id == loc.id]
        if with_stations
        else None,
    )


def publish_token_entry(stored: dict[str, Any]) -> PublishTokenIn:
    kind = stored.get("type")
    return _entry(
        PublishTokenIn,
        uid=stored.get("uid"),
        type=_enum(PublishTokenKind, kind) if kind is not None else None,
        visual_number=stored.get("visual_number"),
        issuer=stored.get("issuer"),
        group_id=stored.get("group_id"),
    )


def roaming_partner_entry(r: RoamingPartner) -> RoamingPartnerIn:
    """The credentials token is never written in clear: its sha256 imports back as token_hash."""
    return _entry(
        RoamingPartnerIn,
        key=r.key,
        name=r.name,
        country_code=r.country_code,
        party_id=r.party_id,
        role=_enum(PartyRole, r.role),
        token_hash=r.token_hash,
        status=None if r.status == PartnerStatus.ACTIVE else _enum(PartnerStatus, r.status),
    )


def station_entry(cat: Catalogue, station: ChargingStation) -> StationIn:
    return _entry(
        StationIn,
        id=station.ocpp_id,
        password_hash=station.password_hash,
        evses=[
            _entry(
                EvseIn,
                id=evse.evse_id,
                connectors=[
                    _entry(ConnectorIn, id=c.connector_id, standard=c.standard, max_kw=c.max_kw)
                    for c in cat.connectors.get(evse.id, {}).values()
                ],
            )
            for evse in cat.evses.get(station.id, {}).values()
        ],
    )


def token_entry(cat: Catalogue, t: Token) -> TokenIn:
    return _entry(
        TokenIn,
        uid=t.uid,
        org=cat.org_key(t.org_id),
        type=_enum(TokenType, t.type),
        status=_enum(TokenStatus, t.status),
        group=t.group_id,
        valid_from=t.valid_from,
        valid_until=t.valid_until,
        employee=cat.employee_key(t.employee_id),
        vehicle=cat.vehicle_key(t.vehicle_id),
        cost_centre=cat.cost_centre_code(t.cost_centre_id),
        label=t.label,
    )


def tariff_entry(cat: Catalogue, t: Tariff) -> TariffIn:
    return _entry(
        TariffIn,
        key=t.key,
        owner=cat.org_key(t.org_id),
        currency=t.currency,
        elements=[TariffElementIn.model_validate(e) for e in t.elements],
    )


def partnership_entry(cat: Catalogue, p: Partnership, with_grants: bool = True) -> PartnershipIn:
    return _entry(
        PartnershipIn,
        key=p.key,
        host=cat.org_key(p.host_org_id),
        partner=cat.org_key(p.partner_org_id),
        status=_enum(PartnershipStatus, p.status),
        valid_from=p.valid_from,
        valid_until=p.valid_until,
        tariff=cat.tariff_by_id[p.tariff_id].key if p.tariff_id is not None else None,
        revenue_share=[ShareIn.model_validate(s) for s in p.revenue_share],
        grants=[grant_entry(cat, g) for g in cat.grants.get(p.id, [])] if with_grants else None,
    )


def grant_entry(cat: Catalogue, g: Grant) -> GrantIn:
    """A grant as the file writes it: one window as days/hours, several as windows."""
    scopes = cat.scopes.get(g.id, [])
    places: dict[str, Any] = {}
    if scopes and scopes[0].location_id is not None:
        places["locations"] = [cat.location_by_id[s.location_id].key for s in scopes if s.location_id]
    elif scopes and scopes[0].evse_id is not None:
        places["evses"] = [
            _entry(EvseRefIn, station=cat.station_by_id[s.station_id].ocpp_id, evse=s.evse_id)
            for s in scopes
            if s.station_id
        ]
    else:
        places["stations"] = [cat.station_by_id[s.station_id].ocpp_id for s in scopes if s.station_id]
    windows = [_window(w) for w in g.windows]
    one = windows[0] if len(windows) == 1 else None
    return _entry(
        GrantIn,
        key=g.key,
        **places,
        group=g.group_id,
        days=one.days if one else None,
        hours=one.hours if one else None,
        windows=windows if len(windows) > 1 else None,
        valid_from=g.valid_from,
        valid_until=g.valid_until,
        priority=g.priority,
        max_concurrent=g.max_concurrent,
        max_power_kw=g.max_power_kw,
        connector_standards=g.connector_standards,
        status=None if g.status == GrantStatus.ACTIVE else _enum(GrantStatus, g.status),
    )


def internal_grant_entry(cat: Catalogue, g: Grant) -> InternalGrantIn:
    """An explicit internal grant: its host, its subject (left out for the host's whole fleet),
    then the keys of a partnership grant."""
    terms = grant_entry(cat, g)
    return _entry(
        InternalGrantIn,
        host=cat.org_key(g.host_org_id),
        subject=cat.org_key(g.subject_org_id),
        **{name: getattr(terms, name) for name in terms.model_fields_set},
    )


def _window(stored: dict[str, Any]) -> WindowIn:
    days = list(stored["days"])
    hours = (stored["start"], stored["end"])
    return _entry(
        WindowIn,
        days=None if tuple(days) == DAY_NAMES else days,
        hours=None if hours == WHOLE_DAY else "-".join(hours),
    )
