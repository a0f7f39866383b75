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

Repeat runs: the verified-index record
-------------------------------------

Importing ``cryptography`` costs ~20 ms, more than a whole solve; the RSA
check itself takes well under a millisecond. So a verification that
succeeds is remembered (:mod:`apkneed.alpine.sources.verified`), and a later run
given byte-identical input trusts it without importing ``cryptography``.
The keys are read as bytes (:class:`KeyRing`) and parsed only when a
signature must really be checked. Why that is sound:

* A record vouches only for exactly what was verified: it is found by the
  sha256 of the signed index stream *computed from the bytes in hand*, and
  applies only when the sha256 of every signature, the name and sha256 of
  the key that verified, the sha256 of the whole trusted key set and
  apkneed's version all equal what they are now. Any other byte, key or
  version is a miss, and a miss, an unreadable or malformed record, or one
  in the wrong place is always followed by real verification. Only
  successes are recorded: a refusal is never cached, so its message is
  always the real one.
* So forging a record is the only way to make a record lie, and that takes
  writing the user's cache directory. A record (and its directory) is
  ignored unless it is owned by the user running apkneed and writable by no
  one else (records are written 0600 in a 0700 directory; symbolic links
  are not followed), so other local users cannot plant one. Whoever can
  write as that user can equally edit a per-user installation of apkneed
  (its key files included), the user's ``PATH``, or simply pass
  ``--allow-untrusted``: the signature check protects the user from what a
  mirror, a network or a handed-over file contains, not from their own
  account. A record is as trustworthy as the user's own cache directory,
  where apkneed keeps everything else it downloads, and no more.
* Where the cache itself is the thing to distrust, records are not used:
  bodies from the mirror or from its cache are verified on every use (the
  mirror's "a tampered cached copy is dropped, never used" stands), so a
  cache restored from elsewhere (a CI cache written by another branch) can
  never supply an index. Records serve ``--index`` files and the embedded
  snapshot (whose bytes are also pinned by the manifest's sha256): a record
  lying about them needs control of both the cache and the file. (Parsed
  copies of ``--index`` files, :mod:`apkneed.alpine.sources.parsed`, rest on the
  cache alone; their docstring says so.)
* The whole key set's fingerprint keeps :func:`load_keys`' promise that a
  broken key file is loud: a record is written only after every key parsed,
  and a changed, added or removed key file makes every record a miss, so
  the next run parses (and complains about) the keys.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
import functools
from functools import cached_property

from apkneed.alpine.index import ApkIndex
from apkneed.errors import IntegrityError
from apkneed.records import Frozen, set_field

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (milliseconds of every resolve)

if TYPE_CHECKING:  # importlib's home for Traversable moved between 3.10 and 3.11
    from collections.abc import Callable, Iterator
    from importlib.resources.abc import Traversable

    from typing import Protocol

    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey

    class RecordStore(Protocol):
        """Where verifications that succeeded are remembered (a type only).

        :class:`apkneed.alpine.sources.verified.VerifiedRecords` is the one
        store; it reads this module's :class:`KeyRing` and
        :class:`Verification`, so this module names only what it asks of it
        and never imports it: the imports run one way, verified -> signature.
        """

        def lookup(self, index: ApkIndex, keys: KeyRing) -> Verification | None: ...

        def remember(self, index: ApkIndex, keys: KeyRing, verification: Verification) -> None: ...

#: apk's signature algorithm names -> the name of the digest (in
#: ``cryptography.hazmat.primitives.hashes``) each one signs
DIGESTS: Mapping[str, str] = {
    "RSA": "SHA1",
    "RSA256": "SHA256",
    "RSA512": "SHA512",
}

KEY_SUFFIX = ".rsa.pub"


class Verification(Frozen):
    """What checking one index's signatures found."""

    __slots__ = ("source", "trusted", "key_name", "algorithm", "problem")

    source: str
    trusted: bool
    key_name: str | None  # the key whose signature verified
    algorithm: str | None
    problem: str | None  # why it is not trusted, one phrase

    def __init__(
        self,
        source: str,
        trusted: bool,
        key_name: str | None = None,
        algorithm: str | None = None,
        problem: str | None = None,
    ) -> None:
        set_field(self, "source", source)
        set_field(self, "trusted", trusted)
        set_field(self, "key_name", key_name)
        set_field(self, "algorithm", algorithm)
        set_field(self, "problem", problem)

    def describe(self) -> str:
        if self.trusted:
            return f"signed by {self.key_name} ({self.algorithm})"
        return self.problem or "not trusted"


def bundled_keys_dir() -> str | Traversable:
    """Alpine's public keys shipped inside apkneed.

    Installed as files (any wheel install), that is the directory beside
    this package (as text: no pathlib on a repeat run, see
    :mod:`apkneed.pathtext`), which is what :mod:`importlib.resources` would
    return, after importing zipfile for its readers (~3 ms of every run: the
    keys are read by every command that loads an index). Anything else (a
    zip import) goes through importlib.resources.
    """
    package = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    beside = os.path.join(package, "data", "keys")  # apkneed/data/keys, from alpine/sources/
    if os.path.isdir(beside):
        return beside
    from importlib import resources

    return resources.files("apkneed") / "data" / "keys"


class TrustSettings(Frozen):
    """What makes an index acceptable: the keys, and whether untrusted ones pass."""

    __slots__ = ("keys", "allow_untrusted")

    keys: Mapping[str, RSAPublicKey]
    allow_untrusted: bool

    def __init__(self, keys: Mapping[str, RSAPublicKey], allow_untrusted: bool = False) -> None:
        set_field(self, "keys", keys)
        set_field(self, "allow_untrusted", allow_untrusted)


class KeyRing(Mapping):
    """The trusted key files, read as bytes and parsed only when used.

    A mapping of key file name -> RSA public key, like :func:`load_keys`'s;
    the first lookup parses every key (importing ``cryptography``) with the
    same checks. :attr:`fingerprint` and :meth:`fingerprint_of` need no
    parsing: they are what a verified-index record is bound to.
    """

    files: tuple[tuple[str, bytes], ...]  # (file name, PEM bytes), sorted by name

    def __init__(self, files: tuple[tuple[str, bytes], ...]) -> None:
        set_field(self, "files", files)

    def __repr__(self) -> str:
        return f"{type(self).__qualname__}(files={self.files!r})"

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"cannot assign to field {name!r}")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"cannot delete field {name!r}")

    @cached_property
    def parsed(self) -> dict[str, RSAPublicKey]:
        return _parse_keys(self.files)

    @cached_property
    def fingerprint(self) -> str:
        """sha256 of the whole key set: every file's name and bytes."""
        digest = hashlib.sha256()
        for name, data in self.files:
            digest.update(f"{name}\0{len(data)}\0".encode())
            digest.update(data)
        return digest.hexdigest()

    def fingerprint_of(self, name: str) -> str | None:
        for file_name, data in self.files:
            if file_name == name:
                return hashlib.sha256(data).hexdigest()
        return None

    def __getitem__(self, name: str) -> RSAPublicKey:
        return self.parsed[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self.parsed)

    def __len__(self) -> int:
        return len(self.files)


def read_key_ring(directory: str | Traversable | None = None) -> KeyRing:
    """Every ``*.rsa.pub`` in ``directory``, read but not parsed (see :class:`KeyRing`)."""
    directory = bundled_keys_dir() if directory is None else directory
    files = []
    for name, read in sorted(_directory_files(directory), key=lambda entry: entry[0]):
        if not name.endswith(KEY_SUFFIX):
            continue
        try:
            files.append((name, read()))
        except OSError as exc:
            raise IntegrityError(f"trusted key {name} cannot be read ({exc.strerror or exc})") from None
    if not files:
        raise IntegrityError(f"no trusted Alpine keys found in {directory}")
    return KeyRing(tuple(files))


def _directory_files(directory: str | Traversable) -> Iterator[tuple[str, Callable[[], bytes]]]:
    """(name, reader of its bytes) for each entry of ``directory``: a path as text, or a Traversable."""
    if not isinstance(directory, str):
        yield from ((entry.name, entry.read_bytes) for entry in directory.iterdir())
        return
    for name in os.listdir(directory):
        yield name, functools.partial(_read_bytes, os.path.join(directory, name))


def _read_bytes(path: str) -> bytes:
    with open(path, "rb") as file:
        return file.read()


def load_keys(directory: str | Traversable | None = None) -> dict[str, RSAPublicKey]:
    """Key file name -> RSA public key, for every ``*.rsa.pub`` in ``directory``.

    The file name is what ``.SIGN.RSA.<name>`` refers to, as in
    ``/etc/apk/keys``. A key file that is not an RSA public key is an error:
    the shipped data is broken, and trusting less than intended must be loud.
    """
    return read_key_ring(directory).parsed


def pem_public_key_loader() -> Callable[[bytes], object]:
    """``cryptography``'s ``load_pem_public_key``, without importing its ``serialization`` package.

    That package (SSH key formats, ciphers, and with them dataclasses and
    inspect) costs ~12 ms of every first run, 6% of one on v3.17 main, for
    one function that is the Rust binding's own (``serialization.base``
    binds it so): it is taken from there, and from the public package when
    a version of ``cryptography`` has it elsewhere (tests/alpine/test_signature.py
    holds the two to be the same function).
    """
    try:
        from cryptography.hazmat.bindings._rust import openssl

        return openssl.keys.load_pem_public_key
    except (ImportError, AttributeError):
        from cryptography.hazmat.primitives.serialization import load_pem_public_key

        return load_pem_public_key


def _parse_keys(files: tuple[tuple[str, bytes], ...]) -> dict[str, RSAPublicKey]:
    from cryptography.exceptions import UnsupportedAlgorithm
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey

    load_pem_public_key = pem_public_key_loader()
    keys: dict[str, RSAPublicKey] = {}
    for name, data in files:
        try:
            key = load_pem_public_key(data)
        except (ValueError, UnsupportedAlgorithm) as exc:
            raise IntegrityError(f"trusted key {name} cannot be read ({exc})") from None
        if not isinstance(key, RSAPublicKey):
            raise IntegrityError(f"trusted key {name} is not an RSA public key")
        keys[name] = key
    return keys


def verify_index(index: ApkIndex, keys: Mapping[str, RSAPublicKey]) -> Verification:
    """Check ``index``'s signatures against ``keys``; never raises for bad data."""
    if not index.signatures or index.signed_data is None:
        return Verification(index.source, False, problem="index is not signed")
    # Imported here: a run whose indexes all have a verified-index record never needs them.
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    unknown: list[str] = []
    bad: list[str] = []
    for signature in index.signatures:
        digest = DIGESTS.get(signature.algorithm)
        key = keys.get(signature.key_name)
        if digest is None or key is None:
            unknown.append(f"{signature.algorithm}:{signature.key_name}")
            continue
        try:
            key.verify(signature.signature, index.signed_data, padding.PKCS1v15(), getattr(hashes, digest)())
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
    index: ApkIndex,
    keys: Mapping[str, RSAPublicKey],
    *,
    allow_untrusted: bool = False,
    records: RecordStore | None = None,
) -> Verification:
    """Verify ``index``; refuse it with an IntegrityError unless ``allow_untrusted``.

    With ``allow_untrusted`` an untrusted index is returned with its
    :class:`Verification`; the caller turns :func:`untrusted_warning` into a
    warning line. With ``records`` (and ``keys`` a :class:`KeyRing`, whose
    fingerprint a record is bound to), a byte-identical index verified
    before is trusted from its record, and a success is recorded.
    """
    recorded = records is not None and isinstance(keys, KeyRing)
    verification = records.lookup(index, keys) if recorded else None
    if verification is None:
        # A KeyRing parses every key here: a broken key file is loud on every
        # real check, an unsigned index's included (as load_keys always was).
        verification = verify_index(index, keys.parsed if isinstance(keys, KeyRing) else keys)
        if recorded and verification.trusted:
            records.remember(index, keys, verification)
    if not verification.trusted and not allow_untrusted:
        raise IntegrityError(
            f"{index.source}: {verification.problem}; refused (pass --allow-untrusted to use it anyway)"
        )
    return verification


def untrusted_warning(verification: Verification) -> str:
    return f"{verification.source}: {verification.problem}; used anyway because of --allow-untrusted"
