"""YAML text <-> ImportFile: parsing with exact error paths, and the stable text `export` writes."""

from __future__ import annotations

import enum
import types
import typing
from collections.abc import Hashable
from decimal import Decimal
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from depotshare.domain.access.grant_terms import EvseRefIn, WindowIn
from depotshare.domain.access.partnerships import ShareIn
from depotshare.domain.access.tariffs import PriceComponentIn, RestrictionsIn
from depotshare.domain.common.errors import InvalidInput, InvalidInputs, Problems
from depotshare.domain.common.keys import EMAIL_PATTERN, KEY_PATTERN, STATION_ID_PATTERN
from depotshare.domain.setup.model import (
    CODE_PATTERN,
    NOT_YET_SUPPORTED,
    PASSWORD_HASH_PATTERN,
    AddressIn,
    CoordinatesIn,
    CostCentreIn,
    EmployeeIn,
    EvseIn,
    HomeIn,
    ImportFile,
    RoleIn,
    TokenIn,
    VehicleIn,
)
from depotshare.domain.setup.partners import PATTERN_HINTS
from depotshare.domain.setup.roaming import PATTERN_HINTS as ROAMING_PATTERN_HINTS
from depotshare.domain.setup.roaming import PublishTokenIn, RoamingPartnerIn

_MERGE_TAG = "tag:yaml.org,2002:merge"


class _Loader(yaml.SafeLoader):
    """Safe YAML that refuses a key given twice in one mapping (PyYAML would keep the last)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Hashable, Any]:
        seen: set[Hashable] = set()
        for key_node, _ in node.value:
            if key_node.tag == _MERGE_TAG:
                continue
            key = self.construct_object(key_node, deep=True)
            if isinstance(key, Hashable) and key in seen:
                raise yaml.constructor.ConstructorError(
                    "while reading a mapping",
                    node.start_mark,
                    f"key {key!r} appears twice",
                    key_node.start_mark,
                )
            if isinstance(key, Hashable):
                seen.add(key)
        return super().construct_mapping(node, deep)


def load_yaml(text: str) -> object:
    """The data of a YAML document; a syntax error names its line and column."""
    try:
        return yaml.load(text, Loader=_Loader)
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "YAML"
        raise InvalidInput(where, f"invalid YAML: {e.problem or e.context}") from None
    except yaml.YAMLError as e:
        raise InvalidInput("", f"invalid YAML: {e}") from None


def parse_document(data: object) -> ImportFile:
    """The shape of the file: known sections and keys, right types. Raises InvalidInputs."""
    if data is None:
        raise InvalidInput("", "the file is empty; see docs/import-format.md")
    if not isinstance(data, dict):
        raise InvalidInput("", f"the file must be a mapping of sections ({', '.join(_allowed(ImportFile))})")
    problems = Problems()
    for section, reason in NOT_YET_SUPPORTED.items():
        if data.get(section) not in (None, [], {}):
            problems.add(section, f"this section is not supported yet ({reason}); remove it from the file")
    rest = {k: v for k, v in data.items() if k not in NOT_YET_SUPPORTED}
    try:
        doc = ImportFile.model_validate(rest)
    except ValidationError as e:
        for error in e.errors(include_url=False):
            problems.add(error_path(error["loc"]), _message(error))
        raise InvalidInputs(problems.found) from None
    problems.raise_if_any()
    return doc


def error_path(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _message(error: ErrorDetails) -> str:
    kind, given = error["type"], error.get("input")
    if kind == "extra_forbidden":
        model = _model_at(error["loc"][:-1])
        allowed = f"; allowed here: {', '.join(_allowed(model))}" if model else ""
        return f"unknown key{allowed}"
    if kind == "missing":
        return "this key is required"
    if kind == "string_type" and isinstance(given, bool | int | float):
        return f"expected text, got {given!r}: put the value in quotes"
    if kind == "string_pattern_mismatch":
        return _PATTERN_HINTS.get(str(error.get("ctx", {}).get("pattern")), str(error["msg"]))
    if kind == "model_type":
        model = _model_at(error["loc"])
        return f"expected a mapping with keys {', '.join(_allowed(model))}" if model else error["msg"]
    return str(error["msg"])


_PATTERN_HINTS = {
    KEY_PATTERN: "a key has 1 to 64 characters: lower-case letters, digits, '.', '_', '-', starting with a letter or digit",
    STATION_ID_PATTERN: "a station id has 1 to 48 characters: letters, digits and * - _ = + | @ .",
    EMAIL_PATTERN: "this is not an e-mail address",
    PASSWORD_HASH_PATTERN: "a password_hash is an argon2 hash as `depotshare export` writes it ($argon2id$...)",
    CODE_PATTERN: "a code has 1 to 64 characters and no leading or trailing spaces",
    **PATTERN_HINTS,
    **ROAMING_PATTERN_HINTS,
}


def _allowed(model: type[BaseModel] | None) -> list[str]:
    return list(model.model_fields) if model else []


def _model_at(loc: tuple[int | str, ...]) -> type[BaseModel] | None:
    """The model class an error location points into, to list its keys."""
    model: type[BaseModel] | None = ImportFile
    for part in loc:
        if isinstance(part, int):
            continue
        field = model.model_fields.get(part) if model else None
        model = _inner_model(field.annotation) if field else None
    return model


def _inner_model(annotation: object) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is not None:
        for arg in typing.get_args(annotation):
            found = _inner_model(arg)
            if found:
                return found
    return None


# --- writing -----------------------------------------------------------------------------------

# Small entries written on one line, as the examples in DESIGN.md are.
_ONE_LINE: tuple[type[BaseModel], ...] = (
    CostCentreIn,
    RoleIn,
    AddressIn,
    CoordinatesIn,
    HomeIn,
    EvseIn,
    EmployeeIn,
    VehicleIn,
    TokenIn,
    PriceComponentIn,
    RestrictionsIn,
    ShareIn,
    EvseRefIn,
    WindowIn,
    PublishTokenIn,
    RoamingPartnerIn,
)


class _OneLine(dict[str, Any]):
    pass


class _Flow(list[Any]):
    """A list of plain values (days, keys), written on one line as the examples do."""


class _Dumper(yaml.SafeDumper):
    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)  # indent lists under their key


def _represent_one_line(dumper: yaml.SafeDumper, data: _OneLine) -> yaml.MappingNode:
    return dumper.represent_mapping("tag:yaml.org,2002:map", data.items(), flow_style=True)


def _represent_flow(dumper: yaml.SafeDumper, data: _Flow) -> yaml.SequenceNode:
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=True)


_Dumper.add_representer(_OneLine, _represent_one_line)
_Dumper.add_representer(_Flow, _represent_flow)


def dump_yaml(doc: ImportFile) -> str:
    """Stable text: keys in the order of the models, only the keys each entry sets, no empty lists."""
    return yaml.dump(
        _plain(doc),
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=False,
        width=4096,
    )


def _plain(value: object) -> object:
    if isinstance(value, BaseModel):
        out: dict[str, Any] = {}
        for name in type(value).model_fields:
            item = getattr(value, name)
            if name in value.model_fields_set and item is not None and item != []:
                out[name] = _plain(item)
        return _OneLine(out) if isinstance(value, _ONE_LINE) else out
    if isinstance(value, list):
        items = [_plain(v) for v in value]
        return _Flow(items) if all(isinstance(v, str | int) for v in items) else items
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value.normalize())
    return value
