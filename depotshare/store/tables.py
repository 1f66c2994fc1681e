"""All tables. Import from here; Alembic's env reads Base.metadata after this import."""

from depotshare.store.access.local_list_models import StationLocalList
from depotshare.store.access.models import (
    AccessDecision,
    AccessLogHead,
    Grant,
    GrantScope,
    Partnership,
    Tariff,
)
from depotshare.store.charging.models import (
    ChargingSession,
    ConnectorStatus,
    MeterValue,
    StationEvent,
    StatusEvent,
    TransactionEventRecord,
)
from depotshare.store.common.base import Base
from depotshare.store.common.models import AuditEntry
from depotshare.store.fleet.models import CostCentre, Employee, Token, Vehicle
from depotshare.store.orgs.models import ApiKey, Organisation, RoleAssignment, User
from depotshare.store.roaming.models import RoamingPartner
from depotshare.store.sites.models import ChargingStation, Connector, Evse, Location

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
