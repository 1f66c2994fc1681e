"""The command channel, central system -> station: the StationCommands port (services/common/ports.py)
over the connections in the registry. A protocol-neutral command becomes the message of the
station's protocol through TRANSLATORS, the answer to a query the domain's typed result through
answers.READERS: the two tables a protocol version adds its entries to."""

from __future__ import annotations

import asyncio
import dataclasses
import itertools
import logging
import re
import time
from collections.abc import Callable
from typing import Any, TypeVar, cast

from ocpp.charge_point import camel_to_snake_case, remove_nones, serialize_as_dict, snake_to_camel_case
from ocpp.exceptions import OCPPError, UnknownCallErrorCodeError
from ocpp.messages import Call, validate_payload
from ocpp.v16 import call as call16
from ocpp.v16.enums import Action as Action16
from ocpp.v201 import call as call201
from ocpp.v201.enums import Action as Action201

from depotshare.domain.access.local_list import Change, Entry
from depotshare.domain.charging import commands as cmd
from depotshare.domain.common.errors import InvalidInput, StationError, StationOffline, StationTimeout
from depotshare.ocpp.answers import LIST_CTRLR, LIST_KEYS_16, LIST_VARIABLES_201, READERS
from depotshare.ocpp.connection import Closed
from depotshare.ocpp.quirks import iso
from depotshare.ocpp.registry import Registry
from depotshare.ocpp.station import StationBase

LOGGER = logging.getLogger("depotshare.ocpp")
Translator = Callable[[cmd.Command], Any]  # a command -> the library's call payload dataclass
A = TypeVar("A")


def raw_call(module: Any, actions: frozenset[str], command: cmd.Raw) -> Any:
    """A Raw command as the library's call class of that name, built from the camelCase payload
    with the library's own key conversion (so it round-trips as the library sends it)."""
    cls: Any = getattr(module, command.action, None) if command.action in actions else None
    if not isinstance(cls, type) or not dataclasses.is_dataclass(cls):
        raise InvalidInput("action", f"{command.action!r} is not a message of this protocol")
    try:
        return cls(**camel_to_snake_case(command.payload))
    except TypeError as e:
        raise InvalidInput("payload", f"does not fit {command.action}: {e}") from None


_ACTIONS_16 = frozenset(a.value for a in Action16)


def translate_v16(command: cmd.Command) -> Any:
    """1.6 connector N is our EVSE N (see v16.py), so EVSE ids go where 1.6 wants a connectorId."""
    match command:
        case cmd.RemoteStart(id_token=tag, evse_id=evse, charging_profile=profile):
            profile = camel_to_snake_case(profile) if profile else None
            return call16.RemoteStartTransaction(id_tag=tag, connector_id=evse, charging_profile=profile)
        case cmd.RemoteStop(transaction_id=tx):
            if not tx.isdigit():
                raise InvalidInput("transaction_id", "an OCPP 1.6 transaction id is an integer")
            return call16.RemoteStopTransaction(transaction_id=int(tx))
        case cmd.Reset(kind=kind):
            return call16.Reset(type="Hard" if kind == "hard" else "Soft")
        case cmd.UnlockConnector(evse_id=evse):
            return call16.UnlockConnector(connector_id=evse)
        case cmd.ChangeAvailability(operative=operative, evse_id=evse):
            return call16.ChangeAvailability(
                connector_id=evse, type="Operative" if operative else "Inoperative"
            )
        case cmd.GetConfiguration(keys=keys):
            return call16.GetConfiguration(key=list(keys) or None)
        case cmd.ChangeConfiguration(key=key, value=value):
            return call16.ChangeConfiguration(key=key, value=value)
        case cmd.TriggerMessage(message=message, evse_id=evse):
            return call16.TriggerMessage(requested_message=message, connector_id=evse)
        case cmd.ClearCache():
            return call16.ClearCache()
        case cmd.SendLocalList(version=version, full=full, changes=changes):
            return call16.SendLocalList(
                list_version=version,
                update_type=_update_type(full),
                local_authorization_list=[_authorization_data_16(c) for c in changes],
            )
        case cmd.GetLocalListVersion():
            return call16.GetLocalListVersion()
        case cmd.GetLocalListLimits():
            return call16.GetConfiguration(key=list(LIST_KEYS_16))
        case cmd.Raw():
            return raw_call(call16, _ACTIONS_16, command)
    raise InvalidInput("command", f"OCPP 1.6 has no {type(command).__name__}; use its 1.6 counterpart")


def _update_type(full: bool) -> str:
    return "Full" if full else "Differential"


def _authorization_data_16(change: Change) -> dict[str, Any]:
    """A 1.6 localAuthorizationList item; without idTagInfo it takes the idTag off the list."""
    item: dict[str, Any] = {"id_tag": change.id_token}
    if isinstance(change, Entry):
        info: dict[str, Any] = {"status": "Accepted"}
        if change.expires_at is not None:
            info["expiry_date"] = iso(change.expires_at)
        if change.group:
            info["parent_id_tag"] = change.group
        item["id_tag_info"] = info
    return item


# --- OCPP 2.0.1 ---------------------------------------------------------------------------------

_ACTIONS_201 = frozenset(a.value for a in Action201)
_HEX_UID = re.compile(r"^(?:[0-9A-Fa-f]{2}){4,10}$")
# remoteStartId: unique enough per process to tell this request's transaction from others.
_remote_start_ids = itertools.count(int(time.time()) % 1_000_000_000)


def _evse(evse_id: int | None) -> dict[str, int] | None:
    return {"id": evse_id} if evse_id else None  # 0 or None: the whole station


def _token_type(uid: str) -> str:
    """How a station would name the token: hex card uids are ISO14443, DE*ABC*... an eMAID,
    anything else an id issued centrally."""
    return "ISO14443" if _HEX_UID.match(uid) else "eMAID" if "*" in uid else "Central"


# Our token types as 2.0.1 IdTokenEnumType; an unknown type is guessed from the uid's shape.
_ID_TOKEN_TYPES = {"RFID": "ISO14443", "EMAID": "eMAID", "KEY_CODE": "KeyCode", "APP": "Central"}


def _authorization_data_201(change: Change) -> dict[str, Any]:
    """A 2.0.1 AuthorizationData; without idTokenInfo it takes the idToken off the list."""
    kind = _ID_TOKEN_TYPES.get(change.token_type or "") or _token_type(change.id_token)
    item: dict[str, Any] = {"id_token": {"id_token": change.id_token, "type": kind}}
    if isinstance(change, Entry):
        info: dict[str, Any] = {"status": "Accepted"}
        if change.expires_at is not None:
            info["cache_expiry_date_time"] = iso(change.expires_at)
        if change.charging_priority is not None:
            info["charging_priority"] = change.charging_priority
        if change.group:
            info["group_id_token"] = {"id_token": change.group, "type": "Central"}
        item["id_token_info"] = info
    return item


def translate_v201(command: cmd.Command) -> Any:
    match command:
        case cmd.RemoteStart(id_token=tag, evse_id=evse, charging_profile=profile):
            token = {"id_token": tag, "type": _token_type(tag)}
            return call201.RequestStartTransaction(
                id_token=token,
                remote_start_id=next(_remote_start_ids),
                evse_id=evse,
                charging_profile=camel_to_snake_case(profile) if profile else None,
            )
        case cmd.RemoteStop(transaction_id=tx):
            return call201.RequestStopTransaction(transaction_id=tx)
        case cmd.Reset(kind=kind):
            return call201.Reset(type="Immediate" if kind == "hard" else "OnIdle")
        case cmd.UnlockConnector(evse_id=evse, connector_id=connector):
            return call201.UnlockConnector(evse_id=evse, connector_id=connector)
        case cmd.ChangeAvailability(operative=operative, evse_id=evse):
            status = "Operative" if operative else "Inoperative"
            return call201.ChangeAvailability(operational_status=status, evse=_evse(evse))
        case cmd.GetVariables(variables=variables):
            return call201.GetVariables(get_variable_data=camel_to_snake_case(variables))
        case cmd.SetVariables(variables=variables):
            return call201.SetVariables(set_variable_data=camel_to_snake_case(variables))
        case cmd.GetBaseReport(request_id=request_id, report_base=base):
            return call201.GetBaseReport(request_id=request_id, report_base=base)
        case cmd.TriggerMessage(message=message, evse_id=evse):
            return call201.TriggerMessage(requested_message=message, evse=_evse(evse))
        case cmd.ClearCache():
            return call201.ClearCache()
        case cmd.SendLocalList(version=version, full=full, changes=changes):
            return call201.SendLocalList(
                version_number=version,
                update_type=_update_type(full),
                # 2.0.1 wants at least one item when the list is given: an empty Full leaves it out.
                local_authorization_list=[_authorization_data_201(c) for c in changes] or None,
            )
        case cmd.GetLocalListVersion():
            return call201.GetLocalListVersion()
        case cmd.GetLocalListLimits():
            return call201.GetVariables(get_variable_data=_list_variables())
        case cmd.Raw():
            return raw_call(call201, _ACTIONS_201, command)
        case cmd.GetConfiguration() | cmd.ChangeConfiguration():
            name = type(command).__name__
            raise InvalidInput(
                "command", f"{name} is OCPP 1.6 only; a 2.0.1 station has GetVariables/SetVariables"
            )
    raise InvalidInput("command", f"OCPP 2.0.1 has no {type(command).__name__}")


def _list_variables() -> list[dict[str, Any]]:
    return [
        {"component": {"name": LIST_CTRLR}, "variable": {"name": name}}
        | ({"attribute_type": attribute} if attribute else {})
        for name, attribute in LIST_VARIABLES_201
    ]


# Subprotocol -> translator.
TRANSLATORS: dict[str, Translator] = {"ocpp1.6": translate_v16, "ocpp2.0.1": translate_v201}


def _as_dict(payload: Any) -> dict[str, Any]:
    data: dict[str, Any] = snake_to_camel_case(remove_nones(serialize_as_dict(payload)))
    return data


class GatewayCommands:
    """StationCommands for the stations connected to this process."""

    def __init__(self, registry: Registry[StationBase]) -> None:
        self._registry = registry

    def is_connected(self, station_id: str) -> bool:
        return station_id in self._registry

    async def send(self, station_id: str, command: cmd.Command, timeout: float) -> cmd.CommandResult:  # noqa: ASYNC109 - the station must answer in time
        action, answer, _ = await self._exchange(station_id, command, timeout)
        data = _as_dict(answer)
        status = data.get("status")
        return cmd.CommandResult(action, status if isinstance(status, str) else None, data)

    async def ask(self, station_id: str, query: cmd.Query[A], timeout: float) -> A:  # noqa: ASYNC109 - as for send
        command = cast(cmd.Command, query)  # every Query is one of the commands
        _, answer, protocol = await self._exchange(station_id, command, timeout)
        try:
            return cast(A, READERS[protocol](command, answer))
        except cmd.InvalidAnswer as e:
            _log_refused(station_id, e)
            raise

    async def _exchange(
        self,
        station_id: str,
        command: cmd.Command,
        timeout: float,  # noqa: ASYNC109
    ) -> tuple[str, Any, str]:
        """(action, the library's call result, the station's subprotocol)."""
        station = self._registry.get(station_id)
        if station is None:
            raise StationOffline(f"charging station {station_id!r} is not connected")
        translate = TRANSLATORS.get(station.link.protocol)
        if translate is None:
            raise InvalidInput("command", f"no commands for {station.link.protocol} yet")
        payload = translate(command)
        action = type(payload).__name__
        await _check_outgoing(action, payload, station)
        try:
            answer = await _answer_or_close(station, payload, timeout)
        except TimeoutError:
            raise StationTimeout(
                f"charging station {station_id!r} did not answer {action} within {timeout:g} s"
            ) from None
        except cmd.InvalidAnswer as e:
            _log_refused(station_id, e)
            raise
        except OCPPError as e:  # a CALLERROR
            raise StationError(e.code, str(e.description)) from e
        except UnknownCallErrorCodeError as e:
            raise StationError("GenericError", str(e)) from e
        except Closed:
            raise StationOffline(f"charging station {station_id!r} disconnected") from None
        return action, answer, station.link.protocol


def _log_refused(station_id: str, e: cmd.InvalidAnswer) -> None:
    """A timeout or a refusal may be no fault; this is the station's (its firmware's): logged."""
    LOGGER.warning("%s: answer to %s refused: %s", station_id, e.action, e.problem)


async def _answer_or_close(station: StationBase, payload: Any, timeout: float) -> Any:  # noqa: ASYNC109
    """The station's answer; Closed as soon as its connection ends, TimeoutError after `timeout`."""
    answer = asyncio.ensure_future(station.send_call(payload))
    closed = asyncio.ensure_future(station.closed.wait())
    try:
        done, _ = await asyncio.wait({answer, closed}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    finally:
        closed.cancel()
        if not answer.done():
            answer.cancel()
    if answer in done:
        return answer.result()
    raise Closed(1006) if closed in done else TimeoutError()


async def _check_outgoing(action: str, payload: Any, station: StationBase) -> None:
    """Validate before sending, so a bad command is the caller's InvalidInput rather than
    something the station is blamed for."""
    try:
        await validate_payload(Call("-", action, _as_dict(payload)), station._ocpp_version)
    except OCPPError as e:
        cause = e.details.get("cause") if isinstance(e.details, dict) else None
        raise InvalidInput("payload", str(cause or e.description)[:300]) from None
