"""CALLERRORs: which code answers which fault, in one table per concern. Each protocol version
spells some codes differently, so the codes are chosen here and spelled per version at the end."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

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
from ocpp.messages import get_validator

from depotshare.domain.errors import Conflict, DomainError, InvalidInput, NotFound, Unauthenticated


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


def validate_call(action: str, payload: Any, ocpp_version: str) -> None:
    """Check an incoming CALL against the library's JSON schema for `action` (validators are
    compiled once and cached by the library); raise the fault the broken rule names."""
    try:
        validator = get_validator(2, action, ocpp_version)
    except OSError:
        raise NotSupportedError(description=f"no schema for {action}") from None
    error = _first_error(validator, payload)
    if error is not None:
        fault = _SCHEMA_FAULTS.get(str(error.validator), FormatViolationError)
        where = "/".join(str(p) for p in error.absolute_path) or "payload"
        raise fault(description=f"{where}: {error.message}"[:500])


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
