"""All tables. Import from here; Alembic's env reads Base.metadata after this import."""

from depotshare.store.base import Base
from depotshare.store.models.access import (
    AccessDecision,
    AccessLogHead,
    Grant,
    GrantScope,
    Partnership,
    Tariff,
)
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
from depotshare.store.models.local_lists import StationLocalList
from depotshare.store.models.orgs import ApiKey, Organisation, RoleAssignment, User
from depotshare.store.models.roaming import RoamingPartner

__all__ = [
    "AccessDecision",
    "AccessLogHead",
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
    "RoamingPartner",
    "RoleAssignment",
    "StationEvent",
    "StationLocalList",
    "StatusEvent",
    "Tariff",
    "Token",
    "TransactionEventRecord",
    "User",
    "Vehicle",
]
