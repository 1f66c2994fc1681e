"""The shape of the code, checked (docs/architecture.md, ADR 5): capabilities reach each other
through their services, services ask repositories and never touch the ORM session, one writer of
the audit log, modules small enough to read. Where the code does not meet a rule yet, the
exception is listed here by name: such a list may only shrink."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from tests.support.paths import REPO

PACKAGE = REPO / "depotshare"
CAPABILITIES = {"orgs", "fleet", "sites", "charging", "access", "roaming", "setup", "common"}
MAX_LINES = 400

KNOWN_LONG_MODULES: set[str] = set()


def _modules(*layers: str) -> Iterator[tuple[str, ast.Module]]:
    for layer in layers:
        for path in sorted((PACKAGE / layer).rglob("*.py")):
            yield str(path.relative_to(PACKAGE)), ast.parse(path.read_text())


def _imports(tree: ast.Module) -> Iterator[tuple[str, list[str]]]:
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and not node.level:
            if node.module.count(".") == 2:  # `from depotshare.store.charging import recording`
                for alias in node.names:
                    yield f"{node.module}.{alias.name}", []
            else:
                yield node.module, [a.name for a in node.names]
        elif isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, []


def _capability(module: str, layer: str) -> str | None:
    parts = module.split(".")
    if len(parts) > 2 and parts[0] == "depotshare" and parts[1] == layer and parts[2] in CAPABILITIES:
        return parts[2]
    return None


def _owner(rel: str) -> str | None:
    parts = rel.split("/")
    return parts[1] if len(parts) > 2 and parts[1] in CAPABILITIES else None


def test_services_reach_another_capability_only_through_its_services() -> None:
    found = set()
    for rel, tree in _modules("services"):
        own = _owner(rel)
        for module, _ in _imports(tree):
            other = _capability(module, "store")
            # Tables are the shared schema; repositories are the owning capability's business.
            if other not in (None, own, "common") and not module.endswith(".models"):
                found.add((rel, module))
    assert found == set(), "use the other capability's service functions"


def test_no_capability_imports_another_s_private_names() -> None:
    found = []
    for rel, tree in _modules("services", "store", "domain"):
        own = _owner(rel)
        for module, names in _imports(tree):
            layer = module.split(".")[1] if module.count(".") >= 1 else ""
            other = _capability(module, layer)
            if other not in (None, own, "common"):
                found += [f"{rel}: {module}.{n}" for n in names if n.startswith("_")]
    assert found == []


# The audit repository: written by the audit trail, read by the audit log's page.
_AUDIT_USERS = {"services/common/audit_trail.py": "writes", "services/orgs/audit_log.py": "reads"}


def test_only_the_audit_trail_writes_the_audit_log() -> None:
    writers = []
    for rel, tree in _modules("services", "api", "ocpp", "ocpi", "cli"):
        role = _AUDIT_USERS.get(rel)
        for node in ast.walk(tree):
            uses = isinstance(node, ast.Name) and node.id in ("AuditLog", "AuditEntry")
            writes = isinstance(node, ast.Attribute) and node.attr == "record"
            if (uses and role is None) or (writes and role == "reads"):
                writers.append(f"{rel}:{node.lineno}")
    assert writers == [], "emit a Changed event; services/common/audit_trail.py records it"


def test_service_and_store_modules_stay_readable() -> None:
    long = {
        str(path.relative_to(PACKAGE))
        for layer in ("services", "store")
        for path in (PACKAGE / layer).rglob("*.py")
        if "migrations" not in path.parts and len(path.read_text().splitlines()) > MAX_LINES
    }
    assert long - KNOWN_LONG_MODULES == set(), f"split by purpose: over {MAX_LINES} lines"
    assert KNOWN_LONG_MODULES - long == set(), "paid off: remove it from KNOWN_LONG_MODULES"


def _session_uses(tree: ast.Module) -> Iterator[int]:
    """Lines that touch the ORM session or import SQLAlchemy."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute):
            touched = node.attr == "session"
        elif isinstance(node, ast.ImportFrom):
            touched = (node.module or "").split(".")[0] == "sqlalchemy"
        elif isinstance(node, ast.Import):
            touched = any(a.name.split(".")[0] == "sqlalchemy" for a in node.names)
        else:
            continue
        if touched:
            yield node.lineno


# The unit of work opens and ends the transaction; migrations run Alembic on the engine.
_DATABASE_OWNERS = {"services/common/unit_of_work.py", "services/common/migrations.py"}


def test_services_ask_repositories_and_never_touch_the_orm_session() -> None:
    users = {
        rel for rel, tree in _modules("services") if rel not in _DATABASE_OWNERS and any(_session_uses(tree))
    }
    assert users == set(), "ask the capability's repository: uow.repo(...)"
