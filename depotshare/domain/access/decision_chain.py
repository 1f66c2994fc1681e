"""The access decision log's tamper evidence: a canonical serialisation of an entry, its SHA-256
chained to the previous entry of the same location, and the check that finds the first broken link.

A chain proves the entries between its first and last link: changing, deleting or reordering any
of them breaks it. Removing entries from the end leaves a shorter valid chain, so `verify` takes
the head hash recorded elsewhere (when there is one) to catch that too.
"""

from __future__ import annotations

import enum
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, fields, replace
from datetime import UTC, datetime

GENESIS = "0" * 64  # the prev_hash of a location's first entry


class DecisionSource(enum.StrEnum):
    """What asked for a decision."""

    AUTHORIZE = "Authorize"  # OCPP Authorize
    START = "Start"  # 1.6 StartTransaction, 2.0.1 TransactionEvent Started
    UPDATE = "Update"  # a token presented during a 2.0.1 transaction
    STOP = "Stop"  # the token that ended a transaction
    REMOTE = "Remote"  # a remote start from the API or portal
    LOCAL_LIST = "LocalList"  # a token put on a station's local list


@dataclass(frozen=True)
class LogEntry:
    """The fields of one decision that the hash covers (all but the database id)."""

    location_id: int
    at: datetime  # timezone-aware
    station_id: int | None
    evse_id: int | None
    id_token: str | None
    token_id: int | None
    token_org_id: int | None
    partner_org_id: int | None
    grant_id: int | None
    decision: str
    reason: str | None
    source: str
    prev_hash: str = GENESIS
    hash: str = ""


_HASHED = tuple(f.name for f in fields(LogEntry) if f.name != "hash")


def canonical(entry: LogEntry) -> bytes:
    """Sorted-key compact JSON of every hashed field; `at` in UTC with microseconds, so the same
    instant serialises the same whichever offset it was given in."""
    if entry.at.tzinfo is None:
        raise ValueError("a log entry's time must be timezone-aware")
    values: dict[str, object] = {name: getattr(entry, name) for name in _HASHED}
    values["at"] = entry.at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return json.dumps(values, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def entry_hash(entry: LogEntry) -> str:
    return hashlib.sha256(canonical(entry)).hexdigest()


def chained(entry: LogEntry, prev_hash: str) -> LogEntry:
    """The entry as it is appended after `prev_hash` (GENESIS for a location's first entry)."""
    linked = replace(entry, prev_hash=prev_hash, hash="")
    return replace(linked, hash=entry_hash(linked))


def verify(entries: Sequence[LogEntry], head: str | None = None, after: str = GENESIS) -> int | None:
    """The index of the first entry that breaks the chain, or None when it holds. `entries` are
    one location's log in append order, from its start or, for a log checked in pieces, from the
    entry following the one whose hash is `after`; `head`, when given, is the hash the last entry
    must have (an index of len(entries) means entries are missing at the end)."""
    expected_prev = after
    for i, entry in enumerate(entries):
        if entry.prev_hash != expected_prev or entry.hash != entry_hash(entry):
            return i
        if i and entry.location_id != entries[0].location_id:
            return i
        expected_prev = entry.hash
    if head is not None and expected_prev != head:
        return len(entries)
    return None
