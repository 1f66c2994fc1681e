"""All tables. Import from here; Alembic's env reads Base.metadata after this import."""

from depotshare.store.base import Base
from depotshare.store.models.access import AccessDecision, Grant, GrantScope, Partnership, Tariff
from depotshare.store.models.assets import ChargingStation, Connector, Evse, Location
from depotshare.store.models.audit import AuditEntry
from depotshare.store.models.charging import (
    ChargingSession,
    ConnectorStatus,
    MeterValue,
    StationEvent,
    StatusEvent,
    TransactionEventRecord,
)
from depotshare.store.models.fleet import CostCentre, Employee, Token, Vehicle
from depotshare.store.models.orgs import ApiKey, Organisation, RoleAssignment, User

__all__ = [
    "AccessDecision",
    "ApiKey",
    "AuditEntry",
    "Base",
    "ChargingSession",
    "ChargingStation",
    "Connector",
    "ConnectorStatus",
    "CostCentre",
    "Employee",
    "Evse",
    "Grant",
    "GrantScope",
    "Location",
    "MeterValue",
    "Organisation",
    "Partnership",
    "RoleAssignment",
    "StationEvent",
    "StatusEvent",
    "Tariff",
    "Token",
    "TransactionEventRecord",
    "User",
    "Vehicle",
]
