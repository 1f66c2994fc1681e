"""CALLERRORs: which code answers which fault, in one table per concern. Each protocol version
spells some codes differently, so the codes are chosen here and spelled per version at the end."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import fastjsonschema
from jsonschema.exceptions import ValidationError as SchemaError
from ocpp.exceptions import (
    FormatViolationError,
    GenericError,
    InternalError,
    NotImplementedError,
    NotSupportedError,
    OccurrenceConstraintViolationError,
    OCPPError,
    PropertyConstraintViolationError,
    SecurityError,
    TypeConstraintViolationError,
)
from ocpp.messages import CallResult, get_validator, validate_payload

from depotshare.domain.common.errors import Conflict, DomainError, InvalidInput, NotFound, Unauthenticated


class MessageTypeNotSupportedError(OCPPError):  # type: ignore[misc]
    """A frame whose MessageTypeId is not 2, 3 or 4 (OCPP 2.0.1 names this; 1.6 has no code)."""

    code = "MessageTypeNotSupported"
    default_description = "A message with a MessageTypeId not supported by this implementation"


@dataclass(frozen=True)
class ErrorCodes:
    """How one protocol version spells the codes that differ between versions."""

    format_violation: str
    occurrence_violation: str
    message_type: str  # for an unknown MessageTypeId
    missing_field: str  # for a required field that is absent

    def spell(self, error: OCPPError) -> str:
        code = str(error.code)
        return {
            "FormatViolation": self.format_violation,
            "FormationViolation": self.format_violation,
            "OccurrenceConstraintViolation": self.occurrence_violation,
            "OccurenceConstraintViolation": self.occurrence_violation,
            "MessageTypeNotSupported": self.message_type,
            "_MissingField": self.missing_field,
        }.get(code, code)


# OCPP-J 1.6 section 4.2.3 names FormationViolation and OccurenceConstraintViolation (sic); the
# errata keeps both spellings. It has no code for an unknown message type: the value of the
# MessageTypeId field is what is wrong. "Payload for Action is incomplete" is its ProtocolError.
V16_CODES = ErrorCodes(
    "FormationViolation", "OccurenceConstraintViolation", "PropertyConstraintViolation", "ProtocolError"
)
# OCPP 2.0.1 part 4 section 4.3: a missing required field violates its occurrence constraint.
V201_CODES = ErrorCodes(
    "FormatViolation",
    "OccurrenceConstraintViolation",
    "MessageTypeNotSupported",
    "OccurrenceConstraintViolation",
)


class _MissingField(OCPPError):  # type: ignore[misc]
    code = "_MissingField"  # spelled per version by ErrorCodes.spell
    default_description = "Payload for Action is incomplete: a required field is missing"


# Which JSON-schema keyword a payload broke -> the OCPP fault it is.
_SCHEMA_FAULTS: dict[str, type[OCPPError]] = {
    "type": TypeConstraintViolationError,
    "maxLength": TypeConstraintViolationError,  # CiString20Type and friends are types
    "minLength": TypeConstraintViolationError,
    "required": _MissingField,
    "additionalProperties": FormatViolationError,
    "enum": PropertyConstraintViolationError,
    "minimum": PropertyConstraintViolationError,
    "maximum": PropertyConstraintViolationError,
    "exclusiveMinimum": PropertyConstraintViolationError,
    "exclusiveMaximum": PropertyConstraintViolationError,
    "multipleOf": PropertyConstraintViolationError,
    "pattern": PropertyConstraintViolationError,
    "format": PropertyConstraintViolationError,
    "minItems": OccurrenceConstraintViolationError,
    "maxItems": OccurrenceConstraintViolationError,
    "uniqueItems": OccurrenceConstraintViolationError,
}


# --- schema validation --------------------------------------------------------------------------
#
# Every message is checked against the `ocpp` library's own JSON schema, compiled once per action
# into Python code by fastjsonschema (~20 µs for a MeterValues instead of ~400 µs in jsonschema).
# The compiled check only decides valid or not: a payload it refuses is checked again by the
# library's jsonschema validator, which names the broken rule exactly as before, so the CALLERROR
# codes do not depend on the compiler. It mirrors the library's Draft4Validator: draft 4 rules
# for every schema (the 2.0.1 files say draft 6) and formats not checked (the library passes no
# format checker; timestamps are parsed, leniently, by the handlers).

_DRAFT4 = "http://json-schema.org/draft-04/schema#"
_NO_FORMAT_CHECK: dict[str, Callable[[Any], bool]] = {"date-time": lambda _: True, "uri": lambda _: True}
_Check = Callable[[Any], Any]
_compiled: dict[tuple[int, str, str], _Check | None] = {}


def compiled_check(message_type_id: int, action: str, ocpp_version: str) -> _Check | None:
    """The compiled schema check of a CALL (2) or CALLRESULT (3) of `action`, None when the
    library has no schema for it. Compiled on first use and kept."""
    key = (message_type_id, action, ocpp_version)
    try:
        return _compiled[key]
    except KeyError:
        pass
    try:
        schema = dict(get_validator(message_type_id, action, ocpp_version).schema)
    except (OSError, ValueError):
        check = None
    else:
        schema["$schema"] = _DRAFT4
        check = fastjsonschema.compile(schema, formats=_NO_FORMAT_CHECK, use_default=False)
    _compiled[key] = check
    return check


def _valid(check: _Check, payload: Any) -> bool:
    try:
        check(payload)
    except fastjsonschema.JsonSchemaException:
        return False
    return True


def validate_call(action: str, payload: Any, ocpp_version: str) -> None:
    """Check an incoming CALL against the library's JSON schema for `action`; raise the fault the
    broken rule names."""
    check = compiled_check(2, action, ocpp_version)
    if check is None:
        raise NotSupportedError(description=f"no schema for {action}")
    if _valid(check, payload):
        return
    error = _first_error(get_validator(2, action, ocpp_version), payload)
    if error is not None:
        fault = _SCHEMA_FAULTS.get(str(error.validator), FormatViolationError)
        where = "/".join(str(p) for p in error.absolute_path) or "payload"
        raise fault(description=f"{where}: {error.message}"[:500])


# 1.6 results whose schema has decimal rules the library checks on Decimal values: left to it.
_LIBRARY_ONLY_RESULTS = frozenset({("GetCompositeSchedule", "1.6")})


async def validate_result(result: CallResult, ocpp_version: str) -> None:
    """Check a CALLRESULT we built against the library's schema; a refusal raises the library's
    own OCPPError, as `ocpp.messages.validate_payload` would."""
    if (result.action, ocpp_version) not in _LIBRARY_ONLY_RESULTS:
        check = compiled_check(3, result.action, ocpp_version)
        if check is not None and _valid(check, result.payload):
            return
    await validate_payload(result, ocpp_version)


def _first_error(validator: Any, payload: Any) -> SchemaError | None:
    try:
        validator.validate(payload)
    except SchemaError as e:
        return e
    return None


def unknown_action(action: str, known_actions: frozenset[str]) -> OCPPError:
    """The spec's meaning, not the library's (which swaps them): an action the protocol does not
    know is NotImplemented, one it knows but we do not handle here is NotSupported."""
    if action in known_actions:
        return NotSupportedError(description=f"{action} is not supported by this central system")
    return NotImplementedError(description=f"{action} is not an action of this protocol")


# Domain errors a handler lets through -> what the station is told.
_DOMAIN_FAULTS: list[tuple[type[DomainError], type[OCPPError]]] = [
    (InvalidInput, PropertyConstraintViolationError),
    (Unauthenticated, SecurityError),
    (NotFound, GenericError),
    (Conflict, GenericError),
    (DomainError, InternalError),
]


def from_domain(error: DomainError) -> OCPPError:
    for kind, fault in _DOMAIN_FAULTS:
        if isinstance(error, kind):
            return fault(description=error.detail[:500])
    return InternalError()  # unreachable: DomainError is last


def call_error_fields(error: OCPPError, codes: ErrorCodes) -> tuple[str, str, dict[str, Any]]:
    """(code, description, details) for a CALLERROR. Details stay small: the station sent the
    payload, it needs no echo of it."""
    cause = error.details.get("cause") if isinstance(error.details, dict) else None
    details = {"cause": str(cause)[:500]} if cause else {}
    return codes.spell(error), str(error.description)[:500], details
