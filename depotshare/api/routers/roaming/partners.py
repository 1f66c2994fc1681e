"""/roaming-partners: the OCPI parties allowed to read published locations (platform admins only)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response

from depotshare.api.deps import CurrentActor, Cursor, Limit, UoW
from depotshare.api.schemas.common import PageOut
from depotshare.api.schemas.roaming import RoamingPartnerCreate, RoamingPartnerUpdate
from depotshare.domain.common.keys import KEY_PATTERN
from depotshare.services.roaming import partners as roaming_partners
from depotshare.services.roaming.partners import IssuedRoamingPartner, PartnerSpec, RoamingPartnerView

router = APIRouter(prefix="/roaming-partners", tags=["roaming partners"])
PartnerKey = Annotated[str, Path(pattern=KEY_PATTERN, description="the roaming partner's key")]


@router.get("", response_model=PageOut[RoamingPartnerView])
async def list_roaming_partners(
    uow: UoW, actor: CurrentActor, limit: Limit = 50, cursor: Cursor = None
) -> object:
    return await roaming_partners.list_partners(uow, actor, cursor=cursor, limit=limit)


@router.post(
    "",
    response_model=IssuedRoamingPartner,
    status_code=201,
    description="Creates the partner. The answer carries its credentials token (the one given, or a "
    "generated one): this is the only time it is shown; only its sha256 is kept.",
)
async def create_roaming_partner(body: RoamingPartnerCreate, uow: UoW, actor: CurrentActor) -> object:
    return await roaming_partners.create_partner(uow, actor, PartnerSpec(**body.model_dump()))


@router.get("/{key}", response_model=RoamingPartnerView)
async def get_roaming_partner(key: PartnerKey, uow: UoW, actor: CurrentActor) -> object:
    return await roaming_partners.get_partner(uow, actor, key)


@router.patch("/{key}", response_model=RoamingPartnerView)
async def update_roaming_partner(
    key: PartnerKey, body: RoamingPartnerUpdate, uow: UoW, actor: CurrentActor
) -> object:
    return await roaming_partners.update_partner(uow, actor, key, body.model_dump(exclude_none=True))


@router.post(
    "/{key}/token",
    response_model=IssuedRoamingPartner,
    description="Issues a fresh generated credentials token, shown this once; the old one stops working.",
)
async def issue_roaming_partner_token(key: PartnerKey, uow: UoW, actor: CurrentActor) -> object:
    return await roaming_partners.issue_token(uow, actor, key)


@router.delete("/{key}", status_code=204)
async def delete_roaming_partner(key: PartnerKey, uow: UoW, actor: CurrentActor) -> Response:
    await roaming_partners.delete_partner(uow, actor, key)
    return Response(status_code=204)
