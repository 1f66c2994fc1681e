"""The `tariffs` and `partnerships` sections: their entries (OCPI 2.2.1 tariff elements; grants
with scope, weekly windows and limits) and the rules each entry keeps on its own. A grant's
`content` is its normal form: the import matches grants without a key by it, so a re-import of
the same file, however it spells a window, changes nothing."""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, StringConstraints

from depotshare.domain.common.errors import Problems
from depotshare.domain.common.keys import STATION_ID_PATTERN
from depotshare.domain.fleet import tokens as token_rules
from depotshare.domain.setup.base import Entry, Key, Number
from depotshare.domain.sites import assets

TIME_PATTERN = r"^([01]\d|2[0-3]):[0-5]\d$"
HOURS_PATTERN = r"^([01]\d|2[0-3]):[0-5]\d-(([01]\d|2[0-3]):[0-5]\d|24:00)$"
CURRENCY_PATTERN = r"^[A-Z]{3}$"
OPERATOR = "operator"  # the revenue-share party that is the platform operator
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
WHOLE_DAY = ("00:00", "24:00")
DEFAULT_PRIORITY = 2  # 1 = highest, kept for the host's internal fleet by convention
MAX_PRIORITY = 999  # beyond 19 every class maps to the same OCPP chargingPriority (-9)
MAX_CONCURRENT = 100_000


def _decimal_text(value: object) -> object:
    """A decimal given as number or text, kept as canonical text ("0.25", "70") so that money and
    percentages never pass through a float."""
    if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
        return value  # the str validator names the wrong type
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValueError("expected a decimal number such as 0.25") from None
    if not number.is_finite():
        raise ValueError("expected a decimal number such as 0.25")
    return format(number.normalize(), "f")


DecimalText = Annotated[str, BeforeValidator(_decimal_text)]
Time = Annotated[str, StringConstraints(pattern=TIME_PATTERN)]
Hours = Annotated[str, StringConstraints(pattern=HOURS_PATTERN)]
Day = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
StationId = Annotated[str, StringConstraints(pattern=STATION_ID_PATTERN)]


class PriceComponentType(enum.StrEnum):
    ENERGY = "ENERGY"
    FLAT = "FLAT"
    TIME = "TIME"
    PARKING_TIME = "PARKING_TIME"


class PartnershipStatus(enum.StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"
    ENDED = "ended"


class GrantStatus(enum.StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"


# --- tariffs (OCPI 2.2.1 Tariff, TariffElement, PriceComponent, TariffRestrictions) -------------


class PriceComponentIn(Entry):
    type: PriceComponentType
    price: DecimalText  # excluding VAT, per kWh / hour / session
    vat: DecimalText | None = None  # percent
    step_size: Number = 1


class RestrictionsIn(Entry):
    start_time: Time | None = None
    end_time: Time | None = None
    start_date: date | None = None
    end_date: date | None = None
    min_kwh: DecimalText | None = None
    max_kwh: DecimalText | None = None
    min_current: DecimalText | None = None
    max_current: DecimalText | None = None
    min_power: DecimalText | None = None
    max_power: DecimalText | None = None
    min_duration: Number | None = None  # seconds
    max_duration: Number | None = None
    day_of_week: list[Literal["MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY"]] | None = None  # fmt: skip
    reservation: Literal["RESERVATION", "RESERVATION_EXPIRES"] | None = None


class TariffElementIn(Entry):
    price_components: list[PriceComponentIn] = Field(min_length=1)
    restrictions: RestrictionsIn | None = None


class TariffIn(Entry):
    key: Key
    owner: Key | None = None  # the owning organisation; without it the tariff is platform-wide
    currency: Annotated[str, StringConstraints(pattern=CURRENCY_PATTERN)]
    elements: list[TariffElementIn] = Field(min_length=1)


# --- partnerships and grants ---------------------------------------------------------------------


class ShareIn(Entry):
    party: Key  # an organisation key, or "operator"
    percent: DecimalText


class EvseRefIn(Entry):
    station: StationId
    evse: Number


class WindowIn(Entry):
    days: list[Day] | None = None  # every day when left out
    hours: Hours | None = None  # the whole day when left out


class GrantIn(Entry):
    key: Key | None = None
    locations: list[Key] | None = None
    stations: list[StationId] | None = None
    evses: list[EvseRefIn] | None = None
    group: str | None = None
    days: list[Day] | None = None
    hours: Hours | None = None
    windows: list[WindowIn] | None = None
    valid_from: date | None = None
    valid_until: date | None = None
    priority: Number = DEFAULT_PRIORITY
    max_concurrent: Number | None = None
    max_power_kw: Decimal | None = None
    connector_standards: list[str] | None = None
    status: GrantStatus = GrantStatus.ACTIVE


class _InternalHolder(Entry):
    host: Key  # the organisation whose own fleet and places the grant shapes
    subject: Key | None = None  # whose tokens: an organisation in the host's subtree; default the host


class InternalGrantIn(GrantIn, _InternalHolder):
    """An explicit internal grant: a host shapes its own fleet's access to its own places. Its
    fields are `host`, `subject`, then those of a partnership grant (in that order, for export)."""


class PartnershipIn(Entry):
    key: Key | None = None
    host: Key
    partner: Key
    status: PartnershipStatus = PartnershipStatus.ACTIVE
    valid_from: date | None = None
    valid_until: date | None = None
    tariff: Key | None = None
    revenue_share: list[ShareIn] = Field(default_factory=list)
    grants: list[GrantIn] = Field(default_factory=list)


# --- normal forms --------------------------------------------------------------------------------

Window = tuple[tuple[str, ...], str, str]  # (days in week order, start, end)


@dataclass(frozen=True)
class GrantContent:
    """What a grant means, independent of how the file spells it."""

    key: str | None
    scope: tuple[str, frozenset[tuple[str, int | None]]]  # kind, {(location or station, evse)}
    group: str | None
    windows: tuple[Window, ...]
    valid_from: date | None
    valid_until: date | None
    priority: int
    max_concurrent: int | None
    max_power_kw: Decimal | None
    connector_standards: frozenset[str] | None
    status: str


def scope_of(grant: GrantIn) -> tuple[str, list[tuple[str, int | None]]]:
    if grant.locations is not None:
        return "locations", [(key, None) for key in grant.locations]
    if grant.stations is not None:
        return "stations", [(station, None) for station in grant.stations]
    return "evses", [(e.station, e.evse) for e in grant.evses or []]


def windows_of(grant: GrantIn) -> tuple[Window, ...]:
    """The grant's weekly windows; () = at any time (also for a window covering the whole week)."""
    given = grant.windows if grant.windows is not None else []
    if grant.windows is None and (grant.days is not None or grant.hours is not None):
        given = [WindowIn(days=grant.days, hours=grant.hours)]
    out: list[Window] = []
    for w in given:
        days = tuple(d for d in DAYS if w.days is None or d in w.days)
        start, end = w.hours.split("-") if w.hours else WHOLE_DAY
        if days == DAYS and (start, end) == WHOLE_DAY:
            return ()
        out.append((days, start, end))
    return tuple(out)


def content(grant: GrantIn) -> GrantContent:
    kind, places = scope_of(grant)
    power = grant.max_power_kw.normalize() if grant.max_power_kw is not None else None
    standards = grant.connector_standards
    return GrantContent(
        grant.key,
        (kind, frozenset(places)),
        grant.group,
        windows_of(grant),
        grant.valid_from,
        grant.valid_until,
        grant.priority,
        grant.max_concurrent,
        power,
        frozenset(standards) if standards is not None else None,
        grant.status.value,
    )


def grant_values(grant: GrantIn) -> dict[str, object]:
    """What is stored of a grant besides its places and its subject (store: grants columns)."""
    return {
        "key": grant.key,
        "group_id": grant.group,
        "valid_from": grant.valid_from,
        "valid_until": grant.valid_until,
        "windows": [{"days": list(d), "start": a, "end": b} for d, a, b in windows_of(grant)],
        "max_concurrent": grant.max_concurrent,
        "max_power_kw": grant.max_power_kw,
        "connector_standards": grant.connector_standards,
        "priority": grant.priority,
        "status": grant.status.value,
    }


def stored_window(stored: Mapping[str, Any]) -> WindowIn:
    """A stored window ({"days": [...], "start": "HH:MM", "end": "HH:MM"}) as the file writes it."""
    days = list(stored["days"])
    hours = (stored["start"], stored["end"])
    return WindowIn(
        days=None if tuple(days) == DAYS else days,
        hours=None if hours == WHOLE_DAY else "-".join(hours),
    )


# --- rules of one entry --------------------------------------------------------------------------


def check_tariff(tariff: TariffIn, here: str, problems: Problems) -> None:
    for i, element in enumerate(tariff.elements):
        for j, pc in enumerate(element.price_components):
            at = f"{here}.elements[{i}].price_components[{j}]"
            _range(problems, f"{at}.price", pc.price, Decimal(0), None, "a price is not negative")
            _range(problems, f"{at}.vat", pc.vat, Decimal(0), Decimal(100), "vat is a percentage, 0 to 100")
            if pc.step_size < 1:
                problems.add(f"{at}.step_size", "step_size is at least 1")
        r = element.restrictions
        if r is not None:
            at = f"{here}.elements[{i}].restrictions"
            for name in ("min_kwh", "max_kwh", "min_current", "max_current", "min_power", "max_power"):
                _range(problems, f"{at}.{name}", getattr(r, name), Decimal(0), None, "not negative")
            if r.start_date and r.end_date and r.end_date < r.start_date:
                problems.add(f"{at}.end_date", "end_date is before start_date")


def check_partnership(p: PartnershipIn, here: str, problems: Problems) -> PartnershipIn:
    if p.host == p.partner:
        problems.add(f"{here}.partner", "host and partner are the same organisation")
    problems.check(
        lambda: token_rules.check_validity(p.valid_from, p.valid_until, f"{here}.valid_until"), None
    )
    parties: set[str] = set()
    total = Decimal(0)
    for i, share in enumerate(p.revenue_share):
        at = f"{here}.revenue_share[{i}]"
        if share.party in parties:
            problems.add(f"{at}.party", f"party {share.party!r} is given twice")
        parties.add(share.party)
        if not Decimal(0) < Decimal(share.percent) <= 100:
            problems.add(f"{at}.percent", "a share is more than 0 and at most 100 percent")
        total += Decimal(share.percent)
    if p.revenue_share and total != 100:
        problems.add(f"{here}.revenue_share", f"the shares add up to {total} percent, not 100")
    keys: dict[str, int] = {}
    grants = []
    for j, grant in enumerate(p.grants):
        at = f"{here}.grants[{j}]"
        if grant.key is not None:
            if grant.key in keys:
                problems.add(f"{at}.key", f"grant {grant.key!r} is given twice (first at {here}.grants[{keys[grant.key]}].key)")  # fmt: skip
            keys.setdefault(grant.key, j)
        grants.append(check_grant(grant, at, problems))
    return p.model_copy(update={"grants": grants}) if "grants" in p.model_fields_set else p


def check_grant(g: GrantIn, here: str, problems: Problems) -> GrantIn:
    update: dict[str, object] = {}
    given = [name for name in ("locations", "stations", "evses") if getattr(g, name) is not None]
    if len(given) != 1:
        problems.add(here, "a grant names exactly one of locations, stations or evses")
    else:
        kind, places = scope_of(g)
        if not places:
            problems.add(f"{here}.{kind}", "name at least one place")
        for i, place in enumerate(places):
            if place in places[:i]:
                problems.add(f"{here}.{kind}[{i}]", "given twice")
    if g.group is not None:
        fallback: str | None = g.group
        update["group"] = problems.check(
            lambda: token_rules.check_group_id(g.group, f"{here}.group"), fallback
        )
    if g.windows is not None and (g.days is not None or g.hours is not None):
        problems.add(f"{here}.windows", "give days/hours (one window) or windows, not both")
    for name, window in [("", WindowIn(days=g.days, hours=g.hours))] + [
        (f".windows[{i}]", w) for i, w in enumerate(g.windows or [])
    ]:
        _check_window(window, f"{here}{name}", problems)
    if g.windows == []:
        problems.add(f"{here}.windows", "name at least one window, or leave windows out for any time")
    problems.check(
        lambda: token_rules.check_validity(g.valid_from, g.valid_until, f"{here}.valid_until"), None
    )
    if g.priority < 1:
        problems.add(f"{here}.priority", "priority is 1 (highest) or more")
    elif g.priority > MAX_PRIORITY:
        problems.add(f"{here}.priority", f"priority is at most {MAX_PRIORITY}")
    if g.max_concurrent is not None and g.max_concurrent < 1:
        problems.add(f"{here}.max_concurrent", "max_concurrent is at least 1")
    elif g.max_concurrent is not None and g.max_concurrent > MAX_CONCURRENT:
        problems.add(f"{here}.max_concurrent", f"max_concurrent is at most {MAX_CONCURRENT}")
    if g.max_power_kw is not None:
        power: Decimal | None = g.max_power_kw
        update["max_power_kw"] = problems.check(
            lambda: assets.check_power(power, f"{here}.max_power_kw", assets.MAX_CONNECTOR_KW), power
        )
    for i, standard in enumerate(g.connector_standards or []):
        if standard not in {t.value for t in assets.ConnectorType}:
            problems.add(
                f"{here}.connector_standards[{i}]", f"{standard!r} is not an OCPI 2.2.1 connector type"
            )
        elif standard in (g.connector_standards or [])[:i]:
            problems.add(f"{here}.connector_standards[{i}]", "given twice")
    return g.model_copy(update={k: v for k, v in update.items() if k in g.model_fields_set})


# --- rules against the organisation tree (the import checks them on its plan, the API on the store) ---

Within = Callable[[str, str], bool]  # (org key, ancestor key) -> org is the ancestor or below it


def check_partner_outside_host(
    host: str, partner: str, within: Within, path: str, problems: Problems
) -> None:
    """A partner is another company: an organisation in the host's own tree is its internal fleet."""
    if host != partner and within(partner, host):
        problems.add(
            path,
            f"{partner!r} is part of {host!r}'s own tree: its fleet is the host's internal fleet, not a partner",
        )


def check_tariff_owner(
    key: str,
    owner: str | None,
    host: str,
    within: Within,
    path: str,
    problems: Problems,
    name_owner: bool = True,
) -> None:
    """A partnership's tariff is the platform's, or the host's own or one of its ancestors'.
    `name_owner=False` keeps the owner out of the message (the API: callers see only their tree)."""
    if owner is not None and not within(host, owner):
        whose = f"belongs to {owner!r}, which is not" if name_owner else "is not the platform's, nor one of"
        problems.add(path, f"tariff {key!r} {whose} {host!r} or above it")


def check_place_owner(
    name: str, owner: str, host: str, within: Within, path: str, problems: Problems, name_owner: bool = True
) -> None:
    """A grant opens only places of its host's subtree. `name_owner=False` keeps the owner out of
    the message (the API: callers see only their own tree)."""
    if not within(owner, host):
        whose = f"belongs to {owner!r}, outside" if name_owner else "is not a place of"
        problems.add(path, f"{name!r} {whose} the host {host!r} and its subtree")


def check_internal_subject(host: str, subject: str, within: Within, path: str, problems: Problems) -> None:
    """An internal grant is for the host's own fleet: its subject is the host or below it."""
    if not within(subject, host):
        problems.add(path, f"{subject!r} is not {host!r} or one of its organisations")


def check_internal_subject_at(
    name: str,
    subject: str,
    owner: str,
    within: Within,
    path: str,
    problems: Problems,
    name_owner: bool = True,
) -> None:
    """The engine counts an internal grant only where its subject lies in the place owner's
    subtree (docs/access-rules.md); elsewhere it would do nothing, so it is refused."""
    if not within(subject, owner):
        whose = f"its owner {owner!r}" if name_owner else "the organisation owning it"
        problems.add(
            path,
            f"{name!r}: an internal grant applies only where its subject {subject!r} lies within {whose}",
        )


def _check_window(w: WindowIn, here: str, problems: Problems) -> None:
    for i, day in enumerate(w.days or []):
        if day in (w.days or [])[:i]:
            problems.add(f"{here}.days[{i}]", f"{day} is given twice")
    if w.days == []:
        problems.add(f"{here}.days", "name at least one day, or leave days out for every day")
    if w.hours is not None:
        start, end = w.hours.split("-")
        if start == end:
            problems.add(f"{here}.hours", "an empty window; for the whole day write 00:00-24:00")


def _range(
    problems: Problems, path: str, value: str | None, low: Decimal, high: Decimal | None, message: str
) -> None:
    if value is not None and (Decimal(value) < low or (high is not None and Decimal(value) > high)):
        problems.add(path, message)


PATTERN_HINTS = {
    TIME_PATTERN: "a time of day is HH:MM, 00:00 to 23:59, in quotes",
    HOURS_PATTERN: 'hours are HH:MM-HH:MM in the location\'s local time, e.g. "20:00-06:00" (the end may be 24:00)',
    CURRENCY_PATTERN: "a currency is an ISO 4217 code in capitals, e.g. EUR",
}
