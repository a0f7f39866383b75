"""apk's comparison of ``C:`` checksums: two spellings of one digest are one package.

Used by the provider map (records merged across indexes), the solver (a
``><`` checksum constraint) and version matching (:func:`apkneed.alpine.version.satisfies`);
it is neither a provider nor a version rule, so it lives here, below both.

API::

    checksum_key(checksum) -> bytes | str
"""

from __future__ import annotations

_B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
_B64_CLEARED = {c: _B64[i & ~3] for i, c in enumerate(_B64)}


def checksum_key(checksum: str) -> bytes | str:
    """The bytes apk compares for a ``C:`` checksum (``Q1``+base64, ``X1``+hex, or MD5 hex).

    apk decodes before comparing, so two spellings of one digest (base64
    differing only in its unused padding bits) are the same package.
    """
    if len(checksum) == 30 and checksum[:2] == "Q1" and checksum[29] == "=":
        # The usual SHA-1 in base64: only the unused low bits of the 28th
        # character can differ between spellings; clear them (cheaper than decoding).
        last = _B64_CLEARED.get(checksum[28])
        if last is not None:
            return checksum[:28] + last
    import base64  # only for a checksum in an unusual spelling
    import binascii

    try:
        if checksum[:2] == "Q1":
            return base64.b64decode(checksum[2:])
        if checksum[:2] == "X1":
            return bytes.fromhex(checksum[2:])
        return bytes.fromhex(checksum)
    except (binascii.Error, ValueError):
        return checksum
