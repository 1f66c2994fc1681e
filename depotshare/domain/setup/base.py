"""The building blocks every entry of the import file shares."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Strict, StringConstraints

from depotshare.domain.common.keys import KEY_PATTERN

Key = Annotated[str, StringConstraints(pattern=KEY_PATTERN)]
Number = Annotated[int, Strict()]


class Entry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
