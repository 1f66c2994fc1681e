"""Building a view (or any dataclass) from a row whose attributes carry the same names, without
writing every name twice: only what is computed or renamed is spelt out."""

from __future__ import annotations

from dataclasses import fields
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

    D = TypeVar("D", bound=DataclassInstance)
else:
    D = TypeVar("D")


def copy_of(kind: type[D], source: object, **given: Any) -> D:
    """A `kind` whose fields are `source`'s attributes of the same names, except those `given`.
    A field `source` lacks and `given` does not name fails at once (AttributeError)."""
    copied = {f.name: getattr(source, f.name) for f in fields(kind) if f.init and f.name not in given}
    return kind(**copied, **given)
