"""Request bodies of the remote commands (POST /stations/{id}/commands/{name}); each builds the
protocol-neutral command the gateway translates for the station's OCPP version."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field, StringConstraints

from depotshare.api.schemas.common import Input
from depotshare.domain.charging import commands as cmd
from depotshare.domain.sites.assets import MAX_OCPP_ID

ConfigKey = Annotated[str, StringConstraints(min_length=1, max_length=50)]
# Names a TriggerMessage may ask for in OCPP 1.6 or 2.0.1; the gateway refuses those the
# station's version does not know.
TriggerName = Literal[
    "BootNotification",
    "DiagnosticsStatusNotification",
    "FirmwareStatusNotification",
    "Heartbeat",
    "LogStatusNotification",
    "MeterValues",
    "PublishFirmwareStatusNotification",
    "SignChargingStationCertificate",
    "SignCombinedCertificate",
    "SignV2GCertificate",
    "StatusNotification",
    "TransactionEvent",
]


class RemoteStartIn(Input):
    id_token: str = Field(min_length=1, max_length=36, description="uid of a token you may read")
    evse_id: int | None = Field(default=None, ge=1, le=MAX_OCPP_ID, description="1.6: connectorId")

    def command(self) -> cmd.RemoteStart:
        return cmd.RemoteStart(self.id_token, self.evse_id)


class RemoteStopIn(Input):
    transaction_id: str = Field(min_length=1, max_length=36)

    def command(self) -> cmd.RemoteStop:
        return cmd.RemoteStop(self.transaction_id)


class ResetIn(Input):
    kind: Literal["soft", "hard"] = Field(
        default="soft", description="2.0.1: soft = OnIdle, hard = Immediate"
    )

    def command(self) -> cmd.Reset:
        return cmd.Reset(self.kind)


class UnlockConnectorIn(Input):
    evse_id: int = Field(ge=1, le=MAX_OCPP_ID, description="1.6: the connectorId")
    connector_id: int = Field(default=1, ge=1, le=MAX_OCPP_ID)

    def command(self) -> cmd.UnlockConnector:
        return cmd.UnlockConnector(self.evse_id, self.connector_id)


class ChangeAvailabilityIn(Input):
    operative: bool
    evse_id: int = Field(default=0, ge=0, le=MAX_OCPP_ID, description="0: the whole station")

    def command(self) -> cmd.ChangeAvailability:
        return cmd.ChangeAvailability(self.operative, self.evse_id)


class GetConfigurationIn(Input):
    keys: list[ConfigKey] = Field(default_factory=list, max_length=100, description="none: every key")

    def command(self) -> cmd.GetConfiguration:
        return cmd.GetConfiguration(list(self.keys))


class ChangeConfigurationIn(Input):
    key: str = Field(min_length=1, max_length=50)
    value: str = Field(max_length=500)

    def command(self) -> cmd.ChangeConfiguration:
        return cmd.ChangeConfiguration(self.key, self.value)


class _Ocpp(Input):
    """OCPP 2.0.1 structures, passed through with OCPP's own (camelCase) field names."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, populate_by_name=False)


class EvseRefIn(_Ocpp):
    id: int = Field(ge=0, le=MAX_OCPP_ID)
    connector_id: int | None = Field(default=None, alias="connectorId", ge=0, le=MAX_OCPP_ID)


class ComponentIn(_Ocpp):
    name: str = Field(min_length=1, max_length=50)
    instance: str | None = Field(default=None, min_length=1, max_length=50)
    evse: EvseRefIn | None = None


class VariableIn(_Ocpp):
    name: str = Field(min_length=1, max_length=50)
    instance: str | None = Field(default=None, min_length=1, max_length=50)


AttributeType = Literal["Actual", "Target", "MinSet", "MaxSet"]


class GetVariableIn(_Ocpp):
    component: ComponentIn
    variable: VariableIn
    attribute_type: AttributeType | None = Field(default=None, alias="attributeType")


class SetVariableIn(GetVariableIn):
    attribute_value: str = Field(alias="attributeValue", max_length=1000)


def _ocpp(items: list[GetVariableIn] | list[SetVariableIn]) -> list[dict[str, Any]]:
    return [v.model_dump(by_alias=True, exclude_none=True) for v in items]


class GetVariablesIn(Input):
    variables: list[GetVariableIn] = Field(min_length=1, max_length=100, description="OCPP GetVariableData")

    def command(self) -> cmd.GetVariables:
        return cmd.GetVariables(_ocpp(self.variables))


class SetVariablesIn(Input):
    variables: list[SetVariableIn] = Field(min_length=1, max_length=100, description="OCPP SetVariableData")

    def command(self) -> cmd.SetVariables:
        return cmd.SetVariables(_ocpp(self.variables))


class GetBaseReportIn(Input):
    request_id: int = Field(ge=0, le=MAX_OCPP_ID)
    report_base: Literal["ConfigurationInventory", "FullInventory", "SummaryInventory"] = "FullInventory"

    def command(self) -> cmd.GetBaseReport:
        return cmd.GetBaseReport(self.request_id, self.report_base)


class TriggerMessageIn(Input):
    message: TriggerName
    evse_id: int | None = Field(default=None, ge=0, le=MAX_OCPP_ID, description="1.6: connectorId")

    def command(self) -> cmd.TriggerMessage:
        return cmd.TriggerMessage(self.message, self.evse_id)


class ClearCacheIn(Input):
    def command(self) -> cmd.ClearCache:
        return cmd.ClearCache()


class RawIn(Input):
    action: str = Field(pattern=r"^[A-Z][A-Za-z0-9]{1,49}$", description="OCPP action, e.g. SendLocalList")
    payload: dict[str, Any] = Field(default_factory=dict, description="the OCPP payload, schema-checked")

    def command(self) -> cmd.Raw:
        return cmd.Raw(self.action, self.payload)
