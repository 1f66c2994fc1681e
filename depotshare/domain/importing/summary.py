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
)


@dataclass
class Tally:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclass
class ImportSummary:
    source: str
    sections: dict[str, Tally] = field(default_factory=lambda: {s: Tally() for s in SECTIONS})

    @property
    def changed(self) -> bool:
        return any(t.created or t.updated for t in self.sections.values())

    def render(self) -> str:
        created = sum(t.created for t in self.sections.values())
        updated = sum(t.updated for t in self.sections.values())
        head = f"{created} created, {updated} updated" if self.changed else "nothing changed"
        lines = [f"imported {self.source}: {head}"]
        for name, t in self.sections.items():
            if t.created or t.updated or t.unchanged:
                lines.append(
                    f"  {name:<14}{t.created:>5} created{t.updated:>5} updated{t.unchanged:>5} unchanged"
                )
        return "\n".join(lines)
