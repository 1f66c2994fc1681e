"""One station's local list sync: read what the list depends on, ask the station its version and
limits, plan and send Differential or Full updates within them, then record what the station holds
and the decision log entries of what it accepted; no transaction is held while the station answers."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from depotshare.domain.access.decision_chain import DecisionSource, LogEntry
from depotshare.domain.access.facts import AuthStatus
from depotshare.domain.access.local_list import (
    MAX_ID_TOKEN,
    Desired,
    Entry,
    ListLimits,
    ListUpdateStatus,
    Message,
    apply,
    desired_list,
    fingerprint,
    next_change,
    plan,
)
from depotshare.domain.charging import commands as cmd
from depotshare.domain.common.errors import InvalidInput, StationError, StationOffline, StationTimeout
from depotshare.domain.orgs import tree
from depotshare.services.access import authorization
from depotshare.services.access.local_list_facts import SyncFacts, read_facts
from depotshare.services.common.ports import StationCommands
from depotshare.services.common.unit_of_work import UnitOfWork
from depotshare.store.access.local_lists import LocalLists, entry_json

LOGGER = logging.getLogger("depotshare.local_lists")
VERSION_CHECK_EVERY = timedelta(hours=1)  # GetLocalListVersion at least this often: drift
RETRY_AFTER = timedelta(seconds=30)  # after a failed sync
# How a sync ends when the station refuses an update.
_REFUSED = {
    ListUpdateStatus.FAILED: "failed",
    ListUpdateStatus.VERSION_MISMATCH: "version_mismatch",
    ListUpdateStatus.NOT_SUPPORTED: "not_supported",
}


@dataclass(frozen=True)
class SyncOutcome:
    result: str  # ok | failed | version_mismatch | not_supported | timeout | offline | error
    detail: str | None = None
    version: int | None = None
    entries: int = 0
    messages: int = 0
    full: bool = False


@dataclass
class _Progress:
    limits: ListLimits
    limits_read: bool = False
    station_version: int | None = None
    version: int | None = None
    entries: dict[str, Entry] | None = None  # what the station holds now, if known
    desired: Desired | None = None
    sent: list[Message] = field(default_factory=list)
    full: bool = False


async def sync_station(
    new_uow: Callable[[], UnitOfWork],
    commands: StationCommands,
    station_pk: int,
    *,
    timeout: float,  # noqa: ASYNC109 - each station answer's deadline, passed on to the port
    now: Callable[[], datetime] | None = None,
) -> SyncOutcome:
    """Bring one connected station's list to what the engine admits now. Reads in one short
    transaction, talks to the station with none open, writes the outcome in another. The time is
    `now`'s, by default the unit of work's clock."""
    async with new_uow() as uow:
        now = now or uow.clock.now
        facts = await read_facts(uow, station_pk)
        await uow.commit()  # the row `ensure` may have created
    if facts is None:
        return SyncOutcome("error", "station not found")
    progress = _Progress(facts.limits, entries=facts.entries if facts.version is not None else None)
    progress.version = facts.version
    try:
        if not facts.limits_known:
            progress.limits = await read_limits(commands, facts.ocpp_id, timeout)
            progress.limits_read = True
        if progress.limits.enabled is False:
            outcome = SyncOutcome("not_supported", "the station's local list is disabled")
        else:
            async with new_uow() as uow:
                facts.tokens = await uow.repo(LocalLists).candidate_tokens(facts.prefixes)
            outcome = await _talk(commands, facts, progress, timeout, now())
    except StationOffline as e:
        outcome = SyncOutcome("offline", e.detail)
    except StationTimeout as e:
        outcome = SyncOutcome("timeout", e.detail)
    except StationError as e:
        # A station that does not implement local lists says so with a CALLERROR; asking again
        # every RETRY_AFTER would never end, so it is not supported until the hourly check.
        unsupported = e.code in ("NotImplemented", "NotSupported")
        outcome = SyncOutcome("not_supported" if unsupported else "error", e.detail)
    except InvalidInput as e:  # a bug in what we built: the station is not to blame
        LOGGER.error("%s: local list not sent: %s", facts.ocpp_id, e.detail)
        outcome = SyncOutcome("error", e.detail)
    async with new_uow() as uow:
        at = now()
        await uow.repo(LocalLists).save(
            station_pk, facts.changes, _outcome_values(facts, progress, outcome, at)
        )
        for entry in _listing_log(facts, progress, station_pk, at):
            await authorization.record(uow, entry)
        await uow.commit()
    LOGGER.info("%s: local list %s (%s)", facts.ocpp_id, outcome.result, outcome.detail or "")
    return outcome


def _listing_log(facts: SyncFacts, progress: _Progress, station_pk: int, at: datetime) -> list[LogEntry]:
    """What the station accepted, as decision log entries with source LocalList: a listed token
    (Accepted, with the grant and until when) may charge there offline; one taken off may not."""
    sources = progress.desired.sources if progress.desired else {}
    partners = {p.id: tree.ids_on_path(p.partner_org_path)[-1] for p in facts.partnerships}
    out = []
    for change in (c for message in progress.sent for c in message.changes):
        listed = sources.get(change.id_token) if isinstance(change, Entry) else None
        decision = listed.decision if listed else None
        token = listed.token if listed else None
        if isinstance(change, Entry):
            until = f" until {change.expires_at.isoformat()}" if change.expires_at else ""
            why = f"; {decision.reason}" if decision else ""
            status, reason = AuthStatus.ACCEPTED.value, f"on the local list of {facts.ocpp_id}{until}{why}"
        else:
            status, reason = "Unlisted", f"taken off the local list of {facts.ocpp_id}"
        out.append(
            LogEntry(
                location_id=facts.site.location_id or 0,
                at=at,
                station_id=station_pk,
                evse_id=None,
                id_token=change.id_token,
                token_id=token.id if token else None,
                token_org_id=tree.ids_on_path(token.org_path)[-1] if token else None,
                partner_org_id=partners.get(decision.partnership_id)
                if decision and decision.partnership_id
                else None,
                grant_id=decision.grant_id if decision else None,
                decision=status,
                reason=reason[:200],
                source=DecisionSource.LOCAL_LIST.value,
            )
        )
    return out


async def _talk(
    commands: StationCommands, facts: SyncFacts, progress: _Progress, wait_s: float, at: datetime
) -> SyncOutcome:
    station_version = (await commands.ask(facts.ocpp_id, cmd.GetLocalListVersion(), wait_s)).version
    if station_version is None:
        return SyncOutcome("not_supported", "the station reports that it keeps no local list")
    progress.station_version = station_version
    drifted = facts.version is not None and station_version != facts.version
    if drifted:  # the station's list is not the one we confirmed: replace it whole
        progress.entries = None
    desired = desired_list(
        facts.tokens,
        facts.site,
        at,
        facts.grants,
        facts.partnerships,
        max_entries=progress.limits.max_entries,
        max_id_length=MAX_ID_TOKEN.get(facts.protocol, 20),
    )
    progress.desired = desired
    base = max(station_version, facts.version or 0)
    messages = plan(progress.entries, desired.entries, base, progress.limits, full=facts.full_requested)
    progress.full = any(m.full for m in messages)
    current = progress.entries or {}
    for message in messages:
        command = cmd.SendLocalList(message.version, message.full, message.changes)
        answer = await commands.ask(facts.ocpp_id, command, wait_s)
        if answer.status is not ListUpdateStatus.ACCEPTED:
            why = f" ({answer.reason})" if answer.reason else ""
            return SyncOutcome(
                _REFUSED[answer.status],
                f"SendLocalList version {message.version} answered {answer.status.value}{why}",
                progress.version,
                len(current),
                len(progress.sent),
                progress.full,
            )
        current = apply(current, message)
        progress.entries, progress.version = current, message.version
        progress.sent.append(message)
    if not messages:
        progress.entries, progress.version = current, station_version
    detail = f"drift: the station reported version {station_version}; the whole list was sent"
    return SyncOutcome(
        "ok",
        detail if drifted else None,
        progress.version,
        len(current),
        len(messages),
        progress.full,
    )


async def read_limits(commands: StationCommands, ocpp_id: str, wait_s: float) -> ListLimits:
    """What the station says about its list; unknown where it does not say."""
    try:
        return await commands.ask(ocpp_id, cmd.GetLocalListLimits(), wait_s)
    except StationError:  # a station without these keys: try the list anyway
        return ListLimits()


def _outcome_values(
    facts: SyncFacts, progress: _Progress, outcome: SyncOutcome, at: datetime
) -> dict[str, Any]:
    values: dict[str, Any] = {
        "last_attempt_at": at,
        "last_result": outcome.result,
        "last_detail": (outcome.detail or "")[:200] or None,
        "synced_connection_at": facts.connected_at,
        "synced_boot_at": facts.last_boot_at,
        "full_requested": facts.full_requested and outcome.result not in ("ok", "failed", "not_supported"),
    }
    if progress.limits_read:
        limits = progress.limits
        values |= {
            "enabled": limits.enabled,
            "max_entries": limits.max_entries,
            "items_per_message": limits.items_per_message,
            "bytes_per_message": limits.bytes_per_message,
            "limits_read_at": at,
        }
    if progress.entries is not None:  # what the station confirmed, also after a partial sync
        values |= {
            "version": progress.version,
            "entries": [entry_json(e) for _, e in sorted(progress.entries.items())],
            "entry_count": len(progress.entries),
            "fingerprint": fingerprint(progress.entries),
        }
    elif progress.station_version is not None:  # drifted and nothing accepted: unknown content
        values |= {"version": None, "entries": [], "entry_count": 0, "fingerprint": None}
    if progress.desired is not None:
        desired = progress.desired
        values |= {"admitted": desired.admitted, "left_out": len(desired.left_out) + len(desired.unlistable)}
    if outcome.result == "ok":
        assert progress.desired is not None
        nxt = next_change(progress.desired, facts.tokens, facts.site, at, facts.grants, facts.partnerships)
        values |= {
            "last_sync_at": at,
            "next_sync_at": min(d for d in (nxt, at + VERSION_CHECK_EVERY) if d is not None),
            "dirty": False,
        }
    elif outcome.result == "not_supported":
        values |= {"next_sync_at": at + VERSION_CHECK_EVERY, "dirty": False}
    else:
        # A Differential the station refused for its version: the next try sends the whole list.
        if outcome.result == "version_mismatch":
            values["full_requested"] = True
        values |= {"next_sync_at": at + RETRY_AFTER, "dirty": True}
    return values
