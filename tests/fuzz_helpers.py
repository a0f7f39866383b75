"""Shared by the fuzz targets: a fixed budget, and byte-level mutation of a
real seed biased towards the structures readers trust (headers, directories).

The contract every target checks: the reader returns, or raises apkneed's own
error class (:class:`apkneed.errors.ApkneedError`) with a one-line message.
Anything else escaping is a crash, and hypothesis reports it.
"""

from __future__ import annotations

import os
import struct

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from apkneed.errors import ApkneedError

#: a fixed budget: few examples per target, no per-example deadline (the CI machine is shared).
#: APKNEED_FUZZ_EXAMPLES raises it for a long hunt outside CI.
FUZZ = settings(
    max_examples=int(os.environ.get("APKNEED_FUZZ_EXAMPLES", "50")),
    deadline=None,
    derandomize=False,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def contained(call) -> object:
    """``call()``'s result, or None when it raised an ApkneedError; any other exception propagates."""
    try:
        return call()
    except ApkneedError as exc:
        assert "\n" not in str(exc) and str(exc)
        return None


def mutate(data: st.DataObject, seed: bytes, hot: list[int] = ()) -> bytes:
    """Up to 8 byte, 16-bit or 32-bit overwrites of ``seed``, half of them near a ``hot`` offset."""
    mutated = bytearray(seed)
    if not mutated:
        return bytes(mutated)
    for _ in range(data.draw(st.integers(1, 8))):
        if hot and data.draw(st.booleans()):
            position = min(len(mutated) - 1, data.draw(st.sampled_from(hot)) + data.draw(st.integers(0, 46)))
        else:
            position = data.draw(st.integers(0, len(mutated) - 1))
        kind = data.draw(st.sampled_from(["byte", "short", "word"]))
        if kind == "byte":
            mutated[position] = data.draw(st.integers(0, 255))
        elif kind == "short" and position + 2 <= len(mutated):
            struct.pack_into("<H", mutated, position, data.draw(st.sampled_from([0, 1, 8, 12, 14, 99, 0x800, 0xFFFF])))
        elif position + 4 <= len(mutated):
            struct.pack_into("<I", mutated, position, data.draw(st.sampled_from([0, 1, 0x7FFFFFFF, 0xFFFFFFFF, len(seed)])))
    if data.draw(st.booleans()):
        del mutated[data.draw(st.integers(0, len(mutated))):]
    return bytes(mutated)


def zip_headers(data: bytes) -> list[int]:
    """Offsets of every local header, central entry and end record: where zip readers look first."""
    hot = []
    for signature in (b"PK\x03\x04", b"PK\x01\x02", b"PK\x05\x06"):
        at = data.find(signature)
        while at >= 0:
            hot.append(at)
            at = data.find(signature, at + 1)
    return hot or [0]
