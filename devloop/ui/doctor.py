"""How `devloop doctor` shows its findings on a terminal (JSON is `Finding.to_json`)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rich.markup import escape
from rich.table import Table

from devloop.checks.finding import Finding

_STYLES = {"error": "bold red", "warning": "yellow", "info": "dim"}


def render(findings: Iterable[Finding], out: Any) -> None:
    findings = list(findings)
    table = Table(title="devloop doctor", title_justify="left", show_lines=False)
    for column in ("level", "service", "check", "finding"):
        table.add_column(column)
    for f in findings:
        text = escape(f.message) + (f"\n[dim]hint: {escape(f.hint)}[/]" if f.hint else "")
        table.add_row(f"[{_STYLES[f.level]}]{f.level}[/]", escape(f.service or "-"), f.check, text)
    out.print(table)
    counts = {level: sum(1 for f in findings if f.level == level) for level in _STYLES}
    out.print(f"{counts['error']} error(s), {counts['warning']} warning(s), {counts['info']} note(s)")
