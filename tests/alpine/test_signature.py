"""Index signatures: the real indexes verify, every kind of tampering is refused."""

from __future__ import annotations

import sys

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from mirror_server import index_streams, signature_of, signature_stream, tar_stream, touch_gzip_mtime

from apkneed.alpine.index import read_index_bytes, read_index_file
from apkneed.alpine.sources.signature import (
    load_keys,
    pem_public_key_loader,
    require_trusted,
    untrusted_warning,
    verify_index,
)
from apkneed.errors import IntegrityError

V316_KEY = "alpine-devel@lists.alpinelinux.org-6165ee59.rsa.pub"
V317_KEY = "alpine-devel@lists.alpinelinux.org-616ae350.rsa.pub"


@pytest.fixture(scope="module")
def keys():
    return load_keys()


def read(data: bytes, source: str = "test/APKINDEX.tar.gz"):
    return read_index_bytes(data, source=source, repository="main")


def test_bundled_keys_are_alpines_17_keys(keys, shared_dir):
    shipped = sorted(keys)
    assert shipped == sorted(p.name for p in (shared_dir / "alpine" / "keys").glob("*.rsa.pub"))
    assert len(shipped) == 17
    assert all(key.key_size >= 2048 for key in keys.values())


def test_keys_are_read_by_cryptographys_own_pem_loader(keys, shared_dir):
    # taken from the Rust binding to spare a first run the serialization package's import: it must be the
    # very function the public API names, and read every key as the public API reads it
    assert pem_public_key_loader() is serialization.load_pem_public_key
    for path in (shared_dir / "alpine" / "keys").glob("*.rsa.pub"):
        public = serialization.load_pem_public_key(path.read_bytes())
        assert keys[path.name].public_numbers() == public.public_numbers()


def test_keys_are_read_without_the_rust_binding_name(monkeypatch, keys, v316_index_path):
    # a cryptography whose Rust binding no longer names the loader there: the public function reads
    # the same keys, and they verify a real index (the fallback the first-run shortcut relies on)
    monkeypatch.setitem(sys.modules, "cryptography.hazmat.bindings._rust", None)  # its import now fails
    assert pem_public_key_loader() is serialization.load_pem_public_key
    fallback = load_keys()
    assert {name: key.public_numbers() for name, key in fallback.items()} == {
        name: key.public_numbers() for name, key in keys.items()
    }
    assert verify_index(read_index_file(v316_index_path), fallback).trusted


@pytest.mark.parametrize(("fixture", "key_name"), [("v316_index_path", V316_KEY), ("v317_index_path", V317_KEY)])
def test_real_indexes_verify(request, keys, fixture, key_name):
    index = read_index_file(request.getfixturevalue(fixture))
    verification = require_trusted(index, keys)
    assert verification.trusted
    assert verification.key_name == key_name
    assert verification.algorithm == "RSA"
    assert verification.describe() == f"signed by {key_name} (RSA)"


def test_a_changed_index_stream_is_refused(keys, v316_index_path):
    sig, idx = index_streams(v316_index_path.read_bytes())
    tampered = read(sig + touch_gzip_mtime(idx))
    # The content still parses to the same packages: only the signature notices.
    assert len(tampered.packages) == 4929
    with pytest.raises(IntegrityError, match=r"^test/APKINDEX.tar.gz: BAD signature by .*6165ee59.*refused \(pass --allow-untrusted"):
        require_trusted(tampered, keys)


def test_one_flipped_bit_in_the_signed_bytes_is_refused(keys, v316_index_path):
    index = read_index_file(v316_index_path)
    data = bytearray(index.signed_data)
    data[len(data) // 2] ^= 0x10
    verification = verify_index(index.replace(signed_data=bytes(data)), keys)
    assert not verification.trusted
    assert "BAD signature" in verification.problem


def test_a_signature_from_another_index_is_refused(keys, v316_index_path, v317_index_path):
    # v3.17's genuine signature (by a trusted key) put in front of v3.16's index.
    sig317, _ = index_streams(v317_index_path.read_bytes())
    _, idx316 = index_streams(v316_index_path.read_bytes())
    swapped = read(sig317 + idx316)
    assert swapped.signatures[0].key_name == V317_KEY
    with pytest.raises(IntegrityError, match="BAD signature by .*616ae350"):
        require_trusted(swapped, keys)


def test_a_signature_claimed_by_another_trusted_key_is_refused(keys, v316_index_path):
    archive = v316_index_path.read_bytes()
    _, signature = signature_of(archive)
    _, idx = index_streams(archive)
    relabelled = read(signature_stream(f"RSA.{V317_KEY}", signature) + idx)
    assert not verify_index(relabelled, keys).trusted


def test_an_unknown_key_is_refused(keys, v316_index_path):
    archive = v316_index_path.read_bytes()
    _, signature = signature_of(archive)
    _, idx = index_streams(archive)
    unknown = read(signature_stream("RSA.someone@example.org-deadbeef.rsa.pub", signature) + idx)
    with pytest.raises(IntegrityError, match=r"signed only by unknown keys \(RSA:someone@example.org-deadbeef.rsa.pub\), none of the 17 trusted"):
        require_trusted(unknown, keys)


def test_an_unsigned_index_is_refused_and_allowed_only_explicitly(keys, v316_index_path):
    _, idx = index_streams(v316_index_path.read_bytes())
    unsigned = read(idx, source="unsigned/APKINDEX.tar.gz")
    assert unsigned.signatures == ()
    with pytest.raises(IntegrityError, match=r"^unsigned/APKINDEX.tar.gz: index is not signed; refused"):
        require_trusted(unsigned, keys)
    verification = require_trusted(unsigned, keys, allow_untrusted=True)
    assert not verification.trusted
    assert untrusted_warning(verification) == (
        "unsigned/APKINDEX.tar.gz: index is not signed; used anyway because of --allow-untrusted"
    )


def test_a_plain_text_index_counts_as_unsigned(keys):
    plain = read(b"P:foo\nV:1-r0\nA:x86_64\n\n", source="APKINDEX")
    assert verify_index(plain, keys).problem == "index is not signed"


@pytest.fixture(scope="module")
def private_key():
    # A key of our own signs the real index stream; Alpine's private keys are not ours to have.
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.mark.parametrize(("algorithm", "digest"), [("RSA256", hashes.SHA256), ("RSA512", hashes.SHA512), ("RSA", hashes.SHA1)])
def test_each_algorithm_uses_its_digest(v316_index_path, private_key, algorithm, digest):
    private = private_key
    _, idx = index_streams(v316_index_path.read_bytes())
    keys = {"test@example.org-1.rsa.pub": private.public_key()}
    signature = private.sign(idx, padding.PKCS1v15(), digest())
    good = read(signature_stream(f"{algorithm}.test@example.org-1.rsa.pub", signature) + idx)
    verification = verify_index(good, keys)
    assert (verification.trusted, verification.algorithm) == (True, algorithm)
    # The same signature announced with another digest does not verify.
    other = "RSA" if algorithm != "RSA" else "RSA256"
    mislabelled = read(signature_stream(f"{other}.test@example.org-1.rsa.pub", signature) + idx)
    assert "BAD signature" in verify_index(mislabelled, keys).problem


def test_a_trusted_signature_wins_over_an_unknown_one(keys, v316_index_path):
    archive = v316_index_path.read_bytes()
    name, signature = signature_of(archive)
    _, idx = index_streams(archive)
    both = read(tar_stream({".SIGN.RSA.unknown.rsa.pub": b"\0" * 512, f".SIGN.{name}": signature}) + idx)
    assert [s.key_name for s in both.signatures] == ["unknown.rsa.pub", V316_KEY]
    assert verify_index(both, keys).key_name == V316_KEY


def test_a_broken_key_file_is_loud(tmp_path):
    (tmp_path / "broken.rsa.pub").write_text("-----BEGIN PUBLIC KEY-----\nnot a key\n-----END PUBLIC KEY-----\n")
    with pytest.raises(IntegrityError, match="trusted key broken.rsa.pub cannot be read"):
        load_keys(tmp_path)


def test_a_non_rsa_key_is_refused(tmp_path):
    from cryptography.hazmat.primitives.asymmetric import ec

    pem = ec.generate_private_key(ec.SECP256R1()).public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    (tmp_path / "ec.rsa.pub").write_bytes(pem)
    with pytest.raises(IntegrityError, match="is not an RSA public key"):
        load_keys(tmp_path)


def test_an_empty_key_directory_is_refused(tmp_path):
    with pytest.raises(IntegrityError, match="no trusted Alpine keys"):
        load_keys(tmp_path)
