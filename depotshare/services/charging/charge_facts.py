"""The facts a charge is decided and attributed on, for the capabilities that decide it (access):
the site of a station and the tokens a station's idTag may name."""

from __future__ import annotations

from collections.abc import Sequence

from depotshare.services.common.unit_of_work import UnitOfWork
from depotshare.store.charging.charge_facts import ChargeFacts, SiteRow, TokenRow

__all__ = ["SiteRow", "TokenRow", "site_of", "tokens_by_uid"]


async def site_of(uow: UnitOfWork, station_pk: int) -> SiteRow | None:
    """Where the station stands and who owns it; None when it is gone."""
    return await uow.repo(ChargeFacts).site_of(station_pk)


async def tokens_by_uid(uow: UnitOfWork, uids: Sequence[str]) -> list[TokenRow]:
    """The tokens of these uids with what a session's attribution needs of them."""
    return await uow.repo(ChargeFacts).tokens_by_uid(uids)
