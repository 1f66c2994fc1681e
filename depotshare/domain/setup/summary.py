"""What an import did, per section: created, updated, unchanged; and the lines the CLI prints."""

from __future__ import annotations

from dataclasses import dataclass, field

SECTIONS = (
    "organisations",
    "cost_centres",
    "users",
    "employees",
    "vehicles",
    "locations",
    "stations",
    "tokens",
    "tariffs",
    "roaming_partners",
    "partnerships",
    "grants",
    "internal_grants",
)


@dataclass
class Tally:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0  # grants a partnership entry (or a host's internal grants) no longer lists

    def count(self, created: bool, changed: bool) -> None:
        """One entry of the file: created, else updated when it changed anything, else unchanged."""
        if created:
            self.created += 1
        elif changed:
            self.updated += 1
        else:
            self.unchanged += 1


@dataclass
class ImportSummary:
    source: str
    sections: dict[str, Tally] = field(default_factory=lambda: {s: Tally() for s in SECTIONS})

    @property
    def changed(self) -> bool:
        return any(t.created or t.updated or t.deleted for t in self.sections.values())

    def render(self) -> str:
        created = sum(t.created for t in self.sections.values())
        updated = sum(t.updated for t in self.sections.values())
        deleted = sum(t.deleted for t in self.sections.values())
        head = f"{created} created, {updated} updated" if self.changed else "nothing changed"
        head += f", {deleted} deleted" if deleted else ""
        lines = [f"imported {self.source}: {head}"]
        for name, t in self.sections.items():
            if t.created or t.updated or t.unchanged or t.deleted:
                lines.append(
                    f"  {name:<14}{t.created:>5} created{t.updated:>5} updated{t.unchanged:>5} unchanged"
                    + (f"{t.deleted:>5} deleted" if t.deleted else "")
                )
        return "\n".join(lines)
