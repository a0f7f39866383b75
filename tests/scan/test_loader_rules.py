"""musl's loader rules as data and pure functions, checked against musl itself where it can run."""

from __future__ import annotations

import pytest
from scanroots import loader_errors, make_root, missing_pairs, put, run_in_root, scan

from apkneed.binary.elf import ElfInfo
from apkneed.scan.facts import load_loader_facts
from apkneed.scan.loader import LoaderView, is_self_name, path_file_location, rpath_dirs, split_path_list

FACTS = load_loader_facts()


def _view(interpreter: str | None = "/lib/ld-musl-x86_64.so.1") -> LoaderView:
    return LoaderView(FACTS, interpreter, FACTS.default_path, "x86_64", lambda path: None)


def _elf(rpath: tuple[str, ...] = (), runpath: tuple[str, ...] = ()) -> ElfInfo:
    return ElfInfo("x", 64, "little", 62, "x86_64", "shared", rpath=rpath, runpath=runpath)


def test_names_musl_answers_itself_and_musl_agrees(tmp_path, builds, index_v316):
    # The program NEEDs libm.so.1, libpthread.so.1, libdl.so.1, librt.so.2,
    # libutil.so.2, libxnet.so.1, libcrypt.so.1 and libresolv.so.3; ROOT has
    # none of those files. musl loads it failing only on the last two.
    root = make_root(tmp_path / "root", builds)
    put(root, builds, "app-names", "/usr/bin/app-names")

    code, report, _ = scan(root, "--index", index_v316)

    expected = {("libcrypt.so.1", "/usr/bin/app-names"), ("libresolv.so.3", "/usr/bin/app-names")}
    assert code == 1 and missing_pairs(report) == expected
    assert loader_errors(run_in_root(root, "/usr/bin/app-names").stderr) == expected


@pytest.mark.parametrize(
    ("name", "self"),
    [
        ("libc.so", True),
        ("libc.musl-x86_64.so.1", True),
        ("libc.so.6", True),  # musl answers it too; the glibc program then fails on symbols
        ("libm.so.6", True),
        ("libxnet.so.1", True),
        ("/lib/ld-musl-x86_64.so.1", True),
        ("libcrypt.so.1", False),
        ("libcrypto.so.3", False),
        ("libmagic.so.1", False),
        ("libmusl.so", False),
        ("ld-musl-x86_64.so.1", False),  # a file search, which finds the loader in /lib
    ],
)
def test_self_names(name, self):
    assert is_self_name(name, _view()) is self


def test_without_a_loader_nothing_is_answered_by_musl():
    assert not is_self_name("libc.musl-x86_64.so.1", _view(interpreter=None))


def test_path_lists_split_on_colons_and_newlines_skipping_empty_entries():
    assert split_path_list("/opt/lib\n\n/usr/lib::/lib\n", FACTS.separators) == ("/opt/lib", "/usr/lib", "/lib")
    assert split_path_list("", FACTS.separators) == ()


def test_path_file_sits_two_levels_above_the_loader():
    assert path_file_location("/lib/ld-musl-x86_64.so.1", FACTS, "x86_64") == "/etc/ld-musl-x86_64.path"
    assert path_file_location("/opt/musl/lib/ld-musl-aarch64.so.1", FACTS, "aarch64") == "/opt/musl/etc/ld-musl-aarch64.path"


def test_rpath_expansion_follows_musl():
    origin = "/srv/venv/lib/python3.12/site-packages/numpy/_core"
    assert rpath_dirs(_elf(rpath=("$ORIGIN/../../numpy.libs",)), origin, FACTS) == (f"{origin}/../../numpy.libs",)
    assert rpath_dirs(_elf(rpath=("${ORIGIN}/lib", "/opt/x")), "/a", FACTS) == ("/a/lib", "/opt/x")
    # RUNPATH wins over RPATH, as in musl's decode_dyn.
    assert rpath_dirs(_elf(rpath=("/old",), runpath=("/new",)), "/a", FACTS) == ("/new",)
    # Any other $ token makes musl drop the whole list.
    assert rpath_dirs(_elf(rpath=("$LIB/x", "/opt/x")), "/a", FACTS) == ()
    # Relative entries depend on a process's working directory: left out.
    assert rpath_dirs(_elf(rpath=("lib", "/opt/x")), "/a", FACTS) == ("/opt/x",)
