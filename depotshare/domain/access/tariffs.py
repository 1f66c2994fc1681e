"""A tariff as the import and the API take it (OCPI 2.2.1 Tariff, TariffElement, PriceComponent,
TariffRestrictions) and the rules one tariff keeps on its own. Whose tariff a partnership may use
is in domain/access/ownership.py."""

from __future__ import annotations

import enum
from datetime import date
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from depotshare.domain.common.errors import Problems
from depotshare.domain.common.inputs import DecimalText, Entry, Key, Number

TIME_PATTERN = r"^([01]\d|2[0-3]):[0-5]\d$"
CURRENCY_PATTERN = r"^[A-Z]{3}$"

Time = Annotated[str, StringConstraints(pattern=TIME_PATTERN)]


class PriceComponentType(enum.StrEnum):
    ENERGY = "ENERGY"
    FLAT = "FLAT"
    TIME = "TIME"
    PARKING_TIME = "PARKING_TIME"


class PriceComponentIn(Entry):
    type: PriceComponentType
    price: DecimalText  # excluding VAT, per kWh / hour / session
    vat: DecimalText | None = None  # percent
    step_size: Number = 1


class RestrictionsIn(Entry):
    start_time: Time | None = None
    end_time: Time | None = None
    start_date: date | None = None
    end_date: date | None = None
    min_kwh: DecimalText | None = None
    max_kwh: DecimalText | None = None
    min_current: DecimalText | None = None
    max_current: DecimalText | None = None
    min_power: DecimalText | None = None
    max_power: DecimalText | None = None
    min_duration: Number | None = None  # seconds
    max_duration: Number | None = None
    day_of_week: list[Literal["MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY"]] | None = None  # fmt: skip
    reservation: Literal["RESERVATION", "RESERVATION_EXPIRES"] | None = None


class TariffElementIn(Entry):
    price_components: list[PriceComponentIn] = Field(min_length=1)
    restrictions: RestrictionsIn | None = None


class TariffIn(Entry):
    key: Key
    owner: Key | None = None  # the owning organisation; without it the tariff is platform-wide
    currency: Annotated[str, StringConstraints(pattern=CURRENCY_PATTERN)]
    elements: list[TariffElementIn] = Field(min_length=1)


def check_tariff(tariff: TariffIn, here: str, problems: Problems) -> None:
    for i, element in enumerate(tariff.elements):
        for j, pc in enumerate(element.price_components):
            at = f"{here}.elements[{i}].price_components[{j}]"
            _range(problems, f"{at}.price", pc.price, Decimal(0), None, "a price is not negative")
            _range(problems, f"{at}.vat", pc.vat, Decimal(0), Decimal(100), "vat is a percentage, 0 to 100")
            if pc.step_size < 1:
                problems.add(f"{at}.step_size", "step_size is at least 1")
        r = element.restrictions
        if r is not None:
            at = f"{here}.elements[{i}].restrictions"
            for name in ("min_kwh", "max_kwh", "min_current", "max_current", "min_power", "max_power"):
                _range(problems, f"{at}.{name}", getattr(r, name), Decimal(0), None, "not negative")
            if r.start_date and r.end_date and r.end_date < r.start_date:
                problems.add(f"{at}.end_date", "end_date is before start_date")


def _range(
    problems: Problems, path: str, value: str | None, low: Decimal, high: Decimal | None, message: str
) -> None:
    if value is not None and (Decimal(value) < low or (high is not None and Decimal(value) > high)):
        problems.add(path, message)
