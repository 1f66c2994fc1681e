"""Properties of the charging session (pure domain, many examples): energy is never negative;
readings make the same session however often and in whatever order and batches they come, before
or after the stop; a 2.0.1 transaction's events make the same session in any order of delivery;
late readings never lower the final meter, nor a final meter read from the readings below the
last reading before the stop."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from depotshare.domain.charging.attribution import Attribution
from depotshare.domain.charging.meter import TRANSACTION_BEGIN, TRANSACTION_END, Reading
from depotshare.domain.charging.sessions import ChargingSession

T0 = datetime(2026, 3, 1, 10, tzinfo=UTC)
OWNER = Attribution(owner_org_id=1)
PROTOCOLS = ("ocpp1.6", "ocpp2.0.1")

minutes = st.integers(0, 240).map(lambda m: T0 + timedelta(minutes=m))
meters = st.integers(0, 100_000)
# Readings of any meter, even one that runs backwards, taken for periodic samples (the start's
# and the stop's own readings come with their events).
readings = st.builds(Reading, minutes, meters, st.sampled_from([None, "Sample.Periodic", "Sample.Clock"]))
batches = st.lists(st.lists(readings, max_size=6), max_size=5)


def _started(protocol: str, meter_start: int | None) -> ChargingSession:
    if protocol == "ocpp1.6":
        return ChargingSession.start("1", protocol, T0, OWNER, meter_start_wh=meter_start)
    begin = [] if meter_start is None else [Reading(T0, meter_start, TRANSACTION_BEGIN)]
    return ChargingSession.start("tx", protocol, T0, OWNER, readings=begin)


def _ended(session: ChargingSession, at: datetime, final: int | None) -> ChargingSession:
    if session.protocol == "ocpp1.6":
        return session.end(at, "Local", meter_stop_wh=final)
    return session.end(at, "Local", readings=[] if final is None else [Reading(at, final, TRANSACTION_END)])


def _fed(session: ChargingSession, feed: list[list[Reading]]) -> ChargingSession:
    for batch in feed:
        session = session.record(batch)
    return session


@st.composite
def stopped_sessions(draw: st.DrawFn) -> ChargingSession:
    """A session of either protocol fed readings, then ended (with or without a final meter) or
    closed by the station's reboot."""
    session = _fed(_started(draw(st.sampled_from(PROTOCOLS)), draw(st.none() | meters)), draw(batches))
    stopped_at = draw(minutes)
    if draw(st.booleans()):
        return session.close_on_reboot(stopped_at)
    return _ended(session, stopped_at, draw(st.none() | meters))


@settings(max_examples=150)
@given(stopped_sessions(), batches)
def test_energy_is_never_negative(session: ChargingSession, late: list[list[Reading]]) -> None:
    for step in (session, _fed(session, late)):
        assert step.energy_wh is None or step.energy_wh >= 0
        assert step.energy_wh is None or step.energy_wh == (step.meter_stop_wh or 0) - (
            step.meter_start_wh or 0
        )


@settings(max_examples=150)
@given(
    st.sampled_from(PROTOCOLS),
    st.none() | meters,
    batches,
    minutes,
    st.none() | meters,
    st.data(),
)
def test_readings_make_the_same_session_in_any_order_batches_and_number(
    protocol: str,
    meter_start: int | None,
    feed: list[list[Reading]],
    stopped_at: datetime,
    final: int | None,
    data: st.DataObject,
) -> None:
    everything = [reading for batch in feed for reading in batch]
    in_one = _ended(_started(protocol, meter_start).record(everything), stopped_at, final)
    # Again, reshuffled, some sent twice, cut into other batches, some arriving after the stop.
    twice = data.draw(st.lists(st.sampled_from(everything))) if everything else []
    again = data.draw(st.permutations(everything + twice))
    cut = data.draw(st.integers(0, len(again)))
    before, late = again[:cut], again[cut:]
    size = data.draw(st.integers(1, 4))
    session = _fed(
        _started(protocol, meter_start), [before[i : i + size] for i in range(0, len(before), size)]
    )
    session = _fed(
        _ended(session, stopped_at, final), [late[i : i + size] for i in range(0, len(late), size)]
    )
    assert session == in_one


@settings(max_examples=150)
@given(st.none() | meters, batches, minutes, st.none() | meters, st.data())
def test_a_201_transaction_is_the_same_in_any_order_of_its_events(
    meter_start: int | None,
    updates: list[list[Reading]],
    stopped_at: datetime,
    final: int | None,
    data: st.DataObject,
) -> None:
    begin = [] if meter_start is None else [Reading(T0, meter_start, TRANSACTION_BEGIN)]
    end = [] if final is None else [Reading(stopped_at, final, TRANSACTION_END)]
    events = [("Started", begin), *(("Updated", batch) for batch in updates), ("Ended", end)]

    def delivered(order: list[tuple[str, list[Reading]]]) -> ChargingSession:
        session: ChargingSession | None = None
        for kind, batch in order:
            if session is None:  # the first event to arrive opens the session
                session = ChargingSession.start("tx", "ocpp2.0.1", T0 if kind == "Started" else None, OWNER)
            if kind == "Started":
                session = session.start_known(T0, batch)
            elif kind == "Ended":
                session = session.end(stopped_at, "Local", readings=batch)
            else:
                session = session.record(batch)
        assert session is not None
        return session

    in_order = delivered(events)
    assert delivered(data.draw(st.permutations(events))) == in_order
    assert in_order.started_at == T0 and in_order.state.value == "completed"


@settings(max_examples=150)
@given(stopped_sessions(), batches)
def test_late_readings_never_lower_the_final_meter(
    session: ChargingSession, late: list[list[Reading]]
) -> None:
    assert session.stop is not None
    for batch in late:
        later = session.record(batch)
        assert later.stop is not None and later.stop.at == session.stop.at
        if session.final_reported:  # the station's own final meter (1.6 meterStop) stands
            assert later.meter_stop_wh == session.meter_stop_wh
        elif session.meter_stop_wh is not None:
            assert later.meter_stop_wh is not None and later.meter_stop_wh >= session.meter_stop_wh
        session = later
    stop = session.stop
    taken = [r.wh for r in session.readings if r.at <= stop.at]
    read_from_readings = not session.final_reported and not any(
        r.context == TRANSACTION_END for r in session.readings
    )
    if read_from_readings and taken:
        assert session.meter_stop_wh is not None and session.meter_stop_wh >= max(taken)
