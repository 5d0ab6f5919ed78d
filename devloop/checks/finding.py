"""What `devloop doctor` reports: a finding with its level, service, check and hint. The checks
that produce them are in devloop.checks."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

Level = Literal["error", "warning", "info"]
LEVELS: tuple[Level, ...] = ("error", "warning", "info")
REBUILD_INSTEAD = 'or let devloop rebuild the service instead (strategy = "rebuild" in devloop.toml)'


@dataclass(frozen=True)
class Finding:
    level: Level
    service: str | None
    check: str
    message: str
    hint: str = ""

    def to_json(self) -> dict[str, str | None]:
        return {
            "level": self.level,
            "service": self.service,
            "check": self.check,
            "message": self.message,
            "hint": self.hint,
        }


def ordered(findings: Iterable[Finding]) -> list[Finding]:
    """Errors first, then warnings, then info; without duplicates (replicas report the same)."""
    unique = dict.fromkeys(findings)
    return sorted(unique, key=lambda f: (LEVELS.index(f.level), f.service or "", f.check))
