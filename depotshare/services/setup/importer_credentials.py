"""The credentials the import sets on logins and stations: a password given in the file is hashed
with its keyed check, a hash given is kept as it is."""

from __future__ import annotations

from depotshare.domain.setup.model import StationIn, UserIn
from depotshare.services.orgs import security
from depotshare.store.orgs.models import User
from depotshare.store.sites.models import ChargingStation


def set_password(row: User | ChargingStation, entry: UserIn | StationIn) -> None:
    """The credentials of a new row: a password is hashed (with its keyed check), a hash kept."""
    if entry.password is not None:
        row.password_hash = security.hash_password(entry.password)
        row.password_check = security.password_check(row.password_hash, entry.password)
    else:
        row.password_hash, row.password_check = entry.password_hash, None


def password_changes(row: User | ChargingStation, entry: UserIn | StationIn) -> bool:
    """Set the password the file gives unless the stored one is it already. The keyed check answers
    that without argon2 (an unchanged file re-imports in well under a second per login); only a
    row without a current check (set by the API, another secret) is verified with argon2 once, and
    gets its check then, which changes no credential and so counts as unchanged."""
    if entry.password is not None:
        if security.check_matches(row.password_check, row.password_hash, entry.password):
            return False
        if row.password_hash is not None and security.verify_password(row.password_hash, entry.password):
            row.password_check = security.password_check(row.password_hash, entry.password)
            return False
        set_password(row, entry)
        return True
    if entry.password_hash is not None and row.password_hash != entry.password_hash:
        set_password(row, entry)
        return True
    return False
