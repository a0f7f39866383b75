"""Indexes whose signature verified before: one small record each, in the cache.

Why a record may stand in for verification, and why that is sound, is told
in :mod:`apkneed.alpine.sources.signature`. A record is a text file under
``<cache root>/alpine/verified/``, named by the sha256 of the index's signed
(compressed) stream::

    apkneed-verified-index 1
    apkneed 0.1.0
    signed <sha256 of the signed index stream>
    signatures <sha256 of every signature: algorithm, key name, bytes, in order>
    keys <sha256 of the whole trusted key set>
    key <key file name> <sha256 of that key file>
    algorithm <RSA|RSA256|RSA512>

It applies only when every line equals what is computed now from the index
in hand and the key files; anything else is a miss, never an error.
"""

from __future__ import annotations

import hashlib
import os

from apkneed import __version__
from apkneed.alpine.index import ApkIndex
from apkneed.alpine.sources.signature import KeyRing, Verification
from apkneed.cache import read_private, write_private
from apkneed.records import Frozen, set_field

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (milliseconds of every resolve)
if TYPE_CHECKING:
    from os import PathLike

    StrPath = str | PathLike[str]  # a repeat resolve never imports pathlib (apkneed.pathtext)

RECORD_FORMAT = "apkneed-verified-index 1"
#: a record is a few hundred bytes; reading more would only read garbage
MAX_RECORD = 4096


#: (signed bytes, their sha256) last hashed: a first run looks a record up, verifies, then writes
#: the record, and hashed the same megabytes twice (bytes are immutable: the same object, the same digest)
_last_signed: list = [None, None]


def signed_digest(index: ApkIndex) -> str | None:
    """The sha256 a record is named by; None when the index is not signed."""
    if not index.signatures or index.signed_data is None:
        return None
    if _last_signed[0] is not index.signed_data:
        _last_signed[:] = index.signed_data, hashlib.sha256(index.signed_data).hexdigest()
    return _last_signed[1]


def signatures_digest(index: ApkIndex) -> str:
    digest = hashlib.sha256()
    for signature in index.signatures:
        digest.update(f"{signature.algorithm}\0{signature.key_name}\0{len(signature.signature)}\0".encode())
        digest.update(signature.signature)
    return digest.hexdigest()


def record_text(
    index: ApkIndex, keys: KeyRing, verification: Verification, signed: str | None = None
) -> str | None:
    """The record for a successful verification; None if there is nothing to record.

    ``signed`` is :func:`signed_digest` of ``index`` when the caller has it already.
    """
    signed = signed or signed_digest(index)
    fingerprint = keys.fingerprint_of(verification.key_name or "")
    if not verification.trusted or signed is None or fingerprint is None:
        return None
    return "\n".join([
        RECORD_FORMAT,
        f"apkneed {__version__}",
        f"signed {signed}",
        f"signatures {signatures_digest(index)}",
        f"keys {keys.fingerprint}",
        f"key {verification.key_name} {fingerprint}",
        f"algorithm {verification.algorithm}",
    ]) + "\n"


def verification_from_record(
    text: str, index: ApkIndex, keys: KeyRing, signed: str | None = None
) -> Verification | None:
    """The Verification a record stands for, if it matches ``index`` and ``keys`` exactly."""
    lines = text.split("\n")
    if len(lines) != 8 or lines[0] != RECORD_FORMAT or lines[7] != "":
        return None
    key_line = lines[5].split(" ")
    if len(key_line) != 3:
        return None
    key_name = key_line[1]
    algorithm = lines[6].removeprefix("algorithm ")
    if not any(s.key_name == key_name and s.algorithm == algorithm for s in index.signatures):
        return None
    # Rebuilding the record from what is true now and comparing the whole
    # text checks every line at once.
    expected = record_text(index, keys, Verification(index.source, True, key_name, algorithm), signed)
    if expected != text:
        return None
    return Verification(index.source, True, key_name, algorithm)


class VerifiedRecords(Frozen):
    """The records under ``root``; every failure to read or write one is a miss."""

    __slots__ = ("root",)

    root: StrPath

    def __init__(self, root: StrPath) -> None:
        set_field(self, "root", root)

    def lookup(self, index: ApkIndex, keys: KeyRing) -> Verification | None:
        signed = signed_digest(index)
        data = read_private(os.path.join(self.root, signed), limit=MAX_RECORD) if signed else None
        if data is None or not data.isascii():
            return None
        return verification_from_record(data.decode("ascii"), index, keys, signed)

    def remember(self, index: ApkIndex, keys: KeyRing, verification: Verification) -> None:
        # Not written (a read-only cache, a full disk): the next run verifies again.
        signed = signed_digest(index)
        text = record_text(index, keys, verification, signed)
        if text is not None and text.isascii():
            write_private(os.path.join(self.root, signed), text.encode("ascii"))
