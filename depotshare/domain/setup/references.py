"""Cross-references of an import file against itself and what the database already holds: every
organisation, login, employee, vehicle and cost centre named exists, the organisation forest stays
a forest, and nothing links objects of two different customers (organisation trees)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from depotshare.domain.access.grant_terms import GrantIn, scope_of
from depotshare.domain.access.ownership import (
    check_internal_subject,
    check_internal_subject_at,
    check_partner_outside_host,
    check_place_owner,
    check_tariff_owner,
)
from depotshare.domain.access.partnerships import OPERATOR, PartnershipIn
from depotshare.domain.common.errors import Problems
from depotshare.domain.setup import roaming as roaming_import
from depotshare.domain.setup.model import ImportFile, OrganisationIn, walk_organisations
from depotshare.domain.setup.partners import InternalGrantIn


@dataclass(frozen=True)
class Known:
    """What the database holds, by natural key."""

    org_parents: Mapping[str, str | None] = field(default_factory=dict)  # org key -> parent key
    cost_centres: frozenset[tuple[str, str]] = frozenset()  # (org key, code)
    users: frozenset[str] = frozenset()  # emails
    employees: Mapping[str, str] = field(default_factory=dict)  # key -> org key
    vehicles: Mapping[str, str] = field(default_factory=dict)  # key -> org key
    station_prefixes: Mapping[str, str] = field(default_factory=dict)  # admit_station_prefix -> location key
    locations: Mapping[str, str] = field(default_factory=dict)  # key -> org key
    stations: Mapping[str, str] = field(default_factory=dict)  # OCPP id -> location key
    evses: frozenset[tuple[str, int]] = frozenset()  # (OCPP id, EVSE number)
    tariffs: Mapping[str, str | None] = field(default_factory=dict)  # key -> owner org key
    partnership_keys: Mapping[str, tuple[str, str]] = field(default_factory=dict)  # key -> (host, partner)
    # key -> ((country code, party id, role), token hash)
    roaming_partners: Mapping[str, tuple[tuple[str, str, str], str]] = field(default_factory=dict)


@dataclass(frozen=True)
class PlacedOrganisation:
    entry: OrganisationIn
    path: str
    # Where the file puts it: (True, parent key or None for a root), or (False, None) to leave an
    # existing organisation where it is (a top-level entry without `parent`).
    placed: bool
    parent: str | None


@dataclass(frozen=True)
class Plan:
    """A checked file and the organisation forest as it will be after the import."""

    doc: ImportFile
    organisations: list[PlacedOrganisation]  # parents before children
    parents: Mapping[str, str | None]
    cost_centres: frozenset[tuple[str, str]]

    def cost_centre_owner(self, org: str, code: str) -> str | None:
        """The organisation whose cost centre `code` is meant: `org` itself or its nearest ancestor."""
        current: str | None = org
        for _ in range(len(self.parents) + 1):
            if current is None:
                return None
            if (current, code) in self.cost_centres:
                return current
            current = self.parents.get(current)
        return None

    def is_within(self, org: str, ancestor: str) -> bool:
        """`org` is `ancestor` or below it."""
        current: str | None = org
        for _ in range(len(self.parents) + 1):
            if current is None:
                return False
            if current == ancestor:
                return True
            current = self.parents.get(current)
        return False

    def root_of(self, org: str) -> str:
        for _ in range(len(self.parents) + 1):
            parent = self.parents.get(org)
            if parent is None:
                return org
            org = parent
        return org


def resolve(doc: ImportFile, known: Known) -> Plan:
    problems = Problems()
    placed = _place(doc, known)
    parents = dict(known.org_parents)
    parents.update({p.entry.key: p.parent for p in placed})
    for p in placed:
        if p.placed and p.parent is not None and p.parent not in parents:
            problems.add(
                f"{p.path}.parent", f"organisation {p.parent!r} is neither in the file nor in the database"
            )
    problems.raise_if_any()
    _check_forest(placed, parents, problems)
    problems.raise_if_any()
    cost_centres = known.cost_centres | {
        (o.entry.key, cc.code) for o in placed for cc in o.entry.cost_centres
    }
    plan = Plan(doc, placed, parents, cost_centres)
    _References(plan, known, problems).check()
    problems.raise_if_any()
    return plan


def _place(doc: ImportFile, known: Known) -> list[PlacedOrganisation]:
    out: list[PlacedOrganisation] = []
    for org, enclosing, path in walk_organisations(doc.organisations):
        if enclosing is not None:
            out.append(PlacedOrganisation(org, path, True, enclosing))
        elif "parent" in org.model_fields_set or org.key not in known.org_parents:
            out.append(PlacedOrganisation(org, path, True, org.parent))
        else:
            out.append(PlacedOrganisation(org, path, False, known.org_parents[org.key]))
    return out


def _check_forest(
    placed: list[PlacedOrganisation], parents: Mapping[str, str | None], problems: Problems
) -> None:
    """Putting each organisation where the file says must not make it its own ancestor."""
    for p in (p for p in placed if p.placed):
        current, steps = p.parent, 0
        while current is not None and steps <= len(parents):
            if current == p.entry.key:
                where = f"{p.path}.parent" if "parent" in p.entry.model_fields_set else f"{p.path}.key"
                problems.add(
                    where, f"placing {p.entry.key!r} under {p.parent!r} would make it its own ancestor"
                )
                break
            current, steps = parents.get(current), steps + 1


class _References:
    def __init__(self, plan: Plan, known: Known, problems: Problems) -> None:
        doc = plan.doc
        self.plan, self.problems, self.known = plan, problems, known
        self.users = known.users | {u.email for u in doc.users}
        self.employees = {**known.employees, **{e.key: e.org for e in doc.employees}}
        self.vehicles = {**known.vehicles, **{v.key: v.org for v in doc.vehicles}}

    def check(self) -> None:
        doc = self.plan.doc
        for i, user in enumerate(doc.users):
            for j, role in enumerate(user.roles):
                if role.org is not None:
                    self.org(role.org, f"users[{i}].roles[{j}].org")
        for i, e in enumerate(doc.employees):
            here = f"employees[{i}]"
            if self.org(e.org, f"{here}.org"):
                self.cost_centre(e.org, e.cost_centre, f"{here}.cost_centre")
            if e.user is not None and e.user not in self.users:
                self.problems.add(
                    f"{here}.user", f"login {e.user!r} is neither in the file nor in the database"
                )
        for i, v in enumerate(doc.vehicles):
            here = f"vehicles[{i}]"
            if self.org(v.org, f"{here}.org"):
                self.cost_centre(v.org, v.cost_centre, f"{here}.cost_centre")
                self.linked(self.employees, "employee", v.employee, v.org, f"{here}.employee")
        for i, loc in enumerate(doc.locations):
            here = f"locations[{i}]"
            if self.org(loc.org, f"{here}.org") and loc.home is not None:
                self.linked(self.employees, "employee", loc.home.employee, loc.org, f"{here}.home.employee")
        self.station_prefixes()
        _Partners(self).check()
        self.roaming_partners()
        for i, t in enumerate(doc.tokens):
            here = f"tokens[{i}]"
            if self.org(t.org, f"{here}.org"):
                self.cost_centre(t.org, t.cost_centre, f"{here}.cost_centre")
                self.linked(self.employees, "employee", t.employee, t.org, f"{here}.employee")
                self.linked(self.vehicles, "vehicle", t.vehicle, t.org, f"{here}.vehicle")

    def station_prefixes(self) -> None:
        """A prefix held by a location the file leaves alone (or does not free) stays taken."""
        doc = self.plan.doc
        given = {
            loc.key: loc.admit_station_prefix
            for loc in doc.locations
            if "admit_station_prefix" in loc.model_fields_set
        }
        for i, loc in enumerate(doc.locations):
            prefix = loc.admit_station_prefix
            holder = self.known.station_prefixes.get(prefix) if prefix is not None else None
            if holder is not None and holder != loc.key and given.get(holder, prefix) == prefix:
                self.problems.add(
                    f"locations[{i}].admit_station_prefix",
                    f"location {holder!r} already admits stations starting with {prefix!r}",
                )

    def roaming_partners(self) -> None:
        """A new partner brings its token; the party and token of a stored partner the file does
        not list stay taken (two entries of the file are compared by check_rules)."""
        entries = self.plan.doc.roaming_partners
        listed = {e.key for e in entries}
        others = {k: v for k, v in self.known.roaming_partners.items() if k not in listed}
        for i, entry in enumerate(entries):
            here = f"roaming_partners[{i}]"
            stored = self.known.roaming_partners.get(entry.key)
            digest = roaming_import.token_hash_of(entry)
            if stored is None and digest is None:
                self.problems.add(
                    f"{here}.token",
                    "a new roaming partner needs its credentials token (token, or token_hash)",
                )
            role = entry.role.value if stored is None or "role" in entry.model_fields_set else stored[0][2]
            party = (entry.country_code, entry.party_id, role)
            for other, (other_party, other_hash) in others.items():
                if other_party == party:
                    self.problems.add(
                        f"{here}.party_id", f"roaming partner {other!r} already is {'/'.join(party)}"
                    )
                if digest is not None and other_hash == digest:
                    field = "token" if entry.token is not None else "token_hash"
                    self.problems.add(
                        f"{here}.{field}", f"roaming partner {other!r} already uses this credentials token"
                    )

    def org(self, key: str, path: str) -> bool:
        if key in self.plan.parents:
            return True
        self.problems.add(path, f"organisation {key!r} is neither in the file nor in the database")
        return False

    def cost_centre(self, org: str, code: str | None, path: str) -> None:
        if code is not None and self.plan.cost_centre_owner(org, code) is None:
            self.problems.add(path, f"no cost centre {code!r} in organisation {org!r} or above it")

    def linked(self, owners: Mapping[str, str], what: str, key: str | None, org: str, path: str) -> None:
        """A link to an employee or vehicle: it exists and belongs to the same customer."""
        if key is None:
            return
        owner = owners.get(key)
        if owner is None:
            self.problems.add(path, f"{what} {key!r} is neither in the file nor in the database")
        elif owner in self.plan.parents and self.plan.root_of(owner) != self.plan.root_of(org):
            self.problems.add(
                path, f"{what} {key!r} belongs to {owner!r}, outside the organisation tree of {org!r}"
            )


class _Partners:
    """Tariffs and partnerships: organisations exist, a partner is not part of the host's own
    tree, a tariff is the platform's or the host's (or above it), and every place a grant names
    belongs to the host's subtree."""

    def __init__(self, refs: _References) -> None:
        doc = refs.plan.doc
        self.refs, self.plan, self.problems = refs, refs.plan, refs.problems
        self.tariffs = {**refs.known.tariffs, **{t.key: t.owner for t in doc.tariffs}}
        self.locations = {**refs.known.locations, **{loc.key: loc.org for loc in doc.locations}}
        self.stations = dict(refs.known.stations)
        self.evses = set(refs.known.evses)
        for loc in doc.locations:
            for s in loc.stations:
                self.stations[s.id] = loc.key
                self.evses.update((s.id, e.id) for e in s.evses)

    def check(self) -> None:
        doc = self.plan.doc
        for i, t in enumerate(doc.tariffs):
            if t.owner is not None:
                self.refs.org(t.owner, f"tariffs[{i}].owner")
        for i, p in enumerate(doc.partnerships):
            self.partnership(p, f"partnerships[{i}]")
        for i, g in enumerate(doc.internal_grants):
            self.internal_grant(g, f"internal_grants[{i}]")

    def partnership(self, p: PartnershipIn, here: str) -> None:
        host_ok = self.refs.org(p.host, f"{here}.host")
        partner_ok = self.refs.org(p.partner, f"{here}.partner")
        if host_ok and partner_ok:
            check_partner_outside_host(
                p.host, p.partner, self.plan.is_within, f"{here}.partner", self.problems
            )
        holder = self.refs.known.partnership_keys.get(p.key) if p.key is not None else None
        if holder is not None and holder != (p.host, p.partner):
            self.problems.add(f"{here}.key", f"partnership {p.key!r} is {holder[0]} -> {holder[1]}")
        if p.tariff is not None:
            self.tariff(p.tariff, p.host if host_ok else None, f"{here}.tariff")
        for i, share in enumerate(p.revenue_share):
            if share.party != OPERATOR:
                self.refs.org(share.party, f"{here}.revenue_share[{i}].party")
        if host_ok:
            for j, grant in enumerate(p.grants):
                self.places(grant, p.host, f"{here}.grants[{j}]")

    def internal_grant(self, g: InternalGrantIn, here: str) -> None:
        """Host and subject exist, the subject is the host or below it, and every place is the
        host's and owned by an organisation holding the subject (else the grant does nothing there)."""
        if not self.refs.org(g.host, f"{here}.host"):
            return
        subject = g.subject or g.host
        if g.subject is not None:
            if not self.refs.org(g.subject, f"{here}.subject"):
                return
            known = len(self.problems.found)
            check_internal_subject(g.host, g.subject, self.plan.is_within, f"{here}.subject", self.problems)
            if len(self.problems.found) > known:
                return
        self.places(g, g.host, here, subject)

    def tariff(self, key: str, host: str | None, path: str) -> None:
        if key not in self.tariffs:
            self.problems.add(path, f"tariff {key!r} is neither in the file nor in the database")
            return
        owner = self.tariffs[key]
        if host is not None:
            check_tariff_owner(key, owner, host, self.plan.is_within, path, self.problems)

    def places(self, grant: GrantIn, host: str, here: str, subject: str | None = None) -> None:
        """Every place exists and is the host's; with `subject` (an internal grant), its owner
        holds the subject."""
        kind, places = scope_of(grant)
        for i, (name, evse) in enumerate(places):
            at = f"{here}.{kind}[{i}]" + (".station" if kind == "evses" else "")
            location = name if kind == "locations" else self.stations.get(name)
            if location is None or location not in self.locations:
                what = "location" if kind == "locations" else "station"
                self.problems.add(at, f"{what} {name!r} is neither in the file nor in the database")
                continue
            owner = self.locations[location]
            if owner in self.plan.parents:
                known = len(self.problems.found)
                check_place_owner(name, owner, host, self.plan.is_within, at, self.problems)
                if subject is not None and len(self.problems.found) == known:
                    check_internal_subject_at(name, subject, owner, self.plan.is_within, at, self.problems)
            if evse is not None and (name, evse) not in self.evses:
                self.problems.add(f"{here}.{kind}[{i}].evse", f"station {name!r} has no EVSE {evse}")
