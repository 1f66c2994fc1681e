"""What every protocol version's handler class shares: frame parsing with the CALLERROR the spec
names for each fault, schema validation of every incoming CALL, routing to @on handlers, domain
errors mapped in one place, and outgoing calls that never swallow the station's error.

A version's class is `class V16Station(StationBase, ocpp.v16.ChargePoint)` with @on handlers."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any, ClassVar, Concatenate, ParamSpec, TypeVar, cast

import orjson
from ocpp import routing
from ocpp.charge_point import (
    ChargePoint,
    camel_to_snake_case,
    remove_nones,
    serialize_as_dict,
    snake_to_camel_case,
)
from ocpp.exceptions import FormatViolationError, InternalError, OCPPError, ProtocolError, SecurityError
from ocpp.messages import Call, CallError, CallResult, validate_payload

from depotshare.domain.charging.commands import InvalidAnswer
from depotshare.domain.common.errors import DomainError
from depotshare.ocpp import errors
from depotshare.ocpp.connection import WebSocketConnection
from depotshare.services.common.unit_of_work import UnitOfWork
from depotshare.services.runtime import Runtime
from depotshare.services.sites.connected_stations import Intervals, StationLink, touch

LOGGER = logging.getLogger("depotshare.ocpp")
UNREADABLE_ID = "-1"  # the message id to answer when the frame's own cannot be read (2.0.1 4.2.3)
MAX_MESSAGE_ID = 36
_NO_LIBRARY_TIMEOUT = 24 * 3600

P = ParamSpec("P")
R = TypeVar("R")
F = TypeVar("F", bound=Callable[..., Any])


# Key renaming (camelCase payload <-> snake_case handler arguments) with the library's rules,
# each key converted once: the library's regular expressions per key cost ~0.2 ms per MeterValues.
# Bounded, since a few schemas allow keys of the station's choosing (customData, vendor data).
_KEYS_MAX = 20_000
_snake: dict[str, str] = {}
_camel: dict[str, str] = {}


def _renamed(key: str, cache: dict[str, str], convert: Callable[[Any], Any]) -> str:
    try:
        return cache[key]
    except KeyError:
        name: str = next(iter(convert({key: None})))
        if len(cache) < _KEYS_MAX:
            cache[key] = name
        return name


def to_snake(data: Any) -> Any:
    """`ocpp.charge_point.camel_to_snake_case`, with each key's conversion remembered."""
    if isinstance(data, dict):
        return {_renamed(k, _snake, camel_to_snake_case): to_snake(v) for k, v in data.items()}
    if isinstance(data, list):
        return [to_snake(v) for v in data]
    return data


def to_camel(data: Any) -> Any:
    """`ocpp.charge_point.snake_to_camel_case`, with each key's conversion remembered."""
    if isinstance(data, dict):
        return {_renamed(k, _camel, snake_to_camel_case): to_camel(v) for k, v in data.items()}
    if isinstance(data, list):
        return [to_camel(v) for v in data]
    return data


def on(action: str) -> Callable[[F], F]:
    """The library's @on (schema validation stays on), typed for mypy."""
    return cast(Callable[[F], F], routing.on(action))


class FrameError(Exception):
    def __init__(self, unique_id: str, error: OCPPError) -> None:
        super().__init__(error.description)
        self.unique_id = unique_id
        self.error = error


def parse_frame(raw: str) -> Call | CallResult | CallError:
    """An OCPP-J frame; FrameError names the fault and the id to answer it under."""
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise FrameError(UNREADABLE_ID, FormatViolationError(description="not valid JSON")) from None
    if not isinstance(data, list) or len(data) < 3:
        raise FrameError(
            UNREADABLE_ID, ProtocolError(description="an OCPP-J message is an array [type, id, ...]")
        )
    type_id, unique_id = data[0], data[1]
    if not isinstance(unique_id, str) or len(unique_id) > MAX_MESSAGE_ID:
        raise FrameError(
            UNREADABLE_ID, ProtocolError(description="the message id is a string of at most 36 characters")
        )
    shape = {2: 4, 3: 3, 4: 5}.get(type_id) if type(type_id) is int else None
    if shape is None:
        raise FrameError(
            unique_id, errors.MessageTypeNotSupportedError(description=f"MessageTypeId {type_id!r}")
        )
    if len(data) != shape or (type_id == 2 and not isinstance(data[2], str)):
        raise FrameError(
            unique_id, ProtocolError(description=f"a message of type {type_id} has {shape} elements")
        )
    if type_id == 2:
        return Call(unique_id, data[2], data[3])
    if type_id == 3:
        return CallResult(unique_id, data[2])
    return CallError(unique_id, data[2], data[3], data[4])


class StationBase(ChargePoint):  # type: ignore[misc]
    """One connected station. Subclasses set `codes` and `actions` and add @on handlers that turn
    a payload into a service call and its result into the reply."""

    codes: ClassVar[errors.ErrorCodes]
    actions: ClassVar[frozenset[str]]  # every action the version defines
    # What a station not (yet) accepted may send: it is to boot until accepted, nothing else
    # (2.0.1 B02.FR.02/09; 1.6 Pending/Rejected). Nothing from an unapproved station is billed.
    before_accepted: ClassVar[frozenset[str]] = frozenset({"BootNotification"})

    def __init__(self, link: StationLink, connection: WebSocketConnection, runtime: Runtime) -> None:
        # The command channel enforces each caller's timeout; the library's own stays out of its way.
        super().__init__(link.ocpp_id, connection, response_timeout=_NO_LIBRARY_TIMEOUT)
        self.link = link
        self.runtime = runtime
        self.settings = runtime.settings
        self.intervals = Intervals(self.settings.heartbeat_interval_s, self.settings.pending_boot_interval_s)
        self.connection = connection
        self.payload: dict[str, Any] = {}  # the CALL being handled, camelCase, as the station sent it
        self.closed = asyncio.Event()  # set when the connection has ended (commands stop waiting)
        self._awaited: dict[str, str] = {}  # our CALLs waiting for their answer: unique id -> action
        # Called once the first CALL has been answered: the admission gate's place (admission.py).
        self.after_first_answer: Callable[[], None] | None = None

    @staticmethod
    def now() -> datetime:
        return datetime.now(UTC)

    async def service(
        self, fn: Callable[Concatenate[UnitOfWork, P], Awaitable[R]], *args: P.args, **kwargs: P.kwargs
    ) -> R:
        """Run one use case in its own unit of work; it commits before the reply is built."""
        async with self.runtime.uow() as uow:
            await touch(uow, self.link, self.now())  # last_seen_at rides along, throttled
            return await fn(uow, *args, **kwargs)

    async def serve(self) -> None:
        """Handle frames in arrival order until the connection closes (raises Closed)."""
        while True:
            await self.route_message(await self._connection.recv())

    async def route_message(self, raw_msg: str) -> None:
        try:
            msg = parse_frame(raw_msg)
        except FrameError as e:
            await self._send_error(e.unique_id, e.error)
            return
        if isinstance(msg, Call):
            try:
                await self._handle_call(msg)
            except OCPPError as e:
                await self._send_error(msg.unique_id, e)
        elif self._call_lock.locked():
            # An answer to our pending call. Unsolicited answers are dropped, not queued forever.
            self._response_queue.put_nowait(msg)

    async def _handle_call(self, msg: Call) -> None:
        routes = self.route_map.get(msg.action) or {}
        handler = routes.get("_on_action")
        if handler is None:
            raise errors.unknown_action(msg.action, self.actions)
        if self.link.registration_status != "accepted" and msg.action not in self.before_accepted:
            raise SecurityError(
                description=f"the station is {self.link.registration_status}: boot until accepted"
            )
        validate = not routes.get("_skip_schema_validation", False)
        if validate:
            errors.validate_call(msg.action, msg.payload, self._ocpp_version)
        self.payload = msg.payload
        try:
            response = await handler(**to_snake(msg.payload))
        except OCPPError:
            raise
        except DomainError as e:
            raise errors.from_domain(e) from e
        except Exception as e:
            LOGGER.exception("%s: %s failed", self.id, msg.action)
            raise InternalError(description="the central system could not process this message") from e
        result = msg.create_call_result(to_camel(remove_nones(serialize_as_dict(response))))
        if validate:
            try:
                await errors.validate_result(result, self._ocpp_version)
            except OCPPError as e:  # our reply is wrong: a bug here, not the station's fault
                LOGGER.error("%s: invalid %s reply %s: %s", self.id, msg.action, result.payload, e)
                raise InternalError() from e
        await self._send(result.to_json())
        if self.after_first_answer is not None:
            self.after_first_answer()
            self.after_first_answer = None

    async def _send_error(self, unique_id: str, error: OCPPError) -> None:
        code, description, details = errors.call_error_fields(error, self.codes)
        await self._send(CallError(unique_id, code, description, details).to_json())

    async def _send(self, message: str) -> None:
        await self._connection.send(message)

    async def send_call(self, payload: Any) -> Any:
        """An outgoing CALL and its answer, as the library's call result. The caller validates the
        CALL (commands.py); a CALLERROR raises the library's OCPPError, an answer that breaks the
        schema InvalidAnswer (the library's own check would raise both alike)."""
        action = type(payload).__name__
        unique_id = str(self._unique_id_generator())
        self._awaited[unique_id] = action
        try:
            return await self.call(payload, suppress=False, unique_id=unique_id, skip_schema_validation=True)
        except TypeError as e:  # past the schema, yet the library cannot build its call result
            raise InvalidAnswer(action, str(e)) from None
        finally:
            del self._awaited[unique_id]

    async def _get_specific_response(self, unique_id: str, timeout: float) -> Any:  # noqa: ASYNC109 - the library's
        """The library's wait for the answer to our CALL, with the answer checked against its schema
        here, where the raw payload is at hand."""
        response = await super()._get_specific_response(unique_id, timeout)
        action = self._awaited.get(unique_id)
        if isinstance(response, CallResult) and action is not None:
            response.action = action
            try:
                await validate_payload(response, self._ocpp_version)
            except OCPPError as e:
                cause = e.details.get("cause") if isinstance(e.details, dict) else None
                raise InvalidAnswer(action, str(cause or e.description).split("\n")[0][:300]) from None
        return response
