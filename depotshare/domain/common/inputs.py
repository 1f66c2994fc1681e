"""The building blocks of every input entry, whether it comes from the import file or an API body:
a frozen model that refuses unknown keys, natural keys, strict integers and exact decimals."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Strict, StringConstraints

from depotshare.domain.common.keys import KEY_PATTERN

Key = Annotated[str, StringConstraints(pattern=KEY_PATTERN)]
Number = Annotated[int, Strict()]


class Entry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _decimal_text(value: object) -> object:
    """A decimal given as number or text, kept as canonical text ("0.25", "70") so that money and
    percentages never pass through a float."""
    if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
        return value  # the str validator names the wrong type
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValueError("expected a decimal number such as 0.25") from None
    if not number.is_finite():
        raise ValueError("expected a decimal number such as 0.25")
    return format(number.normalize(), "f")


DecimalText = Annotated[str, BeforeValidator(_decimal_text)]
