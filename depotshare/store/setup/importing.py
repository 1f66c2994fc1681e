"""Everything the import and the export read: the whole set-up of the platform, loaded once and
indexed by natural key. Imports are operator tools run on the set-up (organisations, logins,
assets), not on sessions, so holding it in memory is cheap and keeps the checks free of queries."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import select

from depotshare.store.access.models import Grant, GrantScope, Partnership, Tariff
from depotshare.store.common.repository import Repository
from depotshare.store.fleet.models import CostCentre, Employee, Token, Vehicle
from depotshare.store.orgs.models import Organisation, RoleAssignment, User
from depotshare.store.roaming.models import RoamingPartner
from depotshare.store.sites.models import ChargingStation, Connector, Evse, Location

Row = TypeVar("Row")


@dataclass
class Catalogue:
    """Rows by natural key (dicts keep id order, the order `export` writes) and by id."""

    orgs: dict[str, Organisation] = field(default_factory=dict)
    org_by_id: dict[int, Organisation] = field(default_factory=dict)
    cost_centres: dict[tuple[int, str], CostCentre] = field(default_factory=dict)  # (org id, code)
    cost_centre_by_id: dict[int, CostCentre] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)  # by email
    user_by_id: dict[int, User] = field(default_factory=dict)
    roles: dict[int, list[RoleAssignment]] = field(default_factory=dict)  # by user id
    employees: dict[str, Employee] = field(default_factory=dict)
    employee_by_id: dict[int, Employee] = field(default_factory=dict)
    vehicles: dict[str, Vehicle] = field(default_factory=dict)
    vehicle_by_id: dict[int, Vehicle] = field(default_factory=dict)
    locations: dict[str, Location] = field(default_factory=dict)
    stations: dict[str, ChargingStation] = field(default_factory=dict)  # by OCPP id
    evses: dict[int, dict[int, Evse]] = field(default_factory=dict)  # station pk -> EVSE number
    connectors: dict[int, dict[int, Connector]] = field(default_factory=dict)  # EVSE pk -> number
    tokens: dict[str, Token] = field(default_factory=dict)  # by uid
    location_by_id: dict[int, Location] = field(default_factory=dict)
    station_by_id: dict[int, ChargingStation] = field(default_factory=dict)
    tariffs: dict[str, Tariff] = field(default_factory=dict)
    tariff_by_id: dict[int, Tariff] = field(default_factory=dict)
    partnerships: dict[tuple[int, int], Partnership] = field(default_factory=dict)  # (host, partner)
    grants: dict[int | None, list[Grant]] = field(default_factory=dict)  # by partnership id
    scopes: dict[int, list[GrantScope]] = field(default_factory=dict)  # by grant id
    roaming_partners: dict[str, RoamingPartner] = field(default_factory=dict)  # by key

    def add(self, row: Any) -> None:
        """Index a row (loaded, or just flushed so that it has its id)."""
        match row:
            case Organisation():
                self.orgs[row.key], self.org_by_id[row.id] = row, row
            case CostCentre():
                self.cost_centres[(row.org_id, row.code)], self.cost_centre_by_id[row.id] = row, row
            case User():
                self.users[row.email], self.user_by_id[row.id] = row, row
                self.roles.setdefault(row.id, [])
            case RoleAssignment():
                self.roles.setdefault(row.user_id, []).append(row)
            case Employee():
                self.employees[row.key], self.employee_by_id[row.id] = row, row
            case Vehicle():
                self.vehicles[row.key], self.vehicle_by_id[row.id] = row, row
            case Location():
                self.locations[row.key], self.location_by_id[row.id] = row, row
            case ChargingStation():
                self.stations[row.ocpp_id], self.station_by_id[row.id] = row, row
                self.evses.setdefault(row.id, {})
            case Evse():
                self.evses.setdefault(row.station_id, {})[row.evse_id] = row
                self.connectors.setdefault(row.id, {})
            case Connector():
                self.connectors.setdefault(row.evse_pk, {})[row.connector_id] = row
            case Token():
                self.tokens[row.uid] = row
            case Tariff():
                self.tariffs[row.key], self.tariff_by_id[row.id] = row, row
            case Partnership():
                self.partnerships[(row.host_org_id, row.partner_org_id)] = row
                self.grants.setdefault(row.id, [])
            case Grant():
                self.grants.setdefault(row.partnership_id, []).append(row)
                self.scopes.setdefault(row.id, [])
            case GrantScope():
                self.scopes.setdefault(row.grant_id, []).append(row)
            case RoamingPartner():
                self.roaming_partners[row.key] = row
            case _:
                raise TypeError(f"not part of the set-up: {type(row).__name__}")

    def forget_grant(self, grant: Grant) -> None:
        self.grants[grant.partnership_id].remove(grant)
        self.scopes.pop(grant.id, None)

    def org_key(self, org_id: int | None) -> str | None:
        return self.org_by_id[org_id].key if org_id is not None else None

    def cost_centre_code(self, cost_centre_id: int | None) -> str | None:
        return self.cost_centre_by_id[cost_centre_id].code if cost_centre_id is not None else None

    def user_email(self, user_id: int | None) -> str | None:
        return self.user_by_id[user_id].email if user_id is not None else None

    def employee_key(self, employee_id: int | None) -> str | None:
        return self.employee_by_id[employee_id].key if employee_id is not None else None

    def vehicle_key(self, vehicle_id: int | None) -> str | None:
        return self.vehicle_by_id[vehicle_id].key if vehicle_id is not None else None


_TABLES: tuple[type[Any], ...] = (
    Organisation,
    CostCentre,
    User,
    RoleAssignment,
    Employee,
    Vehicle,
    Location,
    ChargingStation,
    Evse,
    Connector,
    Token,
    Tariff,
    Partnership,
    Grant,
    GrantScope,
    RoamingPartner,
)


class Catalogues(Repository):
    async def load(self) -> Catalogue:
        """The whole set-up, one query per table."""
        catalogue = Catalogue()
        for table in _TABLES:
            for row in (await self.session.scalars(select(table).order_by(table.id))).all():
                catalogue.add(row)
        return catalogue
