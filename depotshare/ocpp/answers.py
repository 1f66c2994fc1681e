"""Answers, station -> central system, to the queries a service acts on (StationCommands.ask): the
library's call result read into the domain's typed result, per protocol version. The answer has
passed its schema before (StationBase.send_call); what the schema lets through but the message
cannot mean is an InvalidAnswer here, never a guess."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from depotshare.domain.access.local_list import ListLimits, ListUpdate, ListUpdateStatus, ListVersion
from depotshare.domain.charging import commands as cmd
from depotshare.domain.charging.commands import InvalidAnswer

Reader = Callable[[cmd.Command, Any], Any]  # a query and the library's call result -> its typed result

# What a station says about its local list: 1.6 configuration keys, 2.0.1 variables of one
# component with the attribute to read (Entries' MaxSet: the most the station holds).
LIST_KEYS_16 = ("LocalAuthListEnabled", "LocalAuthListMaxLength", "SendLocalListMaxLength")
LIST_CTRLR = "LocalAuthListCtrlr"
LIST_VARIABLES_201 = (
    ("Enabled", None),
    ("Entries", "MaxSet"),
    ("ItemsPerMessage", None),
    ("BytesPerMessage", None),
)

# 1.6 UpdateStatus and 2.0.1 SendLocalListStatusEnumType (which has no NotSupported).
_UPDATE_STATUS = {
    "Accepted": ListUpdateStatus.ACCEPTED,
    "Failed": ListUpdateStatus.FAILED,
    "VersionMismatch": ListUpdateStatus.VERSION_MISMATCH,
    "NotSupported": ListUpdateStatus.NOT_SUPPORTED,
}


def read_v16(query: cmd.Command, answer: Any) -> Any:
    match query:
        case cmd.GetLocalListVersion():
            return _list_version(answer.list_version)
        case cmd.SendLocalList():
            return ListUpdate(_update_status(answer.status))
        case cmd.GetLocalListLimits():
            values = {k.get("key"): k.get("value") for k in answer.configuration_key or []}
            return ListLimits(
                _flag(values.get("LocalAuthListEnabled")),
                _count(values.get("LocalAuthListMaxLength")),
                _count(values.get("SendLocalListMaxLength")),
            )
    raise TypeError(f"{type(query).__name__} has no typed answer")


def read_v201(query: cmd.Command, answer: Any) -> Any:
    match query:
        case cmd.GetLocalListVersion():
            return _list_version(answer.version_number)
        case cmd.SendLocalList():
            return ListUpdate(_update_status(answer.status), _status_info(answer.status_info))
        case cmd.GetLocalListLimits():
            values = {
                (r.get("variable") or {}).get("name"): r.get("attribute_value")
                for r in answer.get_variable_result or []
                if r.get("attribute_status") == "Accepted"
                and (r.get("component") or {}).get("name") == LIST_CTRLR
            }
            return ListLimits(
                _flag(values.get("Enabled")),
                _count(values.get("Entries")),
                _count(values.get("ItemsPerMessage")),
                _count(values.get("BytesPerMessage")),
            )
    raise TypeError(f"{type(query).__name__} has no typed answer")


# Subprotocol -> reader, beside commands.TRANSLATORS.
READERS: dict[str, Reader] = {"ocpp1.6": read_v16, "ocpp2.0.1": read_v201}


def _list_version(number: int) -> ListVersion:
    """1.6 says -1 for a station without local lists; any negative number is read so, in both."""
    return ListVersion(number if number >= 0 else None)


def _update_status(status: str) -> ListUpdateStatus:
    found = _UPDATE_STATUS.get(str(status))
    if found is None:
        raise InvalidAnswer("SendLocalList", f"unknown status {status!r}")
    return found


def _status_info(info: dict[str, Any] | None) -> str | None:
    if not info:
        return None
    extra = info.get("additional_info")
    return f"{info.get('reason_code')}: {extra}" if extra else str(info.get("reason_code"))


def _flag(value: object) -> bool | None:
    text = str(value).strip().lower() if value is not None else ""
    return True if text == "true" else False if text == "false" else None


def _count(value: object) -> int | None:
    try:
        number = int(str(value).strip())
    except ValueError:
        return None
    return number if number >= 0 else None
