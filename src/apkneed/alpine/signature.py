"""Is an APKINDEX signed by Alpine? RSA verification against Alpine's keys.

``cryptography`` is used because RSA PKCS#1 v1.5 verification must be done
by a vetted implementation, never by hand.

An ``APKINDEX.tar.gz`` starts with a signature stream holding
``.SIGN.<algorithm>.<keyname>``; its content is an RSA PKCS#1 v1.5
signature over a digest of the *compressed* index stream that follows
(:attr:`ApkIndex.signed_data`). Algorithms, as apk-tools names them:
``RSA`` (SHA-1), ``RSA256`` (SHA-256), ``RSA512`` (SHA-512).

The trust rule follows apk's: an index is trusted when a signature made by
one of the trusted keys verifies. An index that is unsigned, signed only by
keys we do not have, or whose signature does not verify (a modified or
corrupted index) is refused with an :class:`IntegrityError`, unless the user
explicitly allows untrusted indexes, in which case the caller reports a
warning. This holds for ``--index`` files too, plain-text ``APKINDEX``
files included (they can carry no signature), exactly like ``apk``.

Alpine's public keys ship as package data (``apkneed/data/keys``), copied
from the ``alpine-keys`` package by ``scripts/build_data.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from typing import TYPE_CHECKING, Mapping

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from cryptography.hazmat.primitives.serialization import load_pem_public_key

from apkneed.alpine.index import ApkIndex
from apkneed.errors import IntegrityError

if TYPE_CHECKING:  # importlib's home for Traversable moved between 3.10 and 3.11
    from importlib.resources.abc import Traversable

#: apk's signature algorithm names -> the digest each one signs
DIGESTS: Mapping[str, type[hashes.HashAlgorithm]] = {
    "RSA": hashes.SHA1,
    "RSA256": hashes.SHA256,
    "RSA512": hashes.SHA512,
}

KEY_SUFFIX = ".rsa.pub"


@dataclass(frozen=True)
class Verification:
    """What checking one index's signatures found."""

    source: str
    trusted: bool
    key_name: str | None = None  # the key whose signature verified
    algorithm: str | None = None
    problem: str | None = None  # why it is not trusted, one phrase

    def describe(self) -> str:
        if self.trusted:
            return f"signed by {self.key_name} ({self.algorithm})"
        return self.problem or "not trusted"


def bundled_keys_dir() -> Traversable:
    """Alpine's public keys shipped inside apkneed."""
    return resources.files("apkneed") / "data" / "keys"


def load_keys(directory: Traversable | None = None) -> dict[str, RSAPublicKey]:
    """Key file name -> RSA public key, for every ``*.rsa.pub`` in ``directory``.

    The file name is what ``.SIGN.RSA.<name>`` refers to, as in
    ``/etc/apk/keys``. A key file that is not an RSA public key is an error:
    the shipped data is broken, and trusting less than intended must be loud.
    """
    directory = bundled_keys_dir() if directory is None else directory
    keys: dict[str, RSAPublicKey] = {}
    for entry in sorted(directory.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(KEY_SUFFIX):
            continue
        try:
            key = load_pem_public_key(entry.read_bytes())
        except OSError as exc:
            raise IntegrityError(f"trusted key {entry.name} cannot be read ({exc.strerror or exc})") from None
        except (ValueError, UnsupportedAlgorithm) as exc:
            raise IntegrityError(f"trusted key {entry.name} cannot be read ({exc})") from None
        if not isinstance(key, RSAPublicKey):
            raise IntegrityError(f"trusted key {entry.name} is not an RSA public key")
        keys[entry.name] = key
    if not keys:
        raise IntegrityError(f"no trusted Alpine keys found in {directory}")
    return keys


def verify_index(index: ApkIndex, keys: Mapping[str, RSAPublicKey]) -> Verification:
    """Check ``index``'s signatures against ``keys``; never raises for bad data."""
    if not index.signatures or index.signed_data is None:
        return Verification(index.source, False, problem="index is not signed")
    unknown: list[str] = []
    bad: list[str] = []
    for signature in index.signatures:
        digest = DIGESTS.get(signature.algorithm)
        key = keys.get(signature.key_name)
        if digest is None or key is None:
            unknown.append(f"{signature.algorithm}:{signature.key_name}")
            continue
        try:
            key.verify(signature.signature, index.signed_data, padding.PKCS1v15(), digest())
        except InvalidSignature:
            bad.append(signature.key_name)
            continue
        return Verification(index.source, True, signature.key_name, signature.algorithm)
    if bad:
        # A trusted key whose signature does not match: the bytes were changed.
        problem = f"BAD signature by {', '.join(bad)} (the index was modified or corrupted)"
    else:
        problem = f"signed only by unknown keys ({', '.join(unknown)}), none of the {len(keys)} trusted Alpine keys"
    return Verification(index.source, False, problem=problem)


def require_trusted(
    index: ApkIndex, keys: Mapping[str, RSAPublicKey], *, allow_untrusted: bool = False
) -> Verification:
    """Verify ``index``; refuse it with an IntegrityError unless ``allow_untrusted``.

    With ``allow_untrusted`` an untrusted index is returned with its
    :class:`Verification`; the caller turns :func:`untrusted_warning` into a
    warning line.
    """
    verification = verify_index(index, keys)
    if not verification.trusted and not allow_untrusted:
        raise IntegrityError(
            f"{index.source}: {verification.problem}; refused (pass --allow-untrusted to use it anyway)"
        )
    return verification


def untrusted_warning(verification: Verification) -> str:
    return f"{verification.source}: {verification.problem}; used anyway because of --allow-untrusted"
