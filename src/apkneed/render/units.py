"""Numbers for people: sizes in the binary units apk itself prints."""

from __future__ import annotations


def human_size(size: int) -> str:
    """Bytes in binary units, one decimal: ``512 B``, ``1.5 MiB``."""
    value = float(size)
    for unit in ("B", "KiB", "MiB"):
        if value < 1024:
            return f"{int(value)} B" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GiB"
