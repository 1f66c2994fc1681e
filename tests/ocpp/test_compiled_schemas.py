"""The compiled schema checks (fastjsonschema) agree with the `ocpp` library's jsonschema
validators on every schema of both versions: the same payloads are valid and invalid. (A refused
payload is named by jsonschema anyway, so the CALLERROR codes stay the library's.)"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import ocpp
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ocpp.messages import get_validator

from depotshare.ocpp import errors

_SCHEMAS = Path(ocpp.__file__).parent


def _cases() -> list[tuple[int, str, str]]:
    out = []
    for version, folder in (("1.6", "v16"), ("2.0.1", "v201")):
        for path in sorted((_SCHEMAS / folder / "schemas").glob("*.json")):
            name = path.stem
            if name.endswith("Response"):
                out.append((3, name.removesuffix("Response"), version))
            else:
                out.append((2, name.removesuffix("Request"), version))
    return out


CASES = _cases()


def _resolve(schema: dict[str, Any], root: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref")
    if ref is None:
        return schema
    node: Any = root
    for part in ref.removeprefix("#/").split("/"):
        node = node[part]
    return _resolve(node, root)


def _example(schema: dict[str, Any], root: dict[str, Any]) -> Any:
    """A small valid instance: required properties only, first enum value, shortest strings."""
    schema = _resolve(schema, root)
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "object":
        props = schema.get("properties", {})
        return {k: _example(props[k], root) for k in schema.get("required", [])}
    if kind == "array":
        return [_example(schema.get("items", {}), root)] * max(1, schema.get("minItems", 1))
    if kind == "integer":
        return max(0, schema.get("minimum", 0))
    if kind == "number":
        return max(0.0, schema.get("minimum", 0.0))
    if kind == "boolean":
        return True
    return "x"


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**40), 2**40)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.sampled_from([0, 1, 1.0, -1, 0.5, "", "x", "Accepted", "2026-01-01T00:00:00Z", "A" * 51]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=6,
)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(value, dict):
        for k, v in value.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out += _paths(v, (*prefix, i))
    return out


@st.composite
def _mutated(draw: st.DrawFn, base: Any) -> Any:
    import copy

    value = copy.deepcopy(base)
    for _ in range(draw(st.integers(0, 3))):
        path = draw(st.sampled_from(_paths(value)))
        replacement = draw(json_values)
        if not path:
            value = replacement if draw(st.booleans()) else value
            continue
        parent = value
        for step in path[:-1]:
            parent = parent[step]
        action = draw(st.sampled_from(["replace", "delete", "add"]))
        if action == "replace":
            parent[path[-1]] = replacement
        elif action == "delete" and isinstance(parent, dict):
            del parent[path[-1]]
        elif isinstance(parent, dict):
            parent[draw(st.text(max_size=10))] = replacement
        elif isinstance(parent, list):
            parent.append(replacement)
    return value


@pytest.mark.parametrize(("message_type_id", "action", "version"), CASES, ids=lambda c: str(c))
@settings(
    max_examples=int(os.environ.get("SCHEMA_EXAMPLES", "15")),
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
@given(data=st.data())
def test_compiled_check_agrees_with_library(
    message_type_id: int, action: str, version: str, data: st.DataObject
) -> None:
    validator = get_validator(message_type_id, action, version)
    check = errors.compiled_check(message_type_id, action, version)
    assert check is not None
    base = _example(validator.schema, validator.schema)
    assert validator.is_valid(base), base
    payload = data.draw(_mutated(base))
    assert errors._valid(check, payload) == validator.is_valid(payload), payload


def test_no_schema_is_not_supported() -> None:
    with pytest.raises(ocpp.exceptions.NotSupportedError):
        errors.validate_call("FlyToTheMoon", {}, "1.6")
