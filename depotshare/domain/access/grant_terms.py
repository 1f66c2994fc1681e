"""A grant as the import and the API take it: whose tokens (set by the caller), which places
(locations, stations or EVSEs), when (validity, weekly windows), within which limits, at which
priority; the rules one grant keeps on its own, and the grant's stored form (grants columns).
Rules against the organisation tree are in domain/access/ownership.py."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from pydantic import StringConstraints

from depotshare.domain.access.grants import GrantStatus
from depotshare.domain.access.windows import DAY_NAMES, DayName, WeeklyWindow, hhmm, parse_window
from depotshare.domain.common.errors import Problems
from depotshare.domain.common.inputs import Entry, Key, Number
from depotshare.domain.common.keys import STATION_ID_PATTERN
from depotshare.domain.fleet import tokens as token_rules
from depotshare.domain.sites import assets

HOURS_PATTERN = r"^([01]\d|2[0-3]):[0-5]\d-(([01]\d|2[0-3]):[0-5]\d|24:00)$"
WHOLE_DAY = ("00:00", "24:00")  # a window's hours when it lasts the whole day, as written
DEFAULT_PRIORITY = 2  # 1 = highest, kept for the host's internal fleet by convention
MAX_PRIORITY = 999  # beyond 19 every class maps to the same OCPP chargingPriority (-9)
MAX_CONCURRENT = 100_000

Hours = Annotated[str, StringConstraints(pattern=HOURS_PATTERN)]
StationId = Annotated[str, StringConstraints(pattern=STATION_ID_PATTERN)]


class EvseRefIn(Entry):
    station: StationId
    evse: Number


class WindowIn(Entry):
    days: list[DayName] | None = None  # every day when left out
    hours: Hours | None = None  # the whole day when left out


class GrantIn(Entry):
    key: Key | None = None
    locations: list[Key] | None = None
    stations: list[StationId] | None = None
    evses: list[EvseRefIn] | None = None
    group: str | None = None
    days: list[DayName] | None = None
    hours: Hours | None = None
    windows: list[WindowIn] | None = None
    valid_from: date | None = None
    valid_until: date | None = None
    priority: Number = DEFAULT_PRIORITY
    max_concurrent: Number | None = None
    max_power_kw: Decimal | None = None
    connector_standards: list[str] | None = None
    status: GrantStatus = GrantStatus.ACTIVE


# --- normal and stored forms ---------------------------------------------------------------------


def scope_of(grant: GrantIn) -> tuple[str, list[tuple[str, int | None]]]:
    if grant.locations is not None:
        return "locations", [(key, None) for key in grant.locations]
    if grant.stations is not None:
        return "stations", [(station, None) for station in grant.stations]
    return "evses", [(e.station, e.evse) for e in grant.evses or []]


def windows_of(grant: GrantIn) -> tuple[WeeklyWindow, ...]:
    """The grant's weekly windows; () = at any time (also for a window covering the whole week).
    Only for a grant that passed check_grant: parse_window raises on what it refuses."""
    given = grant.windows if grant.windows is not None else []
    if grant.windows is None and (grant.days is not None or grant.hours is not None):
        given = [WindowIn(days=grant.days, hours=grant.hours)]
    out: list[WeeklyWindow] = []
    for w in given:
        window = parse_window(w.days, w.hours)
        if window.always:
            return ()
        out.append(window)
    return tuple(out)


def grant_values(grant: GrantIn) -> dict[str, object]:
    """What is stored of a grant besides its places and its subject (store: grants columns)."""
    return {
        "key": grant.key,
        "group_id": grant.group,
        "valid_from": grant.valid_from,
        "valid_until": grant.valid_until,
        "windows": [_stored(w) for w in windows_of(grant)],
        "max_concurrent": grant.max_concurrent,
        "max_power_kw": grant.max_power_kw,
        "connector_standards": grant.connector_standards,
        "priority": grant.priority,
        "status": grant.status.value,
    }


def _stored(window: WeeklyWindow) -> dict[str, Any]:
    """{"days": [...] in week order, "start": "HH:MM", "end": "HH:MM"}; an end of midnight is 24:00."""
    days = [DAY_NAMES[d] for d in sorted(window.days)]
    return {"days": days, "start": hhmm(window.start), "end": hhmm(window.end)}


def stored_window(stored: Mapping[str, Any]) -> WindowIn:
    """A stored window ({"days": [...], "start": "HH:MM", "end": "HH:MM"}) as the file writes it."""
    days = list(stored["days"])
    hours = (stored["start"], stored["end"])
    return WindowIn(
        days=None if tuple(days) == DAY_NAMES else days,
        hours=None if hours == WHOLE_DAY else "-".join(hours),
    )


# --- rules of one grant --------------------------------------------------------------------------


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


def _check_window(w: WindowIn, here: str, problems: Problems) -> None:
    """Each day once, then what parse_window refuses (no day at all, an empty window)."""
    for i, day in enumerate(w.days or []):
        if day in (w.days or [])[:i]:
            problems.add(f"{here}.days[{i}]", f"{day} is given twice")
    problems.check(lambda: parse_window(w.days, w.hours, here), None)
