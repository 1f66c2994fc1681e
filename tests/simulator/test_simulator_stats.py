"""The simulator's summary counts each direction apart: the stations' calls to the CSMS (sent,
answered, not answered) and the CSMS's calls to the stations (received, answered)."""

from __future__ import annotations

from depotshare.simulator.stats import Stats


def test_summary_says_which_calls_were_answered() -> None:
    stats = Stats(stations=2, connected=2, booted=2)
    for _ in range(160):
        stats.record_rtt("MeterValues", 0.002)
    stats.record_rtt("BootNotification", 0.004)
    stats.calls_sent += 5  # sent, then a CALLERROR or no answer in time
    stats.calls_received = 6  # e.g. SendLocalList and GetConfiguration from the CSMS
    lines = stats.render(10.0).splitlines()
    assert lines[2] == (
        "calls      166 sent to the CSMS (16.6/s), 161 answered, 5 unanswered or refused; "
        "6 received from the CSMS, all answered"
    )
    assert lines[3] == "problems   0 errors, 0 reconnects, 0 queued, 0 dropped"
    d = stats.as_dict(10.0)
    assert (d["calls_sent"], d["calls_answered"], d["calls_received"]) == (166, 161, 6)
    other = Stats()
    other.record_rtt("Heartbeat", 0.001)
    stats.merge(other)
    assert stats.calls_answered == 162 and stats.calls_sent == 167
