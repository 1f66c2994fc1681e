"""The access rule as properties: exactly one outcome per token and moment, in the order
unknown -> blocked -> outside validity -> other organisation -> accepted, with expiry and group."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from depotshare.domain.access.decision import AuthStatus, SiteFacts, TokenFacts, decide, validity_end

ZONES = st.sampled_from(
    ["UTC", "Europe/Berlin", "America/New_York", "Pacific/Kiritimati", "Pacific/Pago_Pago"]
)
PATHS = st.lists(st.integers(1, 6), min_size=1, max_size=4).map(
    lambda ids: "/" + "".join(f"{i}/" for i in ids)
)
DAYS = st.dates(date(2020, 1, 1), date(2030, 12, 31))
# hypothesis takes naive bounds and attaches the zone itself.
MOMENTS = st.datetimes(datetime(2020, 1, 1), datetime(2030, 12, 31), timezones=st.just(UTC))  # noqa: DTZ001
TOKENS = st.builds(
    TokenFacts,
    status=st.sampled_from(["active", "blocked"]),
    org_path=PATHS,
    valid_from=st.none() | DAYS,
    valid_until=st.none() | DAYS,
    group=st.none() | st.sampled_from(["FLEET", "SWIFT-FLEET"]),
)


@given(token=st.none() | TOKENS, site_path=PATHS, zone=ZONES, at=MOMENTS)
def test_one_outcome_in_rule_order(token: TokenFacts | None, site_path: str, zone: str, at: datetime) -> None:
    decision = decide(token, SiteFacts(site_path, zone), at)
    if token is None:
        assert decision.status is AuthStatus.UNKNOWN and decision.expires_at is None
        return
    day = at.astimezone(ZoneInfo(zone)).date()
    in_validity = (token.valid_from is None or token.valid_from <= day) and (
        token.valid_until is None or day <= token.valid_until
    )
    if token.status == "blocked":
        expected = AuthStatus.BLOCKED
    elif not in_validity:
        expected = AuthStatus.EXPIRED
    elif not token.org_path.startswith(site_path):
        expected = AuthStatus.NOT_AT_THIS_LOCATION
    else:
        expected = AuthStatus.ACCEPTED
    assert decision.status is expected
    assert decision.accepted == (expected is AuthStatus.ACCEPTED)
    assert decision.reason
    assert decision.group == token.group
    assert decision.expires_at == validity_end(token.valid_until, zone)


@given(token=TOKENS, zone=ZONES, at=MOMENTS)
def test_accepted_exactly_until_the_end_of_the_last_local_day(
    token: TokenFacts, zone: str, at: datetime
) -> None:
    token = TokenFacts("active", "/1/2/", None, at.astimezone(ZoneInfo(zone)).date(), token.group)
    site = SiteFacts("/1/", zone)
    end = validity_end(token.valid_until, zone)
    assert end is not None and end > at
    assert decide(token, site, at).accepted
    assert decide(token, site, end - timedelta(microseconds=1)).accepted
    assert decide(token, site, end).status is AuthStatus.EXPIRED


@given(site_path=PATHS, child=st.integers(7, 9), at=MOMENTS)
def test_subtree_accepted_parent_and_sibling_not(site_path: str, child: int, at: datetime) -> None:
    site = SiteFacts(site_path)
    assert decide(TokenFacts("active", site_path), site, at).accepted
    assert decide(TokenFacts("active", f"{site_path}{child}/"), site, at).accepted
    parent = site_path.rsplit("/", 2)[0] + "/"
    if parent != "/":
        assert decide(TokenFacts("active", parent), site, at).status is AuthStatus.NOT_AT_THIS_LOCATION
    # "/1/" is not a prefix of "/11/": paths end with "/", so siblings never match by accident.
    assert (
        decide(TokenFacts("active", site_path[:-1] + "1/"), site, at).status
        is AuthStatus.NOT_AT_THIS_LOCATION
    )
