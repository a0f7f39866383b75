"""Helpers the check tests share."""

from __future__ import annotations

from pathlib import Path

DATA = Path(__file__).parent / "data"


def codes(report: dict) -> list[tuple[int, str, str]]:
    """(line, severity, code) of every finding, suggestions and info left out."""
    return sorted((f["line"], f["severity"], f["code"]) for f in report["findings"]
                  if f["severity"] not in ("suggestion", "info"))
