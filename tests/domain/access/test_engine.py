"""The access engine: the issue's scenario table, then invariants over random grants, partnerships,
tokens and instants (Europe/Berlin and America/New_York, DST changes included)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import NamedTuple
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from depotshare.domain.access.engine import decide
from depotshare.domain.access.facts import AuthStatus, OpenSession, SiteFacts, TokenFacts
from depotshare.domain.access.grants import (
    Grant,
    Limits,
    PartnershipFacts,
    PartnershipStatus,
    Scope,
    Subject,
    charging_priority,
)
from depotshare.domain.access.offline import admitted_at_station, list_entry
from depotshare.domain.access.windows import WeeklyWindow, parse_window

OWNER, SWIFT, SWIFT_SUB, OTHER, STRANGER = "/1/2/", "/5/", "/5/6/", "/7/", "/9/"
CCS, CHADEMO = "IEC_62196_T2_COMBO", "CHADEMO"
BERLIN = "Europe/Berlin"
DEPOT = SiteFacts(
    OWNER, BERLIN, location_id=10, station_id=100, evse_id=1, connector_standards=frozenset({CCS})
)
ELSEWHERE = SiteFacts(OWNER, BERLIN, location_id=11, station_id=110)
PARTNERSHIP = PartnershipFacts(
    1, OWNER, SWIFT, valid_from=date(2026, 1, 1), valid_until=date(2026, 12, 31), key="acme-swift"
)
NIGHT = Grant(
    1,
    "night",
    Subject(SWIFT),
    Scope(location_ids=frozenset({10})),
    partnership_id=1,
    valid_from=date(2026, 1, 1),
    valid_until=date(2026, 6, 30),
    windows=(parse_window(["mon", "tue", "wed", "thu", "fri"], "20:00-06:00"),),
    limits=Limits(max_concurrent=2, max_power_kw=Decimal(50), connector_standards=frozenset({CCS})),
    priority=2,
)
FLEET = Grant(
    2, "fleet-101", Subject(SWIFT, "SWIFT-FLEET"), Scope(station_ids=frozenset({101})), partnership_id=1
)
DRIVER = TokenFacts("active", SWIFT_SUB, uid="5A1F7001")
MEMBER = replace(DRIVER, group="SWIFT-FLEET")
WED_NIGHT = datetime(2026, 3, 4, 22, 0, tzinfo=ZoneInfo(BERLIN))
WED_DAY = datetime(2026, 3, 4, 14, 0, tzinfo=ZoneInfo(BERLIN))
TWO_RUNNING = (OpenSession(10, SWIFT), OpenSession(10, SWIFT_SUB))

SCENARIOS = [
    # name, token, site, at, changes to the world, expected status, grant named
    ("partner in its window", DRIVER, DEPOT, WED_NIGHT, {}, AuthStatus.ACCEPTED, "night"),
    ("same token outside the window", DRIVER, DEPOT, WED_DAY, {}, AuthStatus.NOT_AT_THIS_TIME, "night"),
    ("at an ungranted location", DRIVER, ELSEWHERE, WED_NIGHT, {}, AuthStatus.NOT_AT_THIS_LOCATION, "night"),
    (
        "after grant expiry",
        DRIVER,
        DEPOT,
        WED_NIGHT + timedelta(weeks=18),
        {},
        AuthStatus.NOT_AT_THIS_TIME,
        "night",
    ),
    (
        "after the token is blocked",
        replace(DRIVER, status="blocked"),
        DEPOT,
        WED_NIGHT,
        {},
        AuthStatus.BLOCKED,
        None,
    ),
    (
        "token validity over",
        replace(DRIVER, valid_until=date(2026, 3, 3)),
        DEPOT,
        WED_NIGHT,
        {},
        AuthStatus.EXPIRED,
        None,
    ),
    (
        "after the partnership is suspended",
        DRIVER,
        DEPOT,
        WED_NIGHT,
        {"suspend": True},
        AuthStatus.INVALID,
        "night",
    ),
    (
        "after the grant is suspended",
        DRIVER,
        DEPOT,
        WED_NIGHT,
        {"suspend_grant": True},
        AuthStatus.INVALID,
        "night",
    ),
    ("unknown third-party token", None, DEPOT, WED_NIGHT, {}, AuthStatus.UNKNOWN, None),
    (
        "known third-party token",
        TokenFacts("active", STRANGER),
        DEPOT,
        WED_NIGHT,
        {},
        AuthStatus.NOT_AT_THIS_LOCATION,
        None,
    ),
    (
        "group token member",
        MEMBER,
        replace(DEPOT, station_id=101),
        WED_DAY,
        {},
        AuthStatus.ACCEPTED,
        "fleet-101",
    ),
    (
        "not a group member",
        DRIVER,
        replace(DEPOT, station_id=101),
        WED_DAY,
        {},
        AuthStatus.NOT_AT_THIS_TIME,
        "night",
    ),
    (
        "concurrent limit hit",
        DRIVER,
        DEPOT,
        WED_NIGHT,
        {"sessions": TWO_RUNNING},
        AuthStatus.CONCURRENT_TX,
        "night",
    ),
    (
        "connector standard not allowed",
        DRIVER,
        replace(DEPOT, connector_standards=frozenset({CHADEMO})),
        WED_NIGHT,
        {},
        AuthStatus.NOT_ALLOWED_TYPE_EVSE,
        "night",
    ),
    (
        "host's own fleet",
        TokenFacts("active", OWNER + "3/"),
        ELSEWHERE,
        WED_DAY,
        {},
        AuthStatus.ACCEPTED,
        "internal",
    ),
    (
        "host's parent is not the owner",
        TokenFacts("active", "/1/"),
        DEPOT,
        WED_DAY,
        {},
        AuthStatus.NOT_AT_THIS_LOCATION,
        None,
    ),
]


@pytest.mark.parametrize(
    ("token", "site", "at", "changes", "status", "grant_key"),
    [s[1:] for s in SCENARIOS],
    ids=[s[0] for s in SCENARIOS],
)
def test_scenario(
    token: TokenFacts | None,
    site: SiteFacts,
    at: datetime,
    changes: dict[str, object],
    status: AuthStatus,
    grant_key: str | None,
) -> None:
    partnership = (
        replace(PARTNERSHIP, status=PartnershipStatus.SUSPENDED) if changes.get("suspend") else PARTNERSHIP
    )
    night = replace(NIGHT, suspended=True) if changes.get("suspend_grant") else NIGHT
    sessions = changes.get("sessions", ())
    assert isinstance(sessions, tuple)
    decision = decide(token, site, at, [night, FLEET], [partnership], sessions)
    assert (decision.status, decision.grant_key) == (status, grant_key), decision.reason
    if status is AuthStatus.INVALID:
        assert "suspended" in decision.reason


def test_accepted_answers_carry_expiry_group_priority_and_power() -> None:
    decision = decide(DRIVER, DEPOT, WED_NIGHT, [NIGHT, FLEET], [PARTNERSHIP])
    assert decision.expires_at == datetime(2026, 3, 5, 6, 0, tzinfo=ZoneInfo(BERLIN))  # window end
    assert (decision.grant_id, decision.partnership_id) == (1, 1)
    assert decision.charging_priority == 8 and decision.max_power_kw == Decimal(50)
    member = decide(MEMBER, replace(DEPOT, station_id=101), WED_DAY, [NIGHT, FLEET], [PARTNERSHIP])
    # The group grant has no window: it lasts until the partnership ends.
    assert member.group == "SWIFT-FLEET" and member.expires_at == datetime(
        2027, 1, 1, tzinfo=ZoneInfo(BERLIN)
    )


def test_an_explicit_internal_grant_replaces_the_implicit_one() -> None:
    own = TokenFacts("active", OWNER + "3/")
    assert decide(own, DEPOT, WED_DAY).accepted
    nights_only = replace(NIGHT, id=9, key="own-nights", subject=Subject(OWNER), partnership_id=None)
    assert decide(own, DEPOT, WED_DAY, [nights_only]).status is AuthStatus.NOT_AT_THIS_TIME
    assert decide(own, DEPOT, WED_NIGHT, [nights_only]).grant_key == "own-nights"


def test_charging_priority_is_monotone_and_in_range() -> None:
    values = [charging_priority(p) for p in range(1, 40)]
    assert values[0] == 9 and values[9] == 0 and min(values) == -9
    assert values == sorted(values, reverse=True)


# --- invariants over random worlds ---------------------------------------------------------------

ORGS = st.sampled_from([OWNER, OWNER + "3/", "/1/", SWIFT, SWIFT_SUB, OTHER, OTHER + "8/", STRANGER])
GROUPS = st.none() | st.sampled_from(["SWIFT-FLEET", "OTHER-FLEET"])
DAYS = st.none() | st.dates(date(2025, 10, 1), date(2027, 3, 31))
ZONES = st.sampled_from([BERLIN, "America/New_York"])
WINDOWS = st.builds(
    lambda days, start, length: WeeklyWindow(days, start, (start + length - 1) % 1440 + 1),
    st.frozensets(st.integers(0, 6), min_size=1),
    st.integers(0, 95).map(lambda q: q * 15),
    st.integers(1, 1439),
)
WIDE_WINDOWS = st.builds(
    lambda days, start, length: WeeklyWindow(days, start, (start + length - 1) % 1440 + 1),
    st.frozensets(st.integers(0, 6), min_size=4),
    st.integers(0, 95).map(lambda q: q * 15),
    st.integers(360, 1380),
)
TOKENS = st.builds(
    TokenFacts,
    status=st.sampled_from(["active", "active", "blocked"]),
    org_path=ORGS,
    valid_from=DAYS,
    valid_until=DAYS,
    group=GROUPS,
)
PARTNERSHIPS = st.lists(
    st.builds(
        PartnershipFacts,
        id=st.integers(1, 3),
        host_org_path=st.sampled_from([OWNER, "/1/", STRANGER]),
        partner_org_path=st.sampled_from([SWIFT, OTHER, SWIFT_SUB]),
        status=st.sampled_from(list(PartnershipStatus)),
        valid_from=DAYS,
        valid_until=DAYS,
    ),
    max_size=3,
    unique_by=lambda p: p.id,
)
SCOPES = st.builds(
    Scope,
    location_ids=st.frozensets(st.sampled_from([10, 11])),
    station_ids=st.frozensets(st.sampled_from([100, 101, 110])),
    evses=st.frozensets(st.sampled_from([(100, 1), (100, 2), (101, 1)])),
)
LIMITS = st.builds(
    Limits,
    max_concurrent=st.none() | st.integers(0, 3),
    max_power_kw=st.none() | st.sampled_from([Decimal(11), Decimal(50)]),
    connector_standards=st.sampled_from([frozenset(), frozenset({CCS}), frozenset({CHADEMO})]),
)


def grants(*, internal: bool = True) -> st.SearchStrategy[Grant]:
    return st.builds(
        Grant,
        id=st.integers(1, 10**6),
        key=st.text("abcdef", min_size=1, max_size=4),
        subject=st.builds(Subject, ORGS, GROUPS),
        scope=SCOPES,
        partnership_id=(st.none() | st.integers(1, 3)) if internal else st.integers(1, 3),
        valid_from=DAYS,
        valid_until=DAYS,
        windows=st.lists(WINDOWS, max_size=2).map(tuple),
        limits=LIMITS,
        priority=st.integers(1, 4),
        suspended=st.booleans(),
    )


# Worlds where admission is likely, so the properties about accepted decisions get exercised.
FRIENDLY_TOKENS = st.builds(
    TokenFacts,
    status=st.just("active"),
    org_path=st.sampled_from([SWIFT, SWIFT_SUB, OWNER + "3/"]),
    valid_from=st.none(),
    valid_until=st.none() | st.dates(date(2026, 6, 1), date(2027, 3, 31)),
    group=GROUPS,
)
FRIENDLY_PARTNERSHIPS = st.builds(
    lambda until: [PartnershipFacts(1, "/1/", SWIFT, valid_until=until)],
    st.none() | st.dates(date(2026, 6, 1), date(2027, 3, 31)),
)
FRIENDLY_GRANTS = st.builds(
    Grant,
    id=st.integers(1, 10**6),
    key=st.text("abcdef", min_size=1, max_size=4),
    subject=st.builds(Subject, st.sampled_from([SWIFT, SWIFT_SUB]), st.none() | GROUPS),
    scope=st.sampled_from([Scope(location_ids=frozenset({10})), Scope(station_ids=frozenset({100, 101}))]),
    partnership_id=st.just(1),
    valid_until=st.none() | st.dates(date(2026, 6, 1), date(2027, 3, 31)),
    windows=st.lists(WIDE_WINDOWS, max_size=2).map(tuple),
    limits=st.builds(Limits, max_concurrent=st.none() | st.integers(1, 3)),
    priority=st.integers(1, 4),
)
SITES = st.builds(
    SiteFacts,
    org_path=st.sampled_from([OWNER, "/1/"]),
    timezone=ZONES,
    location_id=st.just(10),
    station_id=st.sampled_from([100, 101]),
    evse_id=st.none() | st.sampled_from([1, 2]),
    connector_standards=st.sampled_from([frozenset(), frozenset({CCS}), frozenset({CCS, CHADEMO})]),
)
MOMENTS = st.datetimes(datetime(2025, 10, 1), datetime(2027, 3, 31), timezones=st.just(UTC))  # noqa: DTZ001
FRIENDLY_MOMENTS = st.datetimes(datetime(2026, 1, 1), datetime(2026, 5, 31), timezones=st.just(UTC))  # noqa: DTZ001
SESSIONS = st.lists(st.builds(OpenSession, st.sampled_from([10, 11]), ORGS), max_size=4).map(tuple)


class Situation(NamedTuple):
    """What a decision reads, in `decide`'s order: a token at a site at a moment, the grants and
    partnerships in force, the sessions running."""

    token: TokenFacts
    site: SiteFacts
    at: datetime
    gs: list[Grant]
    ps: list[PartnershipFacts]
    sessions: tuple[OpenSession, ...]


def situations(
    *, max_grants: int, min_grants: int = 0, friendly: bool = False
) -> st.SearchStrategy[Situation]:
    """Random situations; friendly ones also draw from the worlds where admission is likely."""

    def drawn(
        anything: st.SearchStrategy[object], likely: st.SearchStrategy[object]
    ) -> st.SearchStrategy[object]:
        return anything | likely if friendly else anything

    return st.builds(
        Situation,
        drawn(TOKENS, FRIENDLY_TOKENS),
        SITES,
        drawn(MOMENTS, FRIENDLY_MOMENTS),
        st.lists(drawn(grants(), FRIENDLY_GRANTS), min_size=min_grants, max_size=max_grants),
        drawn(PARTNERSHIPS, FRIENDLY_PARTNERSHIPS),
        SESSIONS,
    )


class StationWorld(NamedTuple):
    """What a station's offline list is made from, in `admitted_at_station`'s order: the tokens,
    the station's site, the moment, the grants and partnerships in force."""

    tokens: list[TokenFacts]
    site: SiteFacts
    at: datetime
    gs: list[Grant]
    ps: list[PartnershipFacts]


def station_worlds(tokens: st.SearchStrategy[list[TokenFacts]]) -> st.SearchStrategy[StationWorld]:
    """Random station worlds over these tokens, the friendly ones mixed in."""
    return st.builds(
        StationWorld,
        tokens,
        SITES,
        MOMENTS | FRIENDLY_MOMENTS,
        st.lists(grants() | FRIENDLY_GRANTS, max_size=4),
        PARTNERSHIPS | FRIENDLY_PARTNERSHIPS,
    )


# How specific a refusal is, by its status: an added grant may only make it more specific.
RANK = {
    AuthStatus.NOT_AT_THIS_LOCATION: 1,
    AuthStatus.INVALID: 2,
    AuthStatus.NOT_AT_THIS_TIME: 3,
    AuthStatus.NOT_ALLOWED_TYPE_EVSE: 4,
    AuthStatus.CONCURRENT_TX: 5,
    AuthStatus.ACCEPTED: 6,
}


@given(token=TOKENS, site=SITES, at=MOMENTS, ps=PARTNERSHIPS, sessions=SESSIONS)
def test_default_deny(
    token: TokenFacts,
    site: SiteFacts,
    at: datetime,
    ps: list[PartnershipFacts],
    sessions: tuple[OpenSession, ...],
) -> None:
    decision = decide(token, site, at, [], ps, sessions)
    assert decision.accepted == (
        token.status == "active"
        and token.org_path.startswith(site.org_path)
        and decide(token, site, at).accepted
    )
    if not token.org_path.startswith(site.org_path):
        assert not decision.accepted


@settings(max_examples=100)
@given(situations(max_grants=4))
def test_blocked_never_accepted_and_one_outcome(situation: Situation) -> None:
    token = situation.token
    decision = decide(*situation)
    assert decision.reason
    if token.status == "blocked":
        assert decision.status is AuthStatus.BLOCKED
    if decision.accepted:
        assert decision.grant_key is not None and decision.charging_priority is not None
        assert decision.group == token.group


@settings(max_examples=120)
@given(situations(max_grants=3, friendly=True), grants(internal=False) | FRIENDLY_GRANTS)
def test_a_partner_grant_never_makes_a_decision_less_favourable(situation: Situation, extra: Grant) -> None:
    """Only an explicit internal grant can take something away (it replaces the implicit one)."""
    before = decide(*situation)
    after = decide(*situation._replace(gs=[*situation.gs, extra]))
    if before.status in RANK:
        assert RANK[after.status] >= RANK[before.status], (before.reason, after.reason)
    else:  # refused for the token itself: no grant changes that
        assert after.status is before.status


@settings(max_examples=100)
@given(situations(max_grants=3))
def test_fewer_running_sessions_never_refuse_an_accepted_token(situation: Situation) -> None:
    if decide(*situation).accepted:
        assert decide(*situation._replace(sessions=situation.sessions[1:])).accepted


@settings(max_examples=120)
@given(situations(min_grants=1, max_grants=3, friendly=True), st.floats(0, 1, exclude_max=True))
def test_an_accepted_decision_holds_until_its_expiry(situation: Situation, fraction: float) -> None:
    token, site, at, gs, ps, sessions = situation
    decision = decide(*situation)
    if not decision.accepted or decision.expires_at is None:
        return
    assert decision.expires_at > at
    last = decision.expires_at - timedelta(microseconds=1)
    later = min(at + (decision.expires_at - at) * fraction, last)  # rounding may reach the expiry
    for moment in (later, last):
        assert decide(token, site, moment, gs, ps, sessions).accepted
    windowed = [g for g in gs if g.key == decision.grant_key and g.windows]
    if windowed and all(g.limits.max_concurrent is None for g in gs):
        # At its expiry either the window closed or a validity ended: the same grant refuses.
        again = decide(token, site, decision.expires_at, [g for g in gs if g.key == decision.grant_key], ps)
        assert not again.accepted or again.expires_at != decision.expires_at


@settings(max_examples=120)
@given(
    world=station_worlds(st.lists(TOKENS | FRIENDLY_TOKENS, min_size=1, max_size=4)),
    evse=st.sampled_from([1, 2]),
    standards=st.sampled_from([frozenset({CCS}), frozenset({CHADEMO}), frozenset()]),
    fraction=st.floats(0, 1, exclude_max=True),
)
def test_list_entries_agree_with_the_engine(
    world: StationWorld, evse: int, standards: frozenset[str], fraction: float
) -> None:
    """Listed: the engine admits the token on any EVSE of the station, with any connector, until
    the entry expires (no sessions running). Not listed whenever the engine refuses at the station."""
    tokens, site, at, gs, ps = world
    listed = {id(e.token): e for e in admitted_at_station(tokens, site, at, gs, ps)}
    for token in tokens:
        entry = listed.get(id(token))
        station_wide = replace(site, evse_id=None, connector_standards=frozenset())
        if not decide(token, station_wide, at, gs, ps).accepted:
            assert entry is None
        if entry is None:
            continue
        assert entry == list_entry(token, site, at, gs, ps)
        until = entry.expires_at or at + timedelta(days=30)
        moment = min(at + (until - at) * fraction, until - timedelta(microseconds=1))
        plugged = replace(site, evse_id=evse, connector_standards=standards)
        assert decide(token, plugged, moment, gs, ps).accepted
