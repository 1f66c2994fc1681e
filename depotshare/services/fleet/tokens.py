"""Tokens (charge cards and other authorisation tokens): issue, assign to an employee, vehicle
and cost centre, block. A uid is stored in its canonical form (domain.fleet.tokens)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

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
from depotshare.services.common.pagination import Page, decode_cursor, page_of
from depotshare.services.common.unit_of_work import UnitOfWork
from depotshare.services.fleet.cost_centres import resolve_cost_centre
from depotshare.services.fleet.employees import resolve_employee
from depotshare.services.fleet.references import keep_reference
from depotshare.services.fleet.vehicles import resolve_vehicle
from depotshare.services.orgs.organisations import org_keys, subtree_filter
from depotshare.store.fleet.cost_centres import CostCentres
from depotshare.store.fleet.employees import Employees
from depotshare.store.fleet.models import CostCentre, Employee, Token, Vehicle
from depotshare.store.fleet.tokens import Tokens
from depotshare.store.fleet.vehicles import Vehicles
from depotshare.store.orgs.models import Organisation

TOKENS = Resource.TOKENS


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
class TokenPatch:
    """A partial update: only the fields named in `given` change (None there clears a field)."""

    given: frozenset[str]
    org: str | None = None
    type: TokenType | None = None
    status: TokenStatus | None = None
    valid_from: date | None = None
    valid_until: date | None = None
    group: str | None = None
    label: str | None = None
    employee: str | None = None
    vehicle: str | None = None
    cost_centre: str | None = None


async def _views(uow: UnitOfWork, rows: list[Token]) -> dict[int, TokenView]:
    """Views of a page of tokens: one query per kind of reference, never one per row."""
    orgs = await org_keys(uow, [t.org_id for t in rows])
    employees = await uow.repo(Employees).keys_by_id([t.employee_id for t in rows])
    vehicles = await uow.repo(Vehicles).keys_by_id([t.vehicle_id for t in rows])
    codes = await uow.repo(CostCentres).codes_by_id([t.cost_centre_id for t in rows])
    return {
        t.id: TokenView(
            t.uid,
            orgs[t.org_id],
            TokenType(t.type),
            TokenStatus(t.status),
            t.valid_from,
            t.valid_until,
            t.group_id,
            t.label,
            employees.get(t.employee_id or 0),
            vehicles.get(t.vehicle_id or 0),
            codes.get(t.cost_centre_id or 0),
            t.created_at,
        )
        for t in rows
    }


async def _view(uow: UnitOfWork, token: Token) -> TokenView:
    return (await _views(uow, [token]))[token.id]


def _snapshot(view: TokenView) -> dict[str, object]:
    return {
        "uid": view.uid,
        "org": view.org,
        "type": view.type.value,
        "status": view.status.value,
        "valid_from": view.valid_from.isoformat() if view.valid_from else None,
        "valid_until": view.valid_until.isoformat() if view.valid_until else None,
        "group": view.group,
        "label": view.label,
        "employee": view.employee,
        "vehicle": view.vehicle,
        "cost_centre": view.cost_centre,
    }


async def access_token(uow: UnitOfWork, actor: Actor, uid: str, action: Action = Action.READ) -> Token:
    """The only way to reach a token: NotFound when absent or invisible (a driver sees its own
    cards only), Forbidden when visible but not writable."""
    candidates = uid_candidates(uid)
    matches = await uow.repo(Tokens).find_scoped(actor.scope, candidates, Action.READ) if candidates else []
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
    prefix = await subtree_filter(uow, actor, org)
    rows = await uow.repo(Tokens).list_scoped(
        actor.scope,
        org_prefix=prefix,
        q=q,
        status=_enum_filter(status, TokenStatus, "status"),
        type=_enum_filter(type, TokenType, "type"),
        group=group,
        employee=employee,
        vehicle=vehicle,
        cost_centre=cost_centre,
        after_id=decode_cursor(cursor),
        limit=limit + 1,
    )
    views = await _views(uow, rows[:limit])
    return page_of(rows, limit, lambda t: t.id, lambda t: views[t.id])


async def get_token(uow: UnitOfWork, actor: Actor, uid: str) -> TokenView:
    return await _view(uow, await access_token(uow, actor, uid))


async def _references(
    uow: UnitOfWork,
    actor: Actor,
    owner: Organisation,
    employee: str | None,
    vehicle: str | None,
    cost_centre: str | None,
) -> tuple[Employee | None, Vehicle | None, CostCentre | None]:
    return (
        await resolve_employee(uow, actor, employee, owner) if employee else None,
        await resolve_vehicle(uow, actor, vehicle, owner) if vehicle else None,
        await resolve_cost_centre(uow, actor, cost_centre, owner) if cost_centre else None,
    )


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
    group = check_group_id(group)
    check_validity(valid_from, valid_until)
    owner = await target_org(uow, actor, org, TOKENS)
    if await uow.repo(Tokens).get_by_uid(canonical) is not None:
        raise Conflict(f"uid: a token with uid {canonical!r} already exists")
    emp, veh, cc = await _references(uow, actor, owner, employee, vehicle, cost_centre)
    token = Token(
        org_id=owner.id,
        uid=canonical,
        type=type.value,
        status=status.value,
        valid_from=valid_from,
        valid_until=valid_until,
        group_id=group,
        label=label,
        employee_id=emp.id if emp else None,
        vehicle_id=veh.id if veh else None,
        cost_centre_id=cc.id if cc else None,
    )
    uow.repo(Tokens).add(token)
    await uow.flush()
    view = await _view(uow, token)
    await uow.emit(
        TokenChanged(
            actor=actor,
            entity_id=canonical,
            action="create",
            org_id=owner.id,
            after=_snapshot(view),
            org_paths=frozenset({owner.path}),
        )
    )
    await uow.commit()
    return view


async def update_token(uow: UnitOfWork, actor: Actor, uid: str, patch: TokenPatch) -> TokenView:
    token = await access_token(uow, actor, uid, Action.WRITE)
    before = _snapshot(await _view(uow, token))
    _apply_fields(token, patch)
    owner = await org_by_id(uow, token.org_id)
    was_at = owner.path
    new_org = patch.org if "org" in patch.given else None
    moved = new_org is not None and new_org != owner.key
    if new_org is not None and moved:
        owner = await target_org(uow, actor, new_org, TOKENS)
        token.org_id = owner.id
    await _reassign(uow, actor, token, owner, patch, moved)
    return await _finish_update(uow, actor, token, owner, before, was_at)


def _apply_fields(token: Token, patch: TokenPatch) -> None:
    given = patch.given
    if "type" in given and patch.type is not None and patch.type.value != token.type:
        # The uid was normalised for its old type; it must already be canonical for the new one.
        if normalise_uid(token.uid, patch.type, "type") != token.uid:
            raise InvalidInput("type", f"uid {token.uid!r} is not written as a {patch.type.value} uid")
        token.type = patch.type.value
    if "status" in given and patch.status is not None:
        token.status = patch.status.value
    if "valid_from" in given:
        token.valid_from = patch.valid_from
    if "valid_until" in given:
        token.valid_until = patch.valid_until
    check_validity(token.valid_from, token.valid_until)
    if "group" in given:
        token.group_id = check_group_id(patch.group)
    if "label" in given:
        token.label = patch.label


async def _reassign(
    uow: UnitOfWork, actor: Actor, token: Token, owner: Organisation, patch: TokenPatch, moved: bool
) -> None:
    """New references are resolved for the actor; kept ones must still fit after a move."""
    given = patch.given
    if "employee" in given:
        emp = patch.employee
        token.employee_id = (await resolve_employee(uow, actor, emp, owner)).id if emp else None
    elif moved:
        await keep_reference(uow.repo(Employees), token.employee_id, owner, "employee")
    if "vehicle" in given:
        veh = patch.vehicle
        token.vehicle_id = (await resolve_vehicle(uow, actor, veh, owner)).id if veh else None
    elif moved:
        await keep_reference(uow.repo(Vehicles), token.vehicle_id, owner, "vehicle")
    if "cost_centre" in given:
        code = patch.cost_centre
        token.cost_centre_id = (await resolve_cost_centre(uow, actor, code, owner)).id if code else None
    elif moved:
        await keep_reference(uow.repo(CostCentres), token.cost_centre_id, owner, "cost_centre")


async def _finish_update(
    uow: UnitOfWork, actor: Actor, token: Token, owner: Organisation, before: dict[str, object], was_at: str
) -> TokenView:
    view = await _view(uow, token)
    after = _snapshot(view)
    if after != before:
        await uow.emit(
            TokenChanged(
                actor=actor,
                entity_id=token.uid,
                action="update",
                org_id=owner.id,
                before=before,
                after=after,
                org_paths=frozenset({was_at, owner.path}),
            )
        )
    await uow.commit()
    return view


async def set_token_status(uow: UnitOfWork, actor: Actor, uid: str, status: TokenStatus) -> TokenView:
    """Block or unblock a card; doing it twice changes nothing the second time."""
    return await update_token(uow, actor, uid, TokenPatch(frozenset({"status"}), status=status))


async def delete_token(uow: UnitOfWork, actor: Actor, uid: str) -> None:
    token = await access_token(uow, actor, uid, Action.WRITE)
    before = _snapshot(await _view(uow, token))
    await uow.emit(
        TokenChanged(
            actor=actor,
            entity_id=token.uid,
            action="delete",
            org_id=token.org_id,
            before=before,
            org_paths=frozenset({(await org_by_id(uow, token.org_id)).path}),
        )
    )
    await uow.repo(Tokens).delete(token)
    await uow.commit()
