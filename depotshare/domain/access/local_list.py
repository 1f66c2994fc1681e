"""A station's OCPP Local Authorization List: the entries the engine wants there (ranked and cut to
what the station can hold), the changes from what the station confirmed, those changes as
SendLocalList messages within the station's limits, and the next instant the list changes by itself.
Protocol-neutral: the gateway spells an entry as 1.6 idTagInfo or 2.0.1 idTokenInfo, and reads the
station's answers as ListVersion, ListUpdate and ListLimits."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from enum import StrEnum
from zoneinfo import ZoneInfo

from depotshare.domain.access.facts import SiteFacts, TokenFacts
from depotshare.domain.access.grants import Grant, PartnershipFacts
from depotshare.domain.access.offline import ListEntry, admitted_at_station
from depotshare.domain.access.windows import first_instant, next_opening

# The longest id token each protocol can list (1.6 idTag CiString20, 2.0.1 IdToken.idToken 36).
MAX_ID_TOKEN = {"ocpp1.6": 20, "ocpp2.0.1": 36}
# An upper bound of the OCPP-J frame around the entries of a SendLocalList:
# [2,"<message id of up to 36>","SendLocalList",{"versionNumber":<int>,"updateType":"Differential",
# "localAuthorizationList":[...]}], with room to spare.
MESSAGE_OVERHEAD_BYTES = 160


@dataclass(frozen=True)
class Entry:
    """A token on the list, status Accepted (the list holds only admitted tokens)."""

    id_token: str
    token_type: str | None = None  # domain.fleet.tokens.TokenType value
    expires_at: datetime | None = None  # 1.6 expiryDate, 2.0.1 cacheExpiryDateTime
    group: str | None = None  # 1.6 parentIdTag, 2.0.1 groupIdToken
    charging_priority: int | None = None  # 2.0.1 only


@dataclass(frozen=True)
class Removal:
    """In a differential update: take the token off the list (an entry without idTagInfo)."""

    id_token: str
    token_type: str | None = None


Change = Entry | Removal


@dataclass(frozen=True)
class ListLimits:
    """What a station says about its list; None where it did not say."""

    enabled: bool | None = None  # 1.6 LocalAuthListEnabled, 2.0.1 LocalAuthListCtrlr.Enabled
    max_entries: int | None = None  # 1.6 LocalAuthListMaxLength, 2.0.1 Entries (maxLimit)
    items_per_message: int | None = None  # 1.6 SendLocalListMaxLength, 2.0.1 ItemsPerMessage
    bytes_per_message: int | None = None  # 2.0.1 BytesPerMessage


@dataclass(frozen=True)
class ListVersion:
    """A station's answer to GetLocalListVersion."""

    version: int | None  # of the list it holds, 0: none yet; None: it keeps no local list at all


class ListUpdateStatus(StrEnum):
    ACCEPTED = "accepted"
    FAILED = "failed"
    VERSION_MISMATCH = "version_mismatch"  # a Differential that did not fit the station's version
    NOT_SUPPORTED = "not_supported"  # the station keeps no local list (1.6 only)


@dataclass(frozen=True)
class ListUpdate:
    """A station's answer to one SendLocalList."""

    status: ListUpdateStatus
    reason: str | None = None  # why, where the station says (2.0.1 statusInfo)


@dataclass(frozen=True)
class Message:
    """One SendLocalList: a full list (replaces the station's) or a differential update."""

    version: int
    full: bool
    changes: tuple[Change, ...]


@dataclass(frozen=True)
class Desired:
    entries: dict[str, Entry]  # by id token: what the station is to hold
    admitted: int  # tokens the engine admits at the station, listable or not
    left_out: tuple[str, ...] = ()  # admitted, but beyond the station's size: the least important
    unlistable: tuple[str, ...] = ()  # admitted, but the id is too long for the protocol
    sources: dict[str, ListEntry] = field(default_factory=dict, compare=False)  # the engine's entries


def importance(entry: ListEntry) -> tuple[int, str]:
    """Which tokens a station too small for the whole list keeps: the highest chargingPriority
    (the grant's priority class: class 1, the host's own fleet, first), then by id token, so the
    cut is stable from one sync to the next."""
    priority = entry.decision.charging_priority if entry.decision else None
    return (-(priority if priority is not None else 0), entry.token.uid or "")


def desired_list(
    tokens: Iterable[TokenFacts],
    site: SiteFacts,
    at: datetime,
    grants: Sequence[Grant],
    partnerships: Sequence[PartnershipFacts],
    *,
    max_entries: int | None = None,
    max_id_length: int = MAX_ID_TOKEN["ocpp2.0.1"],
) -> Desired:
    """The list for the station at `at`: every token the engine admits there offline
    (offline.admitted_at_station), the most important first when the station holds fewer."""
    admitted = admitted_at_station(tokens, site, at, grants, partnerships)
    fits = [bool(e.token.uid) and len(e.token.uid or "") <= max_id_length for e in admitted]
    listable = sorted((e for e, ok in zip(admitted, fits, strict=True) if ok), key=importance)
    unlistable = tuple(sorted(e.token.uid or "" for e, ok in zip(admitted, fits, strict=True) if not ok))
    cut = len(listable) if max_entries is None else max(0, max_entries)
    kept, dropped = listable[:cut], listable[cut:]
    return Desired(
        entries={e.token.uid or "": as_entry(e) for e in kept},
        admitted=len(admitted),
        left_out=tuple(e.token.uid or "" for e in dropped),
        unlistable=unlistable,
        sources={e.token.uid or "": e for e in kept},
    )


def as_entry(entry: ListEntry) -> Entry:
    return Entry(
        entry.token.uid or "",
        entry.token.type,
        entry.expires_at,
        entry.group,
        entry.decision.charging_priority if entry.decision else None,
    )


def diff(old: Mapping[str, Entry], new: Mapping[str, Entry]) -> list[Change]:
    """The differential update turning `old` into `new`, by id token."""
    removed: list[Change] = [Removal(k, old[k].token_type) for k in old if k not in new]
    changed: list[Change] = [e for k, e in new.items() if old.get(k) != e]
    return sorted(removed + changed, key=lambda c: c.id_token)


def apply(old: Mapping[str, Entry], message: Message) -> dict[str, Entry]:
    """The list a station holds after accepting `message`."""
    out = {} if message.full else dict(old)
    for change in message.changes:
        if isinstance(change, Entry):
            out[change.id_token] = change
        else:
            out.pop(change.id_token, None)
    return out


def plan(
    old: Mapping[str, Entry] | None,
    new: Mapping[str, Entry],
    version: int,
    limits: ListLimits = ListLimits(),
    *,
    full: bool = False,
) -> list[Message]:
    """The messages that bring a station holding `old` at `version` (None: unknown) to `new`.
    Differential when the station's list is known and the change is no larger than the new list,
    else Full. Each message stays within the station's items and bytes per message; a Full list
    that does not fit one message goes as a Full first part and Differential rest. Versions count
    up from `version` + 1, one per message; nothing to send when nothing changed."""
    if old is None or full:
        changes: list[Change] = [new[k] for k in sorted(new)]
        send_full = True
    else:
        changes = diff(old, new)
        if not changes:
            return []
        send_full = len(changes) > len(new)
        if send_full:
            changes = [new[k] for k in sorted(new)]
    parts = chunks(changes, limits) or [[]]
    return [Message(version + 1 + i, send_full and i == 0, tuple(part)) for i, part in enumerate(parts)]


def chunks(changes: Sequence[Change], limits: ListLimits) -> list[list[Change]]:
    """`changes` in order, cut so that no part exceeds the items or (estimated) bytes per message.
    An entry too large for a message on its own still goes, alone."""
    most = limits.items_per_message if limits.items_per_message and limits.items_per_message > 0 else None
    budget = limits.bytes_per_message if limits.bytes_per_message and limits.bytes_per_message > 0 else None
    parts: list[list[Change]] = []
    part: list[Change] = []
    size = MESSAGE_OVERHEAD_BYTES
    for change in changes:
        cost = entry_bytes(change) + 1  # the comma
        too_many = most is not None and len(part) >= most
        too_big = budget is not None and size + cost > budget
        if part and (too_many or too_big):
            parts.append(part)
            part, size = [], MESSAGE_OVERHEAD_BYTES
        part.append(change)
        size += cost
    if part:
        parts.append(part)
    return parts


def entry_bytes(change: Change) -> int:
    """An upper bound of one list item as OCPP-J sends it in either version: the 2.0.1 form
    {"idToken":{"idToken":..,"type":"ISO14443"},"idTokenInfo":{"status":"Accepted",
    "cacheExpiryDateTime":"..Z","chargingPriority":-9,"groupIdToken":{"idToken":..,"type":"Central"}}}
    is the longer one."""
    size = 40 + len(json.dumps(change.id_token))  # {"idToken":{"idToken":"..","type":"NoAuthorization"}}
    if isinstance(change, Removal):
        return size
    size += 36  # ,"idTokenInfo":{"status":"Accepted"}
    if change.expires_at is not None:
        size += 52  # ,"cacheExpiryDateTime":"2026-11-22T10:00:00.000Z"
    if change.charging_priority is not None:
        size += 24  # ,"chargingPriority":-9
    if change.group is not None:
        size += 48 + len(json.dumps(change.group))  # ,"groupIdToken":{"idToken":"..","type":"Central"}
    return size


def fingerprint(entries: Mapping[str, Entry]) -> str:
    """SHA-256 of the list's content, the same for the same entries in any order."""
    rows = [
        [
            e.id_token,
            e.token_type,
            e.expires_at.astimezone(UTC).isoformat() if e.expires_at else None,
            e.group,
            e.charging_priority,
        ]
        for _, e in sorted(entries.items())
    ]
    return hashlib.sha256(json.dumps(rows, separators=(",", ":")).encode()).hexdigest()


def next_change(
    desired: Desired,
    tokens: Iterable[TokenFacts],
    site: SiteFacts,
    at: datetime,
    grants: Sequence[Grant],
    partnerships: Sequence[PartnershipFacts],
) -> datetime | None:
    """The first instant after `at` at which the list may change without anything being edited:
    an admitted entry expiring (window end, validity end), a window opening, or a token, grant or
    partnership coming into force. Until then the list is what `desired_list` gave at `at`."""
    zone = ZoneInfo(site.timezone)
    moments: list[datetime | None] = [e.expires_at for e in desired.sources.values()]
    moments += [_start(t.valid_from, zone) for t in tokens if t.status == "active"]
    for grant in grants:
        moments.append(_start(grant.valid_from, zone))
        if grant.windows:
            moments.append(next_opening(grant.windows, at, zone))
    moments += [_start(p.valid_from, zone) for p in partnerships]
    return min((m for m in moments if m is not None and m > at), default=None)


def _start(day: date | None, zone: ZoneInfo) -> datetime | None:
    """The first instant of a local day (validity starts on a day, in the location's time)."""
    if day is None:
        return None
    return first_instant(datetime.combine(day, time(0)), zone)
