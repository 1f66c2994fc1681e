"""Who a charging session is booked to, frozen when it is taken: the depot's owner, the token and
its organisation, the employee, the vehicle and the cost centre. Later changes to the token, the
employee or the organisation tree never follow into it (billing and reports rely on that)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TokenFacts:
    """A token's references as they are when a session freezes them."""

    token_id: int
    org_id: int
    employee_id: int | None = None
    vehicle_id: int | None = None
    cost_centre_id: int | None = None  # the token's own
    employee_cost_centre_id: int | None = None  # its employee's
    vehicle_cost_centre_id: int | None = None  # its vehicle's

    @property
    def booked_cost_centre_id(self) -> int | None:
        """The cost centre a session is booked to: the token's own, else its employee's, else its
        vehicle's."""
        return self.cost_centre_id or self.employee_cost_centre_id or self.vehicle_cost_centre_id


@dataclass(frozen=True)
class Attribution:
    owner_org_id: int  # the organisation of the location: the depot's owner
    id_token: str | None = None  # as the station named it
    id_token_type: str | None = None
    token_id: int | None = None  # the token it named, when we know it
    token_org_id: int | None = None
    employee_id: int | None = None
    vehicle_id: int | None = None
    cost_centre_id: int | None = None

    @classmethod
    def frozen(
        cls,
        owner_org_id: int,
        *,
        home_employee_id: int | None = None,
        id_token: str | None = None,
        id_token_type: str | None = None,
        token: TokenFacts | None = None,
    ) -> Attribution:
        """The attribution of a session at a location of `owner_org_id`. The employee is the
        token's, else the one whose home charger it is (`home_employee_id`)."""
        return cls(
            owner_org_id=owner_org_id,
            id_token=id_token,
            id_token_type=id_token_type,
            token_id=token.token_id if token else None,
            token_org_id=token.org_id if token else None,
            employee_id=(token.employee_id if token else None) or home_employee_id,
            vehicle_id=token.vehicle_id if token else None,
            cost_centre_id=token.booked_cost_centre_id if token else None,
        )

    def with_token(self, id_token: str, id_token_type: str | None, token: TokenFacts | None) -> Attribution:
        """This attribution once a token is named for a session that started without one (a 2.0.1
        transaction started by plugging in): frozen then, the home charger's employee kept when the
        token names none."""
        return Attribution.frozen(
            self.owner_org_id,
            home_employee_id=self.employee_id,
            id_token=id_token,
            id_token_type=id_token_type,
            token=token,
        )
