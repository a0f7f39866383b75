"""Kept answers: a request asked again in the same world is read back, exactly; anything else is solved.

The apk answer tests (test_solver_oracle*.py, test_solver_generations.py,
test_solver_apk_tests.py) hold both the first and the read-back answer of
every request to apk-tools' own; here: what the key must tell apart, and
what is never read back (damaged, torn, foreign, not private).
"""

from __future__ import annotations

import hashlib
import marshal
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from apkneed.alpine.index import read_index_file
from apkneed.alpine.providers import build_provider_map
from apkneed.alpine.solver import Solution, SolverError, parse_request, solve
from apkneed.alpine.solver_rules import APK_TOOLS_2, APK_TOOLS_3
from apkneed.alpine.sources import kept_answers
from apkneed.alpine.sources.kept_answers import FORMAT, answer, answer_key, answers_of, decode_answer, solve_kept
from apkneed.alpine.sources.parsed import ParsedIndexes
from apkneed.cache_usage import usage
from fuzz_helpers import FUZZ, mutate
from kept_route import kept_world_map

APK_TESTS = Path(__file__).parent / "data" / "apk-tools-solver"
REQUEST = ["python3", "zlib-dev"]
REFUSED = ["python3-dev"]  # /bin/sh on v3.16: apk refuses (exit 1), see ../shared/README.md


@pytest.fixture()
def cache(tmp_path):
    return tmp_path / "cache"


@pytest.fixture()
def v316(v316_index_path, cache):
    return kept_world_map(ParsedIndexes(cache / "alpine" / "parsed"), [v316_index_path])


def answer_files(providers):
    return sorted(Path(answers_of(providers).root).iterdir())


def the_answer_file(providers):
    (path,) = answer_files(providers)
    return path


def same(a, b):
    """Two outcomes are the same answer: the same steps (packages and tags), or the same refusal."""
    if isinstance(a, SolverError):
        assert isinstance(b, SolverError)
        assert (a.problems, a.apk_output, a.apk_exit_status, str(a)) == (b.problems, b.apk_output, b.apk_exit_status, str(b))
    else:
        assert isinstance(b, Solution)
        assert a == b and [s.package.nv for s in a.steps] == [s.package.nv for s in b.steps]


@pytest.mark.parametrize("request_words", [REQUEST, REFUSED], ids=["installable", "refused"])
def test_a_repeat_is_read_back_exactly(v316, v316_index_path, request_words):
    first = answer(v316, request_words)
    assert not first.recalled
    path = the_answer_file(v316)
    assert path.stat().st_mode & 0o777 == 0o600 and path.parent.stat().st_mode & 0o777 == 0o700
    again = answer(v316, request_words)
    assert again.recalled
    same(first.outcome, again.outcome)
    # and the same as a solve in a world parsed afresh, packages of that world's own
    fresh = build_provider_map([read_index_file(v316_index_path)])
    try:
        expected = solve(fresh, request_words)
    except SolverError as exc:
        expected = exc
    if isinstance(expected, Solution):
        assert [s.package.nv for s in again.outcome.steps] == [s.package.nv for s in expected.steps]
        assert again.outcome.request == parse_request(request_words)
        assert solve_kept(v316, request_words) == again.outcome
    else:
        assert again.outcome.apk_output == expected.apk_output
        with pytest.raises(SolverError) as info:
            solve_kept(v316, request_words)
        assert info.value.apk_output == expected.apk_output


def test_a_repeat_in_a_new_process_world_is_read_back(v316_index_path, cache):
    """A second load of the same files (as the next run does) finds the answer the first kept."""
    store_root = cache / "alpine" / "parsed"
    first = answer(kept_world_map(ParsedIndexes(store_root), [v316_index_path]), REQUEST)
    later = answer(kept_world_map(ParsedIndexes(store_root), [v316_index_path]), REQUEST)
    assert not first.recalled and later.recalled
    assert [s.package.nv for s in first.outcome.steps] == [s.package.nv for s in later.outcome.steps]


def test_other_rules_other_order_other_reverse_order_miss(v316, v316_index_path, cache):
    assert not answer(v316, REQUEST, APK_TOOLS_2).recalled
    assert not answer(v316, REQUEST, APK_TOOLS_3).recalled
    assert answer(v316, REQUEST, APK_TOOLS_3).recalled
    swapped = answer(v316, REQUEST[::-1], APK_TOOLS_2)
    assert not swapped.recalled and swapped.outcome.request == parse_request(REQUEST[::-1])
    assert not answer(v316, [*REQUEST, "zlib-dev>=1"]).recalled  # another atom
    load_order = kept_world_map(ParsedIndexes(cache / "alpine" / "parsed"), [v316_index_path], reverse_order="load")
    assert not answer(load_order, REQUEST, APK_TOOLS_2).recalled
    assert len(answer_files(v316)) == 5


def test_a_tag_is_part_of_the_world(v316_index_path, cache):
    store = ParsedIndexes(cache / "alpine" / "parsed")
    untagged = kept_world_map(store, [v316_index_path])
    tagged = kept_world_map(store, [v316_index_path], ["main"])
    assert not answer(untagged, ["zlib"]).recalled
    in_tagged = answer(tagged, ["zlib"])
    assert not in_tagged.recalled
    assert isinstance(in_tagged.outcome, SolverError)  # untagged request, only a tagged repository
    again = answer(untagged, ["zlib"])
    assert again.recalled and [s.package.name for s in again.outcome.steps] == ["musl", "zlib"]


def test_a_changed_index_misses(tmp_path, cache):
    """The same path with other content: the answer is the new file's, not the kept one."""
    store = ParsedIndexes(cache / "alpine" / "parsed")
    path = tmp_path / "repo" / "APKINDEX"
    path.parent.mkdir()
    shutil.copyfile(APK_TESTS / "basic.repo", path)
    before = answer(kept_world_map(store, [path]), ["a"])
    assert [s.package.nv for s in before.outcome.steps] == ["b-2", "a-2"]
    text = (APK_TESTS / "basic.repo").read_text()
    path.write_text(text.replace("V:2\n", "V:3\n"))  # every version 2 becomes 3
    after = answer(kept_world_map(store, [path]), ["a"])
    assert not after.recalled
    assert [s.package.nv for s in after.outcome.steps] == ["b-3", "a-3"]


def test_another_solver_source_or_version_misses(v316, monkeypatch):
    answer(v316, REQUEST)
    assert answer(v316, REQUEST).recalled
    monkeypatch.setattr(kept_answers, "_solver_digest", ["0" * 64])
    assert not answer(v316, REQUEST).recalled
    monkeypatch.setattr(kept_answers, "__version__", "0.0.0-older")
    assert not answer(v316, REQUEST).recalled
    monkeypatch.undo()
    assert answer(v316, REQUEST).recalled


def test_the_solver_source_is_in_the_key(v316):
    key = answer_key(v316, parse_request(REQUEST), APK_TOOLS_2)
    folder = Path(kept_answers.__file__).resolve().parent.parent
    assert (folder / "solver.py").is_file()
    assert f"solver {kept_answers.solver_digest()}" in key
    digest = hashlib.sha256()
    for name in kept_answers.SOLVER_SOURCES:
        data = (folder / name).read_bytes()
        digest.update(f"{name} {len(data)}\n".encode() + data)
    assert kept_answers.solver_digest() == digest.hexdigest()
    assert v316.kept_copies[0].digest in key and repr(APK_TOOLS_2) in key


def _alpine_modules_imported_by(folder: Path, module: str) -> set[str]:
    """The modules directly in apkneed/alpine/ that ``module`` imports, directly or through
    one another (function-level imports too), read from their source with ``ast``."""
    import ast

    seen, todo = set(), [module]
    while todo:
        name = todo.pop()
        if name in seen or not (folder / f"{name}.py").is_file():
            continue
        seen.add(name)
        for node in ast.walk(ast.parse((folder / f"{name}.py").read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("apkneed.alpine."):
                todo.append(node.module.split(".")[2])
            elif isinstance(node, ast.ImportFrom) and node.module == "apkneed.alpine":
                todo.extend(alias.name for alias in node.names)
    return seen


def test_every_module_the_solver_reads_is_in_the_key():
    # A piece moved out of a keyed module (checksum_key left providers.py for checksum.py)
    # must take the key with it, or a changed comparison would recall older answers.
    folder = Path(kept_answers.__file__).resolve().parent.parent
    imported = _alpine_modules_imported_by(folder, "solver")
    assert {"solver_report", "solver_parts", "checksum", "providers"} <= imported  # the walk follows imports
    # index.py reads index files; a world that keeps answers is read through parsed copies,
    # keyed by each file's sha256 and made by index_columns.py, which is in the key.
    missing = imported - {name.removesuffix(".py") for name in kept_answers.SOLVER_SOURCES} - {"index"}
    assert not missing, f"alpine modules the solver imports but the key leaves out: {sorted(missing)}"


@pytest.mark.parametrize("damage", ["flipped byte", "torn", "empty", "header only", "other format"])
def test_a_damaged_answer_is_solved_again_and_rewritten(v316, damage):
    first = answer(v316, REQUEST)
    path = the_answer_file(v316)
    data = path.read_bytes()
    header_end = data.index(b"\n") + 1
    broken = {
        "flipped byte": data[:-3] + bytes([data[-3] ^ 0x40]) + data[-2:],
        "torn": data[: len(data) // 2],
        "empty": b"",
        "header only": data[:header_end],
        "other format": data.replace(b"kept-answer 1", b"kept-answer 9", 1),
    }[damage]
    path.write_bytes(broken)
    again = answer(v316, REQUEST)
    assert not again.recalled
    same(first.outcome, again.outcome)
    assert path.read_bytes() == data  # rewritten
    assert answer(v316, REQUEST).recalled


def test_a_foreign_answer_is_not_read(v316):
    """Another request's kept answer, copied over this one's, is not this one's."""
    answer(v316, ["zlib"])
    answer(v316, REQUEST)
    files = answer_files(v316)
    by_size = sorted(files, key=lambda p: p.stat().st_size)  # zlib's answer is the shorter one
    shutil.copyfile(by_size[0], by_size[1])
    again = answer(v316, REQUEST)
    assert not again.recalled
    assert "python3" in [s.package.name for s in again.outcome.steps]


def test_a_valid_file_naming_a_package_the_world_lacks_is_not_used(v316):
    answer(v316, REQUEST)
    path = the_answer_file(v316)
    key_digest = path.name
    body = marshal.dumps(("ok", ((len(v316.packages), ""),)))
    path.write_bytes(f"{FORMAT} {key_digest} {hashlib.sha256(body).hexdigest()}\n".encode() + body)
    assert not answer(v316, REQUEST).recalled


@pytest.mark.parametrize("how", ["file writable by others", "directory writable by others", "symbolic link"])
def test_an_answer_others_could_have_written_is_not_used(v316, how, tmp_path):
    answer(v316, REQUEST)
    path = the_answer_file(v316)
    if how == "file writable by others":
        path.chmod(0o666)
    elif how == "directory writable by others":
        path.parent.chmod(0o777)
    else:
        target = tmp_path / "elsewhere"
        shutil.copyfile(path, target)
        target.chmod(0o600)
        path.unlink()
        path.symlink_to(target)
    assert not answer(v316, REQUEST).recalled


def test_a_world_without_parsed_copies_keeps_nothing(v316_index_path, isolated_cache):
    providers = build_provider_map([read_index_file(v316_index_path)])
    assert providers.kept_copies is None and answers_of(providers) is None
    first, again = answer(providers, REQUEST), answer(providers, REQUEST)
    assert not first.recalled and not again.recalled
    assert not isolated_cache.exists()


def test_a_cache_that_cannot_be_written_still_answers(v316, v316_index_path):
    root = Path(answers_of(v316).root)
    root.parent.mkdir(parents=True, exist_ok=True)
    root.write_text("not a directory")
    first, again = answer(v316, REQUEST), answer(v316, REQUEST)
    assert not first.recalled and not again.recalled
    same(first.outcome, again.outcome)


def test_kept_answers_count_in_cache_info(v316, cache):
    answer(v316, REQUEST)
    answer(v316, REFUSED)
    alpine = {area.name: area for area in usage(cache)}["alpine"]
    kept_files = [p for p in (cache / "alpine").rglob("*") if p.is_file()]
    assert alpine.files == len(kept_files) and len(answer_files(v316)) == 2
    assert alpine.bytes == sum(p.stat().st_size for p in kept_files)


# -- the reader, fuzzed ---------------------------------------------------------


def _seed(v316, words):
    answer(v316, words)
    path = Path(answers_of(v316).root) / hashlib.sha256(
        answer_key(v316, parse_request(words), APK_TOOLS_2).encode()).hexdigest()
    return path.name, path.read_bytes()


@pytest.fixture(scope="module")
def seeds(v316_index_path, tmp_path_factory):
    providers = kept_world_map(ParsedIndexes(tmp_path_factory.mktemp("cache") / "alpine" / "parsed"), [v316_index_path])
    return providers, [_seed(providers, REQUEST), _seed(providers, REFUSED)]


def _decoded(data, key_digest, providers, words):
    found = decode_answer(data, key_digest, providers, parse_request(words))
    assert found is None or isinstance(found, (Solution, SolverError))
    return found


@FUZZ
@given(data=st.data())
def test_fuzz_the_answer_reader_on_mutated_files(seeds, data):
    providers, seed_files = seeds
    which = data.draw(st.integers(0, 1))
    key_digest, seed = seed_files[which]
    mutated = mutate(data, seed, hot=[0, seed.index(b"\n")])
    found = _decoded(mutated, key_digest, providers, [REQUEST, REFUSED][which])
    if mutated != seed:
        assert found is None  # every byte is covered by the header's digests
    else:
        assert found is not None


_ATOMS = st.one_of(st.none(), st.booleans(), st.integers(-2, 10**6), st.text(max_size=6), st.binary(max_size=4))
_VALUES = st.recursive(_ATOMS, lambda inner: st.one_of(st.tuples(inner, inner), st.lists(inner, max_size=4).map(tuple),
                                                        st.lists(inner, max_size=3)), max_leaves=20)


@FUZZ
@given(body=st.one_of(
    _VALUES,
    st.tuples(st.just("ok"), _VALUES),
    st.tuples(st.just("ok"), st.lists(st.tuples(st.integers(-1, 6000), st.one_of(st.text(max_size=3), _VALUES)),
                                       max_size=4).map(tuple)),
    st.tuples(st.just("error"), _VALUES, _VALUES, _VALUES, _VALUES, _VALUES),
    st.tuples(st.just("error"), st.lists(st.tuples(st.text(max_size=3), st.text(max_size=3), st.text(max_size=3),
                                                    _VALUES), max_size=3).map(tuple),
              st.text(max_size=5), st.integers(-3, 200), st.text(max_size=5), _VALUES),
))
def test_fuzz_the_answer_reader_on_well_digested_bodies(seeds, body):
    """Bodies whose digests check out but whose shape may not: an answer or None, never a crash."""
    providers, _ = seeds
    data = marshal.dumps(body)
    key_digest = "a" * 64
    framed = f"{FORMAT} {key_digest} {hashlib.sha256(data).hexdigest()}\n".encode() + data
    found = _decoded(framed, key_digest, providers, REQUEST)
    if isinstance(found, Solution):
        assert all(0 <= n < len(providers.packages) for n, _ in body[1])
        assert len(found.steps) == len(body[1])
    assert _decoded(framed, "b" * 64, providers, REQUEST) is None  # another key's file


# -- whole processes ----------------------------------------------------------


@pytest.mark.parametrize("request_words,status", [(["build-base", "python3-dev"], 0), (["no-such-package-here"], 1)],
                         ids=["installable", "refused"])
@pytest.mark.parametrize("as_json", [False, True], ids=["text", "json"])
def test_a_repeated_resolve_prints_the_same_from_its_kept_answer(v317_index_path, tmp_path, request_words, status,
                                                                  as_json):
    """``apkneed resolve`` run twice: the second run reads the kept answer (the file is not written again)
    and prints the same bytes and exit status as the first."""
    cache = tmp_path / "cache"
    env = {**os.environ, "APKNEED_CACHE_DIR": str(cache)}
    args = [sys.executable, "-m", "apkneed", "resolve", "--index", str(v317_index_path), "--arch", "aarch64",
            *(["--json"] if as_json else []), *request_words]
    first = subprocess.run(args, capture_output=True, text=True, env=env, timeout=120)
    assert first.returncode == status, first.stderr
    (kept,) = (cache / "alpine" / "answers").iterdir()
    before = kept.stat()
    again = subprocess.run(args, capture_output=True, text=True, env=env, timeout=120)
    assert (again.returncode, again.stdout, again.stderr) == (first.returncode, first.stdout, first.stderr)
    after = kept.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)  # read, not written again
