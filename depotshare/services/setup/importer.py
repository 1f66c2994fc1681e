"""`depotshare import FILE.yaml`: a declarative set-up applied all-or-nothing in one transaction.
Objects are matched by natural key and only what differs is written, so a second import of the
same file changes nothing; every object created or changed gets an audit entry."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel

from depotshare.config import Settings
from depotshare.domain.common.actor import Actor
from depotshare.domain.common.errors import InvalidInput
from depotshare.domain.common.events import Changed
from depotshare.domain.common.inputs import Entry
from depotshare.domain.orgs import tree
from depotshare.domain.setup import ImportFile, ImportSummary, Known, Plan, read_text, resolve
from depotshare.domain.setup.model import (
    CostCentreIn,
    EmployeeIn,
    LocationIn,
    StationIn,
    TokenIn,
    UserIn,
    VehicleIn,
)
from depotshare.domain.setup.roaming import stored_publish_tokens
from depotshare.services.access.local_list_marks import mark_all
from depotshare.services.common.unit_of_work import UnitOfWork
from depotshare.services.orgs import security
from depotshare.services.orgs.organisations import add_organisation, move_organisation
from depotshare.services.runtime import Runtime
from depotshare.services.setup import exporter
from depotshare.services.setup.importer_partners import PartnerWriter
from depotshare.services.setup.importer_roaming import RoamingWriter
from depotshare.store.fleet.models import CostCentre, Employee, Token, Vehicle
from depotshare.store.orgs.models import Organisation, RoleAssignment, User
from depotshare.store.setup.importing import Catalogue, load_catalogue, refresh_organisations
from depotshare.store.sites.models import ChargingStation, Connector, Evse, Location

Row = TypeVar("Row", Employee, Vehicle, Location, Token)


async def run_import_file(settings: Settings, path: Path) -> ImportSummary:
    """The CLI use case: read, check, apply, commit; returns the summary to print."""
    doc = read_import_file(path)
    runtime = Runtime(settings)
    try:
        await runtime.require_current_schema()
        async with runtime.uow() as uow:
            summary = await import_document(uow, doc, Actor.system(f"import {path.name}"), path.name)
    finally:
        await runtime.close()
    return summary


def read_import_file(path: Path) -> ImportFile:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InvalidInput(str(path), "no such file") from None
    except (OSError, UnicodeDecodeError) as e:
        raise InvalidInput(str(path), f"cannot read the file ({e})") from None
    return read_text(text)


async def import_document(
    uow: UnitOfWork, doc: ImportFile, actor: Actor, source: str = "import"
) -> ImportSummary:
    """Check `doc` against the database, then apply it and commit once. Nothing is written on error."""
    catalogue = await load_catalogue(uow.session)
    plan = resolve(doc, _known(catalogue))
    writer = _Writer(uow, actor, catalogue, plan, ImportSummary(source))
    await writer.run()
    if writer.summary.changed:  # grants, tokens, partnerships or stations: every list is due
        await mark_all(uow)
    await uow.commit()
    return writer.summary


def _known(cat: Catalogue) -> Known:
    return Known(
        org_parents={o.key: cat.org_key(o.parent_id) for o in cat.orgs.values()},
        cost_centres=frozenset((cat.org_by_id[org_id].key, code) for org_id, code in cat.cost_centres),
        users=frozenset(cat.users),
        employees={e.key: cat.org_by_id[e.org_id].key for e in cat.employees.values()},
        vehicles={v.key: cat.org_by_id[v.org_id].key for v in cat.vehicles.values()},
        station_prefixes={
            loc.admit_station_prefix: loc.key for loc in cat.locations.values() if loc.admit_station_prefix
        },
        locations={loc.key: cat.org_by_id[loc.org_id].key for loc in cat.locations.values()},
        stations={s.ocpp_id: cat.location_by_id[s.location_id].key for s in cat.stations.values()},
        evses=frozenset(
            (cat.station_by_id[station_id].ocpp_id, number)
            for station_id, evses in cat.evses.items()
            for number in evses
        ),
        tariffs={t.key: cat.org_key(t.org_id) for t in cat.tariffs.values()},
        partnership_keys={
            p.key: (cat.org_by_id[p.host_org_id].key, cat.org_by_id[p.partner_org_id].key)
            for p in cat.partnerships.values()
            if p.key is not None
        },
        roaming_partners={
            r.key: ((r.country_code, r.party_id, r.role), r.token_hash) for r in cat.roaming_partners.values()
        },
    )


def _audit_picture(entry: BaseModel) -> dict[str, Any]:
    """An entry as the audit log keeps it: no password hashes, a location without its stations."""
    picture = entry.model_dump(mode="json", exclude_none=True, exclude={"password_hash", "stations"})
    return {k: v for k, v in picture.items() if v != []}


# Each entry key of an asset, and the columns it sets.
Columns = dict[str, dict[str, Any]]


class _Writer:
    def __init__(
        self, uow: UnitOfWork, actor: Actor, cat: Catalogue, plan: Plan, summary: ImportSummary
    ) -> None:
        self.uow, self.actor, self.cat, self.plan, self.summary = uow, actor, cat, plan, summary
        self.session = uow.session

    async def run(self) -> None:
        doc = self.plan.doc
        await self.organisations()
        for user in doc.users:
            await self.user(user)
        for e in doc.employees:
            await self.upsert(
                "employees", "employee", Employee, e, self.cat.employees, self.employee_columns(e)
            )
        for v in doc.vehicles:
            await self.upsert("vehicles", "vehicle", Vehicle, v, self.cat.vehicles, self.vehicle_columns(v))
        for loc in doc.locations:
            row = await self.upsert(
                "locations", "location", Location, loc, self.cat.locations, self.location_columns(loc)
            )
            for station in loc.stations:
                await self.station(row, station)
        for t in doc.tokens:
            await self.upsert("tokens", "token", Token, t, self.cat.tokens, self.token_columns(t))
        partners = PartnerWriter(self.uow, self.cat, self.summary, self.record)
        for tariff in doc.tariffs:
            await partners.tariff(tariff)
        roaming = RoamingWriter(self.uow, self.cat, self.summary, self.record)
        for roaming_partner in doc.roaming_partners:
            await roaming.partner(roaming_partner)
        for partnership in doc.partnerships:
            await partners.partnership(partnership)
        await partners.internal_grants(doc.internal_grants)

    def count(self, section: str, created: bool, changed: bool) -> None:
        self.summary.sections[section].count(created, changed)

    async def record(
        self,
        entity: str,
        entity_id: str | int,
        org_id: int | None,
        before: Any,
        after: Any,
        action: str | None = None,
    ) -> None:
        action = action or ("create" if before is None else "update")
        await self.uow.emit(
            Changed(
                actor=self.actor,
                entity=entity,
                entity_id=entity_id,
                action=action,
                org_id=org_id,
                before=before,
                after=after,
            )
        )

    # --- organisations and cost centres ------------------------------------------------------

    def org_picture(self, org: Organisation) -> dict[str, Any]:
        return {"key": org.key, "name": org.name, "parent": self.cat.org_key(org.parent_id)}

    async def organisations(self) -> None:
        for placed in self.plan.organisations:
            entry = placed.entry
            parent = self.cat.orgs[placed.parent] if placed.parent else None
            org = self.cat.orgs.get(entry.key)
            if org is None:
                org = await add_organisation(self.uow, key=entry.key, name=entry.name, parent=parent)
                self.cat.add(org)
                await self.record("organisation", org.key, org.id, None, self.org_picture(org))
                self.count("organisations", True, False)
            else:
                before = self.org_picture(org)
                org.name = entry.name if org.name != entry.name else org.name
                if placed.placed and org.parent_id != (parent.id if parent else None):
                    tree.check_move(org.path, parent.path if parent else None)
                    await self.uow.flush()  # a refresh below must not lose pending changes
                    await move_organisation(self.uow, org, parent)
                    await refresh_organisations(self.session)
                after = self.org_picture(org)
                if after != before:
                    await self.record("organisation", org.key, org.id, before, after)
                self.count("organisations", False, after != before)
            for cc in entry.cost_centres:
                await self.cost_centre(org, cc)

    async def cost_centre(self, org: Organisation, entry: CostCentreIn) -> None:
        row = self.cat.cost_centres.get((org.id, entry.code))
        picture = {"org": org.key, "code": entry.code, "name": entry.name}
        if row is None:
            row = CostCentre(org_id=org.id, code=entry.code, name=entry.name)
            self.session.add(row)
            await self.uow.flush()
            self.cat.add(row)
            await self.record("cost_centre", row.id, org.id, None, picture)
            self.count("cost_centres", True, False)
            return
        changed = row.name != entry.name
        if changed:
            await self.record("cost_centre", row.id, org.id, {**picture, "name": row.name}, picture)
            row.name = entry.name
        self.count("cost_centres", False, changed)

    # --- logins ----------------------------------------------------------------------------------

    async def user(self, entry: UserIn) -> None:
        row = self.cat.users.get(entry.email)
        created = row is None
        if row is None:
            row = User(email=entry.email, name=entry.name, is_active=entry.active)
            _set_password(row, entry)
            self.session.add(row)
            await self.uow.flush()
            self.cat.add(row)
        before = {"email": row.email, "name": row.name, "is_active": row.is_active}
        given = entry.model_fields_set
        if "name" in given:
            row.name = entry.name
        if "active" in given:
            row.is_active = entry.active
        after: dict[str, Any] = {"email": row.email, "name": row.name, "is_active": row.is_active}
        if not created and _password_changes(row, entry):
            after["password"] = "changed"
        added = await self.roles(row, entry, created)
        if created:
            after["roles"] = [[r.role.value, r.org] for r in entry.roles]
            await self.record("user", row.id, added[0] if added else None, None, after)
        elif after != before:
            await self.record("user", row.id, self.home_org(row), before, after)
        self.count("users", created, after != before or bool(added))

    async def roles(self, user: User, entry: UserIn, created: bool) -> list[int | None]:
        """Add the roles the file gives and the login lacks; roles it does not name stay."""
        held = {(ra.org_id, ra.role) for ra in self.cat.roles.get(user.id, [])}
        added: list[int | None] = []
        for role in entry.roles:
            org_id = self.cat.orgs[role.org].id if role.org else None
            if (org_id, role.role.value) in held:
                continue
            ra = RoleAssignment(user_id=user.id, org_id=org_id, role=role.role.value)
            self.session.add(ra)
            await self.uow.flush()
            self.cat.add(ra)
            held.add((org_id, role.role.value))
            added.append(org_id)
            if not created:
                after = {"user": user.email, "role": role.role.value, "org": role.org}
                await self.record("role_assignment", user.id, org_id, None, after)
        return added

    def home_org(self, user: User) -> int | None:
        return next((ra.org_id for ra in self.cat.roles.get(user.id, []) if ra.org_id is not None), None)

    # --- assets ----------------------------------------------------------------------------------

    async def upsert(
        self,
        section: str,
        entity: str,
        model: type[Row],
        entry: Entry,
        existing: dict[str, Row],
        columns: Columns,
    ) -> Row:
        """Create the row, or change the columns of the keys the entry gives; audit either."""
        key: str = getattr(entry, "uid" if model is Token else "key")
        picture = _PICTURES[model]
        row = existing.get(key)
        if row is None:
            values = {c: v for cols in columns.values() for c, v in cols.items()}
            row = model(**{"uid" if model is Token else "key": key}, **values)
            self.session.add(row)
            await self.uow.flush()
            self.cat.add(row)
            await self.record(entity, key, row.org_id, None, _audit_picture(picture(self.cat, row)))
            self.count(section, True, False)
            return row
        wanted = {
            c: v for name, cols in columns.items() if name in entry.model_fields_set for c, v in cols.items()
        }
        changes = {c: v for c, v in wanted.items() if getattr(row, c) != v}
        if changes:
            before = _audit_picture(picture(self.cat, row))
            for column, value in changes.items():
                setattr(row, column, value)
            await self.record(entity, key, row.org_id, before, _audit_picture(picture(self.cat, row)))
        self.count(section, False, bool(changes))
        return row

    def org_id(self, key: str) -> int:
        return self.cat.orgs[key].id

    def cost_centre_id(self, org: str, code: str | None) -> int | None:
        if code is None:
            return None
        owner = self.plan.cost_centre_owner(org, code)
        assert owner is not None  # resolve() checked it
        return self.cat.cost_centres[(self.org_id(owner), code)].id

    def employee_id(self, key: str | None) -> int | None:
        return self.cat.employees[key].id if key else None

    def employee_columns(self, e: EmployeeIn) -> Columns:
        return {
            "org": {"org_id": self.org_id(e.org)},
            "name": {"name": e.name},
            "email": {"email": e.email},
            "cost_centre": {"cost_centre_id": self.cost_centre_id(e.org, e.cost_centre)},
            "user": {"user_id": self.cat.users[e.user].id if e.user else None},
        }

    def vehicle_columns(self, v: VehicleIn) -> Columns:
        return {
            "org": {"org_id": self.org_id(v.org)},
            "plate": {"plate": v.plate},
            "description": {"description": v.description},
            "cost_centre": {"cost_centre_id": self.cost_centre_id(v.org, v.cost_centre)},
            "employee": {"employee_id": self.employee_id(v.employee)},
        }

    def location_columns(self, loc: LocationIn) -> Columns:
        a, c = loc.address, loc.coordinates
        return {
            "org": {"org_id": self.org_id(loc.org)},
            "name": {"name": loc.name},
            "timezone": {"timezone": loc.timezone},
            "address": {
                "street": a.street if a else None,
                "city": a.city if a else None,
                "postal_code": a.postal_code if a else None,
                "country": a.country if a else None,
            },
            "coordinates": {"latitude": c.lat if c else None, "longitude": c.lon if c else None},
            "publish": {"publish": loc.publish},
            "publish_allowed_to": {"publish_allowed_to": stored_publish_tokens(loc.publish_allowed_to)},
            "grid_limit_kw": {"grid_limit_kw": loc.grid_limit_kw},
            "home": {
                "is_home": loc.home is not None,
                "home_employee_id": self.employee_id(loc.home.employee) if loc.home else None,
            },
            "admit_station_prefix": {"admit_station_prefix": loc.admit_station_prefix},
        }

    def token_columns(self, t: TokenIn) -> Columns:
        return {
            "org": {"org_id": self.org_id(t.org)},
            "type": {"type": t.type.value},
            "status": {"status": t.status.value},
            "group": {"group_id": t.group},
            "valid_from": {"valid_from": t.valid_from},
            "valid_until": {"valid_until": t.valid_until},
            "employee": {"employee_id": self.employee_id(t.employee)},
            "vehicle": {"vehicle_id": self.cat.vehicles[t.vehicle].id if t.vehicle else None},
            "cost_centre": {"cost_centre_id": self.cost_centre_id(t.org, t.cost_centre)},
            "label": {"label": t.label},
        }

    # --- stations --------------------------------------------------------------------------------

    async def station(self, location: Location, entry: StationIn) -> None:
        """A station with its EVSEs and connectors; EVSEs and connectors the file omits stay."""
        row = self.cat.stations.get(entry.id)
        before = None if row is None else self.station_picture(row)
        changed = password_changed = row is None
        if row is None:
            row = ChargingStation(location_id=location.id, ocpp_id=entry.id)
            _set_password(row, entry)
            self.session.add(row)
            await self.uow.flush()
            self.cat.add(row)
        else:
            if row.location_id != location.id:
                row.location_id, changed = location.id, True
            password_changed = _password_changes(row, entry)
            changed = changed or password_changed
        changed = await self.evses(row, entry) or changed
        if changed:
            after = self.station_picture(row)
            if before is not None and password_changed:
                after["password"] = "changed"
            await self.record("station", row.ocpp_id, location.org_id, before, after)
        self.count("stations", before is None, changed)

    def station_picture(self, row: ChargingStation) -> dict[str, Any]:
        location = self.cat.location_by_id[row.location_id]
        return {"location": location.key, **_audit_picture(exporter.station_entry(self.cat, row))}

    async def evses(self, station: ChargingStation, entry: StationIn) -> bool:
        changed = False
        for evse in entry.evses:
            evse_row = self.cat.evses[station.id].get(evse.id)
            if evse_row is None:
                evse_row = Evse(station_id=station.id, evse_id=evse.id)
                self.session.add(evse_row)
                await self.uow.flush()
                self.cat.add(evse_row)
                changed = True
            for c in evse.connectors:
                connector = self.cat.connectors[evse_row.id].get(c.id)
                if connector is None:
                    connector = Connector(
                        evse_pk=evse_row.id, connector_id=c.id, standard=c.standard, max_kw=c.max_kw
                    )
                    self.session.add(connector)
                    await self.uow.flush()
                    self.cat.add(connector)
                    changed = True
                    continue
                if connector.standard != c.standard:
                    connector.standard, changed = c.standard, True
                if "max_kw" in c.model_fields_set and connector.max_kw != c.max_kw:
                    connector.max_kw, changed = c.max_kw, True
        return changed


_PICTURES: dict[type[Any], Callable[[Catalogue, Any], BaseModel]] = {
    Employee: exporter.employee_entry,
    Vehicle: exporter.vehicle_entry,
    Location: lambda cat, row: exporter.location_entry(cat, row, with_stations=False),
    Token: exporter.token_entry,
}


def _set_password(row: User | ChargingStation, entry: UserIn | StationIn) -> None:
    """The credentials of a new row: a password is hashed (with its keyed check), a hash kept."""
    if entry.password is not None:
        row.password_hash = security.hash_password(entry.password)
        row.password_check = security.password_check(row.password_hash, entry.password)
    else:
        row.password_hash, row.password_check = entry.password_hash, None


def _password_changes(row: User | ChargingStation, entry: UserIn | StationIn) -> bool:
    """Set the password the file gives unless the stored one is it already. The keyed check answers
    that without argon2 (an unchanged file re-imports in well under a second per login); only a
    row without a current check (set by the API, another secret) is verified with argon2 once, and
    gets its check then, which changes no credential and so counts as unchanged."""
    if entry.password is not None:
        if security.check_matches(row.password_check, row.password_hash, entry.password):
            return False
        if row.password_hash is not None and security.verify_password(row.password_hash, entry.password):
            row.password_check = security.password_check(row.password_hash, entry.password)
            return False
        _set_password(row, entry)
        return True
    if entry.password_hash is not None and row.password_hash != entry.password_hash:
        _set_password(row, entry)
        return True
    return False
