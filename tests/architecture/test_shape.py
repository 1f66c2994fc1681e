"""The shape of the code, checked (docs/architecture.md, ADR 5): capabilities reach each other
through their services, one writer of the audit log, modules small enough to read. Where the
code does not meet a rule yet, the exception is listed here by name: such a list may only shrink."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from tests.support.paths import REPO

PACKAGE = REPO / "depotshare"
CAPABILITIES = {"orgs", "fleet", "sites", "charging", "access", "roaming", "setup", "common"}
MAX_LINES = 400

# Services that still read another capability's store directly (issue 9: to go through the other
# capability's service functions).
KNOWN_STORE_REACHES = {
    ("services/access/authorization.py", "depotshare.store.charging.recording"),
    ("services/access/local_list_facts.py", "depotshare.store.charging.recording"),
    ("services/access/decision_chain.py", "depotshare.store.sites.locations"),
    ("services/common/ownership.py", "depotshare.store.fleet.cost_centres"),
    ("services/sites/connected_stations.py", "depotshare.store.charging.recording"),
    ("services/sites/stations.py", "depotshare.store.orgs.organisations"),
    ("services/sites/station_status.py", "depotshare.store.charging.queries"),
    # The import and the first run write through the capabilities' stores; to become the
    # capabilities' apply_<thing>() building blocks that the REST use cases share.
    ("services/setup/bootstrap.py", "depotshare.store.orgs.organisations"),
    ("services/setup/bootstrap.py", "depotshare.store.orgs.users"),
    ("services/setup/importer_partners.py", "depotshare.store.access.partnerships"),
}
KNOWN_LONG_MODULES: set[str] = set()
# Services that still use the ORM session themselves (issue 9: to ask their capability's repository,
# handed out by the unit of work, instead).
KNOWN_SESSION_USERS = {
    "services/access/authorization.py",
    "services/access/decision_chain.py",
    "services/access/decisions.py",
    "services/access/grant_shapes.py",
    "services/access/grants.py",
    "services/access/internal_grants.py",
    "services/access/local_list_facts.py",
    "services/access/local_list_marks.py",
    "services/access/local_list_reports.py",
    "services/access/local_list_sync.py",
    "services/access/local_lists.py",
    "services/access/partnerships.py",
    "services/charging/meter_values.py",
    "services/charging/queries.py",
    "services/charging/recording.py",
    "services/charging/transaction_events.py",
    "services/common/audit_trail.py",
    "services/common/ownership.py",
    "services/fleet/cost_centres.py",
    "services/fleet/employees.py",
    "services/fleet/tokens.py",
    "services/fleet/vehicles.py",
    "services/orgs/audit_log.py",
    "services/orgs/auth.py",
    "services/orgs/organisations.py",
    "services/orgs/users.py",
    "services/roaming/ocpi_locations.py",
    "services/roaming/partners.py",
    "services/setup/bootstrap.py",
    "services/setup/exporter.py",
    "services/setup/importer.py",
    "services/setup/importer_assets.py",
    "services/setup/importer_sites.py",
    "services/setup/importer_orgs.py",
    "services/setup/importer_partners.py",
    "services/setup/importer_roaming.py",
    "services/sites/connected_stations.py",
    "services/sites/evses.py",
    "services/sites/locations.py",
    "services/sites/station_status.py",
    "services/sites/stations.py",
}


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
    assert found - KNOWN_STORE_REACHES == set(), "use the other capability's service functions"
    assert KNOWN_STORE_REACHES - found == set(), "paid off: remove it from KNOWN_STORE_REACHES"


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


def test_only_the_audit_trail_writes_the_audit_log() -> None:
    writers = []
    for rel, tree in _modules("services", "api", "ocpp", "ocpi", "cli"):
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                name = ast.unparse(node.func)
                if name in ("audit.record", "AuditEntry") and rel != "services/common/audit_trail.py":
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
    assert users - KNOWN_SESSION_USERS == set(), "ask the capability's repository: uow.repo(...)"
    assert KNOWN_SESSION_USERS - users == set(), "paid off: remove it from KNOWN_SESSION_USERS"
