"""Rules an import file must keep on its own, before the database is asked anything: the facility
and token rules of the domain, and every natural key given at most once. Returns the file with
values in their canonical form (uids, country codes, coordinates, power figures)."""

from __future__ import annotations

from depotshare.domain.access.grant_terms import check_grant
from depotshare.domain.access.partnerships import check_partnership
from depotshare.domain.access.tariffs import check_tariff
from depotshare.domain.common.errors import InvalidInput, Problems
from depotshare.domain.fleet import tokens as token_rules
from depotshare.domain.orgs.roles import PLATFORM_ROLES
from depotshare.domain.setup import roaming
from depotshare.domain.setup.model import (
    AddressIn,
    CoordinatesIn,
    EvseIn,
    ImportFile,
    LocationIn,
    StationIn,
    TokenIn,
    UserIn,
    walk_organisations,
)
from depotshare.domain.sites import assets


class _FirstSeen:
    """Where each natural key was first given, to name both places of a duplicate."""

    def __init__(self, problems: Problems, what: str) -> None:
        self.problems, self.what, self.seen = problems, what, dict[object, str]()

    def see(self, key: object, path: str, shown: str | None = None) -> None:
        if key in self.seen:
            self.problems.add(
                path, f"{self.what} {shown or key!r} is given twice (first at {self.seen[key]})"
            )
        else:
            self.seen[key] = path


def check_rules(doc: ImportFile) -> ImportFile:
    problems = Problems()
    _organisations(doc, problems)
    users = [_user(u, f"users[{i}]", problems) for i, u in enumerate(doc.users)]
    for what, keys in (
        ("employee", [e.key for e in doc.employees]),
        ("vehicle", [v.key for v in doc.vehicles]),
        ("location", [loc.key for loc in doc.locations]),
    ):
        seen = _FirstSeen(problems, what)
        for i, key in enumerate(keys):
            seen.see(key, f"{what}s[{i}].key")
    stations = _FirstSeen(problems, "station")
    locations = [_location(loc, f"locations[{i}]", problems, stations) for i, loc in enumerate(doc.locations)]
    prefixes = _FirstSeen(problems, "admit_station_prefix")
    for i, loc in enumerate(doc.locations):
        if loc.admit_station_prefix is not None:
            prefixes.see(loc.admit_station_prefix, f"locations[{i}].admit_station_prefix")
    uids = _FirstSeen(problems, "token")
    tokens = [_token(t, f"tokens[{i}]", problems, uids) for i, t in enumerate(doc.tokens)]
    tariff_keys = _FirstSeen(problems, "tariff")
    for i, tariff in enumerate(doc.tariffs):
        tariff_keys.see(tariff.key, f"tariffs[{i}].key")
        check_tariff(tariff, f"tariffs[{i}]", problems)
    pairs, partnership_keys = _FirstSeen(problems, "partnership"), _FirstSeen(problems, "partnership key")
    partnerships = []
    for i, p in enumerate(doc.partnerships):
        here = f"partnerships[{i}]"
        pairs.see((p.host, p.partner), f"{here}.partner", f"{p.host} -> {p.partner}")
        if p.key is not None:
            partnership_keys.see(p.key, f"{here}.key")
        partnerships.append(check_partnership(p, here, problems))
    internal_keys = _FirstSeen(problems, "internal grant")
    internal_grants = []
    for i, g in enumerate(doc.internal_grants):
        here = f"internal_grants[{i}]"
        if g.key is not None:
            internal_keys.see((g.host, g.key), f"{here}.key", f"{g.host}:{g.key}")
        internal_grants.append(check_grant(g, here, problems))
    roaming_partners = _roaming_partners(doc, problems)
    problems.raise_if_any()
    return doc.model_copy(
        update={
            "users": users,
            "locations": locations,
            "tokens": tokens,
            "partnerships": partnerships,
            "internal_grants": internal_grants,
            "roaming_partners": roaming_partners,
        }
    )


def _roaming_partners(doc: ImportFile, problems: Problems) -> list[roaming.RoamingPartnerIn]:
    keys, parties = _FirstSeen(problems, "roaming partner"), _FirstSeen(problems, "OCPI party")
    tokens: dict[str, str] = {}  # token hash -> where first given
    out = []
    for i, given in enumerate(doc.roaming_partners):
        here = f"roaming_partners[{i}]"
        entry = roaming.check_partner(given, here, problems)
        keys.see(entry.key, f"{here}.key")
        party = (entry.country_code, entry.party_id, entry.role.value)
        parties.see(party, f"{here}.party_id", "/".join(party))
        digest = roaming.token_hash_of(entry)
        if digest is not None:
            path = f"{here}.token" if entry.token is not None else f"{here}.token_hash"
            if digest in tokens:
                problems.add(
                    path, f"the same credentials token as {tokens[digest]}: each partner needs its own"
                )
            tokens.setdefault(digest, path)
        out.append(entry)
    return out


def _organisations(doc: ImportFile, problems: Problems) -> None:
    keys = _FirstSeen(problems, "organisation")
    for org, enclosing, here in walk_organisations(doc.organisations):
        keys.see(org.key, f"{here}.key")
        if enclosing is not None and "parent" in org.model_fields_set:
            problems.add(f"{here}.parent", "only top-level entries take a parent; nest this entry instead")
        codes = _FirstSeen(problems, "cost centre")
        for j, cc in enumerate(org.cost_centres):
            codes.see(cc.code, f"{here}.cost_centres[{j}].code")


def _user(user: UserIn, here: str, problems: Problems) -> UserIn:
    if user.password is not None and user.password_hash is not None:
        problems.add(f"{here}.password_hash", "give password or password_hash, not both")
    roles = _FirstSeen(problems, "role")
    for j, role in enumerate(user.roles):
        path = f"{here}.roles[{j}]"
        if role.role in PLATFORM_ROLES and role.org is not None:
            problems.add(f"{path}.org", f"{role.role.value} is platform-wide and takes no organisation")
        elif role.role not in PLATFORM_ROLES and role.org is None:
            problems.add(f"{path}.org", f"{role.role.value} needs an organisation")
        roles.see((role.role, role.org), path, f"{role.role.value} on {role.org or 'the platform'}")
    return user


def _location(loc: LocationIn, here: str, problems: Problems, stations: _FirstSeen) -> LocationIn:
    update: dict[str, object] = {}
    problems.check(lambda: assets.check_timezone(loc.timezone, f"{here}.timezone"), loc.timezone)
    address = assets.Address()
    if loc.address is not None:
        given = loc.address
        address = problems.check(
            lambda: assets.check_address(
                assets.Address(given.street, given.city, given.postal_code, given.country), f"{here}.address"
            ),
            address,
        )
        update["address"] = AddressIn.model_construct(
            given.model_fields_set, **{k: getattr(address, k) for k in AddressIn.model_fields}
        )
    coordinates: assets.Coordinates | None = None
    if loc.coordinates is not None:
        raw = assets.Coordinates(loc.coordinates.lat, loc.coordinates.lon)
        fallback: assets.Coordinates | None = raw
        coordinates = problems.check(lambda: assets.check_coordinates(raw, f"{here}.coordinates"), fallback)
        if coordinates is not None:
            update["coordinates"] = CoordinatesIn(lat=coordinates.lat, lon=coordinates.lon)
    update["grid_limit_kw"] = problems.check(
        lambda: assets.check_power(loc.grid_limit_kw, f"{here}.grid_limit_kw", assets.MAX_GRID_LIMIT_KW),
        loc.grid_limit_kw,
    )
    problems.check(lambda: assets.check_publishable(loc.publish, address, coordinates), None, prefix=here)
    if loc.publish_allowed_to:
        roaming.check_publish_allowed_to(loc.publish, loc.publish_allowed_to, here, problems)
        if not loc.publish and not _publishable(address, coordinates):
            problems.add(
                f"{here}.publish_allowed_to",
                "a location shown over OCPI needs address street, city, country and coordinates in the "
                "file, as a published one does",
            )
    update["stations"] = [
        _station(s, f"{here}.stations[{j}]", problems, stations) for j, s in enumerate(loc.stations)
    ]
    return loc.model_copy(update={k: v for k, v in update.items() if k in loc.model_fields_set})


def _publishable(address: assets.Address, coordinates: assets.Coordinates | None) -> bool:
    try:
        assets.check_publishable(True, address, coordinates)
    except InvalidInput:
        return False
    return True


def _station(station: StationIn, here: str, problems: Problems, stations: _FirstSeen) -> StationIn:
    stations.see(station.id, f"{here}.id")
    if station.password is not None and station.password_hash is not None:
        problems.add(f"{here}.password_hash", "give password or password_hash, not both")
    specs = [
        assets.EvseSpec(e.id, tuple(assets.ConnectorSpec(c.id, c.standard, c.max_kw) for c in e.connectors))
        for e in station.evses
    ]
    checked = problems.check(lambda: assets.check_evses(specs, f"{here}.evses"), tuple(specs))
    evses = [_evse(e, spec) for e, spec in zip(station.evses, checked, strict=True)]
    return station.model_copy(update={"evses": evses})


def _evse(evse: EvseIn, spec: assets.EvseSpec) -> EvseIn:
    connectors = [
        c.model_copy(update={"max_kw": s.max_kw}) if "max_kw" in c.model_fields_set else c
        for c, s in zip(evse.connectors, spec.connectors, strict=True)
    ]
    return evse.model_copy(update={"connectors": connectors})


def _token(token: TokenIn, here: str, problems: Problems, uids: _FirstSeen) -> TokenIn:
    uid = problems.check(lambda: token_rules.normalise_uid(token.uid, token.type, f"{here}.uid"), None)
    if uid is not None:
        uids.see(uid, f"{here}.uid")
    group = problems.check(lambda: token_rules.check_group_id(token.group, f"{here}.group"), token.group)
    problems.check(
        lambda: token_rules.check_validity(token.valid_from, token.valid_until, f"{here}.valid_until"), None
    )
    update: dict[str, object] = {"uid": uid or token.uid}
    if "group" in token.model_fields_set:
        update["group"] = group
    return token.model_copy(update=update)
