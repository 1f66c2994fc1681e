"""The facts a charge is authorised and attributed on: the site of the station it happens at and
the token it names, each read in one query."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from depotshare.store.common.repository import Repository
from depotshare.store.fleet.models import Employee, Token, Vehicle
from depotshare.store.orgs.models import Organisation
from depotshare.store.sites.models import ChargingStation, Location


@dataclass(frozen=True)
class SiteRow:
    """Where a station stands and who owns it, read in one query."""

    station_id: int
    location_id: int
    org_id: int
    org_path: str
    timezone: str
    home_employee_id: int | None  # set for a home charger


@dataclass(frozen=True)
class TokenRow:
    id: int
    uid: str
    type: str
    status: str
    org_id: int
    org_path: str
    valid_from: date | None
    valid_until: date | None
    group_id: str | None
    employee_id: int | None
    vehicle_id: int | None
    cost_centre_id: int | None  # the token's own
    employee_cost_centre_id: int | None  # its employee's
    vehicle_cost_centre_id: int | None  # its vehicle's


class ChargeFacts(Repository):
    async def site_of(self, station_id: int) -> SiteRow | None:
        row = (
            await self.session.execute(
                select(
                    ChargingStation.id,
                    Location.id.label("location_id"),
                    Location.org_id,
                    Organisation.path,
                    Location.timezone,
                    Location.is_home,
                    Location.home_employee_id,
                )
                .join(Location, Location.id == ChargingStation.location_id)
                .join(Organisation, Organisation.id == Location.org_id)
                .where(ChargingStation.id == station_id)
            )
        ).one_or_none()
        if row is None:
            return None
        home = row.home_employee_id if row.is_home else None
        return SiteRow(row.id, row.location_id, row.org_id, row.path, row.timezone, home)

    async def tokens_by_uid(self, uids: Sequence[str]) -> list[TokenRow]:
        """Tokens with their organisation's path and the cost centres of the token, its employee
        and its vehicle (which one a session is booked to is the domain's rule:
        charging/attribution.py)."""
        rows = await self.session.execute(
            select(Token, Organisation.path, Employee.cost_centre_id, Vehicle.cost_centre_id)
            .join(Organisation, Organisation.id == Token.org_id)
            .outerjoin(Employee, Employee.id == Token.employee_id)
            .outerjoin(Vehicle, Vehicle.id == Token.vehicle_id)
            .where(Token.uid.in_(uids))
        )
        return [
            TokenRow(
                t.id,
                t.uid,
                t.type,
                t.status,
                t.org_id,
                path,
                t.valid_from,
                t.valid_until,
                t.group_id,
                t.employee_id,
                t.vehicle_id,
                t.cost_centre_id,
                employee_cc,
                vehicle_cc,
            )
            for t, path, employee_cc, vehicle_cc in rows
        ]
