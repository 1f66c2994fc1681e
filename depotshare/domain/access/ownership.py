"""Partner-access rules against the organisation tree: a partner lies outside its host's tree, a
partnership's tariff is the platform's or its host's (or above), a grant opens only its host's
places, an internal grant is for the host's own fleet. The import checks them on its plan, the API
on the store; both pass `within`, so the rules never read a database."""

from __future__ import annotations

from collections.abc import Callable

from depotshare.domain.common.errors import Problems

Within = Callable[[str, str], bool]  # (org key, ancestor key) -> org is the ancestor or below it


def check_partner_outside_host(
    host: str, partner: str, within: Within, path: str, problems: Problems
) -> None:
    """A partner is another company: an organisation in the host's own tree is its internal fleet."""
    if host != partner and within(partner, host):
        problems.add(
            path,
            f"{partner!r} is part of {host!r}'s own tree: its fleet is the host's internal fleet, not a partner",
        )


def check_tariff_owner(
    key: str,
    owner: str | None,
    host: str,
    within: Within,
    path: str,
    problems: Problems,
    name_owner: bool = True,
) -> None:
    """A partnership's tariff is the platform's, or the host's own or one of its ancestors'.
    `name_owner=False` keeps the owner out of the message (the API: callers see only their tree)."""
    if owner is not None and not within(host, owner):
        whose = f"belongs to {owner!r}, which is not" if name_owner else "is not the platform's, nor one of"
        problems.add(path, f"tariff {key!r} {whose} {host!r} or above it")


def check_place_owner(
    name: str, owner: str, host: str, within: Within, path: str, problems: Problems, name_owner: bool = True
) -> None:
    """A grant opens only places of its host's subtree. `name_owner=False` keeps the owner out of
    the message (the API: callers see only their own tree)."""
    if not within(owner, host):
        whose = f"belongs to {owner!r}, outside" if name_owner else "is not a place of"
        problems.add(path, f"{name!r} {whose} the host {host!r} and its subtree")


def check_internal_subject(host: str, subject: str, within: Within, path: str, problems: Problems) -> None:
    """An internal grant is for the host's own fleet: its subject is the host or below it."""
    if not within(subject, host):
        problems.add(path, f"{subject!r} is not {host!r} or one of its organisations")


def check_internal_subject_at(
    name: str,
    subject: str,
    owner: str,
    within: Within,
    path: str,
    problems: Problems,
    name_owner: bool = True,
) -> None:
    """The engine counts an internal grant only where its subject lies in the place owner's
    subtree (docs/access-rules.md); elsewhere it would do nothing, so it is refused."""
    if not within(subject, owner):
        whose = f"its owner {owner!r}" if name_owner else "the organisation owning it"
        problems.add(
            path,
            f"{name!r}: an internal grant applies only where its subject {subject!r} lies within {whose}",
        )
