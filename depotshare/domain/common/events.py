"""Domain events: what happened in a use case, stated once by the writer. What must follow (an
audit entry, a station's local list made due, later a depot's power re-allocated) is a handler's
business, registered in one table (services/handlers.py), so no writer can forget it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from depotshare.domain.common.actor import Actor


@dataclass(frozen=True, kw_only=True)
class DomainEvent:
    """Base of every event; handlers registered for a class also receive its subclasses."""


@dataclass(frozen=True, kw_only=True)
class Changed(DomainEvent):
    """A tenant or platform object written by an actor: what the audit log records.

    Capabilities subclass it when others must react to the change (a token's organisations, a
    station's move); a change nobody reacts to but the audit log is a plain Changed."""

    actor: Actor
    entity: str
    entity_id: str | int
    action: str  # create, update, delete, or a verb of the capability (command, sync, ...)
    org_id: int | None
    before: Mapping[str, Any] | None = None
    after: Mapping[str, Any] | None = None
