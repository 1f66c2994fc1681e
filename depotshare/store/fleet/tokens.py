"""The tokens repository (charge cards). The list is keyset-paginated on the primary key and joins
nothing: key references of a page are resolved afterwards, one query per kind."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import ColumnElement, and_, func, or_, select

from depotshare.domain.orgs.roles import Action, Resource
from depotshare.domain.orgs.scope import Scope
from depotshare.store.fleet.models import CostCentre, Employee, Token, Vehicle
from depotshare.store.fleet.rows import FleetRows


class Tokens(FleetRows[Token]):
    model, resource = Token, Resource.TOKENS

    async def find_scoped(
        self, scope: Scope, candidates: Sequence[tuple[str, str | None]], action: Action
    ) -> list[Token]:
        """Tokens matching any (uid, type) candidate; a type of None matches any type."""
        clauses: list[ColumnElement[bool]] = [
            Token.uid == uid if kind is None else and_(Token.uid == uid, Token.type == kind)
            for uid, kind in candidates
        ]
        stmt = self.scoped(scope, action).where(or_(*clauses))
        return list((await self.session.scalars(stmt)).all())

    async def get_by_uid(self, uid: str) -> Token | None:
        return await self.first(select(Token).where(Token.uid == uid))

    async def list_scoped(
        self,
        scope: Scope,
        *,
        org_prefix: str | None = None,
        q: str | None = None,
        status: str | None = None,
        type: str | None = None,
        group: str | None = None,
        employee: str | None = None,
        vehicle: str | None = None,
        cost_centre: str | None = None,
        after_id: int | None = None,
        limit: int = 50,
    ) -> list[Token]:
        stmt = self.scoped(scope)
        if q:
            stmt = stmt.where(_matches(q))
        if status is not None:
            stmt = stmt.where(Token.status == status)
        if type is not None:
            stmt = stmt.where(Token.type == type)
        if group is not None:
            stmt = stmt.where(Token.group_id == group)
        if employee is not None:
            stmt = stmt.where(
                Token.employee_id == select(Employee.id).where(Employee.key == employee).scalar_subquery()
            )
        if vehicle is not None:
            stmt = stmt.where(
                Token.vehicle_id == select(Vehicle.id).where(Vehicle.key == vehicle).scalar_subquery()
            )
        if cost_centre is not None:
            stmt = stmt.where(
                Token.cost_centre_id.in_(select(CostCentre.id).where(CostCentre.code == cost_centre))
            )
        return await self.page(stmt, org_prefix, after_id, limit)


def _matches(q: str) -> ColumnElement[bool]:
    """uid or label contains `q`; a uid typed with separators ("04:a2") matches too."""
    needle = q.lower()
    compact = "".join(ch for ch in needle if ch not in " :-")
    clauses = [
        func.lower(Token.uid).contains(needle, autoescape=True),
        func.lower(Token.label).contains(needle, autoescape=True),
    ]
    if compact and compact != needle:
        clauses.append(func.lower(Token.uid).contains(compact, autoescape=True))
    return or_(*clauses)
