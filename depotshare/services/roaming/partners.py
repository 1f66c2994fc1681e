"""Roaming partners: the OCPI parties (eMSPs, hubs) allowed to read our published locations, and
the credentials token each presents. Platform-wide objects, managed by platform admins only.
The token is shown once, when it is issued; only its sha256 is kept."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from depotshare.domain.common.actor import Actor
from depotshare.domain.common.errors import Conflict, Forbidden, NotFound, Unauthenticated
from depotshare.domain.roaming import parties as roaming
from depotshare.domain.roaming.parties import PartnerStatus, PartyRole
from depotshare.services.common.changes import created, deleted, updated
from depotshare.services.common.copying import copy_of
from depotshare.services.common.pagination import Page, decode_cursor, page_of
from depotshare.services.common.unit_of_work import UnitOfWork
from depotshare.store.roaming.models import RoamingPartner
from depotshare.store.roaming.partners import RoamingPartners

ENTITY = "roaming_partner"
PARTY = ("country_code", "party_id", "role")  # an OCPI party: unique among partners
COLUMNS = ("name", *PARTY, "status")  # what a partner is, but its key and token


@dataclass(frozen=True)
class RoamingPartnerView:
    key: str
    name: str
    country_code: str
    party_id: str
    role: str
    status: str
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class IssuedRoamingPartner(RoamingPartnerView):
    """A partner with its credentials token in clear: returned once, when the token is set."""

    token: str


@dataclass(frozen=True)
class PartnerSpec:
    """A new partner; without a token one is generated."""

    key: str
    name: str
    country_code: str
    party_id: str
    role: PartyRole = PartyRole.EMSP
    status: PartnerStatus = PartnerStatus.ACTIVE
    token: str | None = None


@dataclass(frozen=True)
class OcpiParty:
    """Who is calling an OCPI endpoint."""

    key: str
    country_code: str
    party_id: str
    role: str


def _view(row: RoamingPartner) -> RoamingPartnerView:
    return copy_of(RoamingPartnerView, row)


def _issued(row: RoamingPartner, token: str) -> IssuedRoamingPartner:
    return IssuedRoamingPartner(**vars(_view(row)), token=token)


def partner_snapshot(row: RoamingPartner) -> dict[str, Any]:
    """What the audit log keeps: never the token nor its hash."""
    return {name: getattr(row, name) for name in ("key", *COLUMNS)}


def _require_admin(actor: Actor) -> None:
    if not actor.scope.is_platform_admin:
        raise Forbidden("only a platform admin manages roaming partners")


async def _get(uow: UnitOfWork, actor: Actor, key: str) -> RoamingPartner:
    _require_admin(actor)
    row = await uow.repo(RoamingPartners).get_by_key(key)
    if row is None:
        raise NotFound(f"roaming partner {key!r} not found")
    return row


async def _check_party_free(uow: UnitOfWork, party: tuple[str, str, str], key: str) -> None:
    holder = await uow.repo(RoamingPartners).get_by_party(*party)
    if holder is not None and holder.key != key:
        raise Conflict(f"party_id: roaming partner {holder.key!r} already is {'/'.join(party)}")


async def _check_token_free(uow: UnitOfWork, digest: str, key: str) -> None:
    if any(p.key != key for p in await uow.repo(RoamingPartners).find_by_token_hashes([digest])):
        raise Conflict("token: another roaming partner already uses this credentials token")


async def list_partners(
    uow: UnitOfWork, actor: Actor, *, cursor: str | None = None, limit: int = 50
) -> Page[RoamingPartnerView]:
    _require_admin(actor)
    rows = await uow.repo(RoamingPartners).list_partners(after_id=decode_cursor(cursor), limit=limit + 1)
    return page_of(rows, limit, lambda r: r.id, _view)


async def get_partner(uow: UnitOfWork, actor: Actor, key: str) -> RoamingPartnerView:
    return _view(await _get(uow, actor, key))


async def apply_partner(
    uow: UnitOfWork,
    actor: Actor,
    row: RoamingPartner | None,
    key: str,
    values: Mapping[str, str],
    token_hash: str | None,
) -> tuple[RoamingPartner, bool]:
    """The one write of a roaming partner, for the API and the import: `values` (name,
    country_code, party_id, role, status; checked) set, a new `token_hash` replacing the old one
    (None: kept), a new row when `row` is None. Audited without the token. No checks, no commit.
    Returns the row and whether anything changed."""
    if row is None:
        row = RoamingPartner(key=key, token_hash=token_hash, **values)
        uow.repo(RoamingPartners).add(row)
        await uow.flush()
        await created(uow, actor, ENTITY, key, None, partner_snapshot(row))
        return row, True
    before = partner_snapshot(row)
    for column, value in values.items():
        setattr(row, column, value)
    after = partner_snapshot(row)
    if token_hash is not None and token_hash != row.token_hash:
        row.token_hash = token_hash
        after["token"] = "changed"
    return row, await updated(uow, actor, ENTITY, key, None, before, after)


async def _checked(
    uow: UnitOfWork, key: str, wanted: Mapping[str, Any], row: RoamingPartner | None
) -> tuple[dict[str, str], str | None]:
    """The columns `wanted` (PartnerSpec fields) asks for, normalised, and its token's hash (None
    without a token). Conflict when another partner is that party or presents that token."""
    party = (
        roaming.normalise_country_code(wanted["country_code"]),
        roaming.normalise_party_id(wanted["party_id"]),
        PartyRole(wanted["role"]).value,
    )
    if row is None or party != (row.country_code, row.party_id, row.role):
        await _check_party_free(uow, party, key)
    token = wanted.get("token")
    digest = roaming.hash_token(roaming.check_token(token)) if token is not None else None
    if digest is not None and (row is None or digest != row.token_hash):
        await _check_token_free(uow, digest, key)
    status = PartnerStatus(wanted["status"]).value
    return {"name": wanted["name"], **dict(zip(PARTY, party, strict=True)), "status": status}, digest


async def create_partner(uow: UnitOfWork, actor: Actor, spec: PartnerSpec) -> IssuedRoamingPartner:
    """Either way (given or generated) the answer carries the token, this once."""
    _require_admin(actor)
    token = roaming.check_token(spec.token) if spec.token is not None else roaming.new_token()
    if await uow.repo(RoamingPartners).get_by_key(spec.key) is not None:
        raise Conflict(f"key: roaming partner {spec.key!r} already exists")
    values, digest = await _checked(uow, spec.key, {**vars(spec), "token": token}, None)
    row, _ = await apply_partner(uow, actor, None, spec.key, values, digest)
    await uow.commit()
    return _issued(row, token)


async def update_partner(
    uow: UnitOfWork, actor: Actor, key: str, changes: Mapping[str, Any]
) -> RoamingPartnerView:
    """`changes` holds PartnerSpec fields (not `key`); those left out keep their value. A new
    `token` replaces the old one at once."""
    row = await _get(uow, actor, key)
    wanted = {name: getattr(row, name) for name in COLUMNS} | dict(changes)
    values, digest = await _checked(uow, key, wanted, row)
    if (await apply_partner(uow, actor, row, key, values, digest))[1]:
        await uow.flush()
    await uow.commit()
    return _view(row)


async def issue_token(uow: UnitOfWork, actor: Actor, key: str) -> IssuedRoamingPartner:
    """A fresh generated token; the old one stops working at once."""
    row = await _get(uow, actor, key)
    token = roaming.new_token()
    await apply_partner(uow, actor, row, key, {}, roaming.hash_token(token))
    await uow.flush()
    await uow.commit()
    return _issued(row, token)


async def delete_partner(uow: UnitOfWork, actor: Actor, key: str) -> None:
    row = await _get(uow, actor, key)
    await deleted(uow, actor, ENTITY, key, None, partner_snapshot(row))
    await uow.repo(RoamingPartners).delete(row)
    await uow.commit()


async def authenticate(uow: UnitOfWork, authorization: str | None) -> OcpiParty:
    """The active partner whose credentials token the `Authorization: Token ...` header carries
    (base64-encoded as OCPI 2.2.1 says, or plain). Unauthenticated otherwise."""
    candidates = roaming.token_candidates(authorization)
    hashes = [roaming.hash_token(t) for t in candidates]
    found = {p.token_hash: p for p in await uow.repo(RoamingPartners).find_by_token_hashes(hashes)}
    for digest in hashes:
        partner = found.get(digest)
        if partner is not None and partner.status == PartnerStatus.ACTIVE:
            return OcpiParty(partner.key, partner.country_code, partner.party_id, partner.role)
    raise Unauthenticated("missing or unknown credentials token: send 'Authorization: Token <base64 token>'")
