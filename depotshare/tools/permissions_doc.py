"""Generate docs/permissions.md from the role table (domain/orgs/roles.py).

`--write FILE` writes it; `--check FILE` fails when the file is out of date (run by `make test`)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from depotshare.domain.orgs.roles import ROLE_PERMISSIONS, Action, Reach, Resource, Role

_CELL = {None: "—", Reach.OWN: "own", Reach.SUBTREE: "✓"}


def render() -> str:
    roles = list(Role)
    lines = [
        "# Permissions",
        "",
        "Generated from `depotshare/domain/orgs/roles.py` by `make docs`; `make test` fails when it is stale.",
        "",
        "A role is assigned to a user on an organisation and reaches that organisation and all its",
        "descendants (`platform_admin` is platform-wide). A user holds any number of assignments; its",
        "rights are their union. Objects outside the caller's reach answer 404, never 403; an object",
        "it may read but not change answers 403 to a write.",
        "",
        "Legend: ✓ = the whole subtree, own = only objects tied to the user's own employee record",
        "(a driver's own cards and sessions), — = no access. `sessions` are the charging sessions of",
        "the organisation's tokens (fleet side), `site_sessions` those at its locations (facility side).",
        "",
        "| resource | action | " + " | ".join(f"`{r.value}`" for r in roles) + " |",
        "| --- | --- | " + " | ".join(":-:" for _ in roles) + " |",
    ]
    for resource in Resource:
        for action in Action:
            cells = [_CELL[ROLE_PERMISSIONS[r].get((resource, action))] for r in roles]
            lines.append(f"| {resource.value} | {action.value} | " + " | ".join(cells) + " |")
    lines += [
        "",
        "## Rules beyond the table",
        "",
        "- Top-level organisations are created, deleted and moved to the top only by `platform_admin`.",
        "- Moving an organisation needs `organisations: write` on the organisation, its current parent and",
        "  its new parent, and never under one of its own descendants.",
        "- Granting or removing a role needs `users: write` on the organisation of the assignment;",
        "  `platform_admin` is granted only by a `platform_admin`.",
        "- Changing a login (name, password, active, delete) needs `users: write` over every organisation",
        "  the login has a role on, so a subsidiary's admin cannot take over a holding-level account.",
        "- A user sees the role assignments of other users only on organisations it may read users of.",
        "- Every user reads its own profile (`/auth/me`) and manages its own API keys.",
        "- Remote commands need `stations: write`; the untyped `raw` command also needs `platform_admin`",
        "  or `org_admin` reaching the station's organisation.",
        "",
    ]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser()
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--write", type=Path)
    group.add_argument("--check", type=Path)
    args = parser.parse_args()
    text = render()
    if args.write:
        args.write.write_text(text)
        return 0
    if not args.check.exists() or args.check.read_text() != text:
        print(f"{args.check} is out of date with the role table: run `make docs`", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
