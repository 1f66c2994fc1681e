"""Tokens (charge cards and other authorisation tokens): issue, assign to an employee, vehicle
and cost centre, block. A uid is stored in its canonical form (domain.fleet.tokens)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from functools import partial

from depotshare.domain.common.actor import Actor
from depotshare.domain.common.errors import Conflict, InvalidInput
from depotshare.domain.fleet.events import TokenChanged
from depotshare.domain.fleet.tokens import (
    TokenStatus,
    TokenType,
    check_group_id,
    check_validity,
    normalise_uid,
    uid_candidates,
)
from depotshare.domain.orgs.roles import Action, Resource
from depotshare.services.common.ownership import org_by_id, reach, target_org
from depotshare.services.common.pagination import Page
from depotshare.services.common.unit_of_work import UnitOfWork
from depotshare.services.fleet.cost_centres import COST_CENTRE_REF
from depotshare.services.fleet.employees import EMPLOYEE_REF
from depotshare.services.fleet.names import FleetNames, NameSource, StoredNames
from depotshare.services.fleet.references import assign, named
from depotshare.services.fleet.vehicles import VEHICLE_REF
from depotshare.services.fleet.writes import (
    Applied,
    Columns,
    FleetKind,
    Patch,
    apply_write,
    delete_row,
    page,
    patched,
    place,
    view_of,
)
from depotshare.store.fleet.models import Token
from depotshare.store.fleet.tokens import Tokens

TOKENS = Resource.TOKENS
_REFS = [EMPLOYEE_REF, VEHICLE_REF, COST_CENTRE_REF]
# The plain fields of a token: API and import field -> column.
_FIELDS = {
    "type": "type",
    "status": "status",
    "valid_from": "valid_from",
    "valid_until": "valid_until",
    "group": "group_id",
    "label": "label",
}


@dataclass(frozen=True)
class TokenView:
    uid: str
    org: str
    type: TokenType
    status: TokenStatus
    valid_from: date | None
    valid_until: date | None
    group: str | None
    label: str | None
    employee: str | None
    vehicle: str | None
    cost_centre: str | None
    created_at: datetime


@dataclass(frozen=True)
class TokenPatch(Patch):
    type: TokenType | None = None
    status: TokenStatus | None = None
    valid_from: date | None = None
    valid_until: date | None = None
    group: str | None = None
    label: str | None = None
    employee: str | None = None
    vehicle: str | None = None


def _view(t: Token, names: FleetNames) -> TokenView:
    return TokenView(
        t.uid,
        names.org_key(t.org_id) or "",
        TokenType(t.type),
        TokenStatus(t.status),
        t.valid_from,
        t.valid_until,
        t.group_id,
        t.label,
        names.employee_key(t.employee_id),
        names.vehicle_key(t.vehicle_id),
        names.cost_centre_code(t.cost_centre_id),
        t.created_at,
    )


TOKEN = FleetKind("token", Token, Tokens, TOKENS, lambda t: t.uid, _view)


async def apply_token(
    uow: UnitOfWork,
    actor: Actor,
    names: NameSource,
    row: Token | None,
    columns: Columns,
    org_paths: frozenset[str],
) -> Applied[Token, TokenView]:
    """The one write of a token (REST and import): the token rules checked on the values it will
    have, then created or `columns` set, audited, and the local lists of its organisations
    (`org_paths`: before and after) made due; no commit."""
    _check(row, columns)
    event = partial(TokenChanged, org_paths=org_paths)
    return await apply_write(uow, actor, TOKEN, names, row, columns, event)


def _check(row: Token | None, columns: Columns) -> None:
    if row is not None and "type" in columns and columns["type"] != row.type:
        # The uid was normalised for its old type; it must already be canonical for the new one.
        kind = TokenType(columns["type"])
        if normalise_uid(row.uid, kind, "type") != row.uid:
            raise InvalidInput("type", f"uid {row.uid!r} is not written as a {kind.value} uid")
    if "group_id" in columns:
        columns["group_id"] = check_group_id(columns["group_id"])
    valid = {c: columns[c] if c in columns else getattr(row, c, None) for c in ("valid_from", "valid_until")}
    check_validity(valid["valid_from"], valid["valid_until"])


async def access_token(uow: UnitOfWork, actor: Actor, uid: str, action: Action = Action.READ) -> Token:
    """The only way to reach a token: NotFound when absent or invisible (a driver sees its own
    cards only), Forbidden when visible but not writable."""
    candidates = uid_candidates(uid)
    repo = uow.repo(Tokens)
    matches = await repo.find_scoped(actor.scope, candidates, Action.READ) if candidates else []
    by_uid = {t.uid: t for t in matches}
    token = next((by_uid[u] for u, _ in candidates if u in by_uid), None)
    return await reach(uow, actor, token, f"token {uid!r}", TOKENS, action)


def _enum_filter(value: str | None, kind: type[TokenStatus] | type[TokenType], path: str) -> str | None:
    if value is None:
        return None
    try:
        return kind(value).value
    except ValueError:
        raise InvalidInput(path, f"one of {', '.join(m.value for m in kind)}") from None


async def list_tokens(
    uow: UnitOfWork,
    actor: Actor,
    *,
    org: str | None = None,
    q: str | None = None,
    status: str | None = None,
    type: str | None = None,
    group: str | None = None,
    employee: str | None = None,
    vehicle: str | None = None,
    cost_centre: str | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> Page[TokenView]:
    status, type = _enum_filter(status, TokenStatus, "status"), _enum_filter(type, TokenType, "type")
    filters = {"q": q, "group": group, "employee": employee, "vehicle": vehicle, "cost_centre": cost_centre}
    return await page(uow, actor, TOKEN, org, cursor, limit, status=status, type=type, **filters)


async def get_token(uow: UnitOfWork, actor: Actor, uid: str) -> TokenView:
    return await view_of(uow, TOKEN, await access_token(uow, actor, uid))


async def create_token(
    uow: UnitOfWork,
    actor: Actor,
    *,
    uid: str,
    org: str,
    type: TokenType = TokenType.RFID,
    status: TokenStatus = TokenStatus.ACTIVE,
    valid_from: date | None = None,
    valid_until: date | None = None,
    group: str | None = None,
    label: str | None = None,
    employee: str | None = None,
    vehicle: str | None = None,
    cost_centre: str | None = None,
) -> TokenView:
    canonical = normalise_uid(uid, type)
    columns: Columns = {"uid": canonical, "type": type.value, "status": status.value, "label": label}
    columns |= {"valid_from": valid_from, "valid_until": valid_until, "group_id": group}
    _check(None, columns)
    owner = await target_org(uow, actor, org, TOKENS)
    if await uow.repo(Tokens).get_by_uid(canonical) is not None:
        raise Conflict(f"uid: a token with uid {canonical!r} already exists")
    wanted = {"employee": employee, "vehicle": vehicle, "cost_centre": cost_centre}
    columns |= {"org_id": owner.id, **await assign(uow, actor, wanted, _REFS, owner)}
    applied = await apply_token(uow, actor, StoredNames(uow), None, columns, frozenset({owner.path}))
    await uow.commit()
    return applied.view


async def update_token(uow: UnitOfWork, actor: Actor, uid: str, patch: TokenPatch) -> TokenView:
    token = await access_token(uow, actor, uid, Action.WRITE)
    columns = patched(patch, _FIELDS, required=frozenset({"type", "status"}))
    for enum_column in ("type", "status"):
        if enum_column in columns:
            columns[enum_column] = columns[enum_column].value
    _check(token, columns)
    placed = await place(uow, actor, token, patch.org if "org" in patch.given else None, TOKENS)
    kept = token if placed.moved else None
    columns |= {
        "org_id": placed.owner.id,
        **await assign(uow, actor, named(patch, _REFS), _REFS, placed.owner, kept),
    }
    org_paths = frozenset({placed.was.path, placed.owner.path})
    applied = await apply_token(uow, actor, StoredNames(uow), token, columns, org_paths)
    await uow.commit()
    return applied.view


async def set_token_status(uow: UnitOfWork, actor: Actor, uid: str, status: TokenStatus) -> TokenView:
    """Block or unblock a card; doing it twice changes nothing the second time."""
    return await update_token(uow, actor, uid, TokenPatch(frozenset({"status"}), status=status))


async def delete_token(uow: UnitOfWork, actor: Actor, uid: str) -> None:
    token = await access_token(uow, actor, uid, Action.WRITE)
    event = partial(TokenChanged, org_paths=frozenset({(await org_by_id(uow, token.org_id)).path}))
    await delete_row(uow, actor, TOKEN, token, event=event)
    await uow.commit()
