"""`apkneed mapping`: PEP 804's mapping of the central registry to Alpine v3.21 (main + community).

Checked against the cited copies in src/apkneed/plan/data/pep804/ (the schema
and registry of jaimergp/external-metadata-mappings): the document validates,
every registry DepURL that has an Alpine package is mapped (the probe below
looks for one independently of the mapping's own rules: the DepURL's name as a
package, -dev, pc:, cmd:, so:lib<name>.so*, or the cited hints), and every
entry installs with apkneed's own solver.
"""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

from apkneed.alpine.providers import build_provider_map
from apkneed.alpine.solver import solve
from apkneed.alpine.sources.world import load_world
from apkneed.cli import main
from apkneed.plan.pep725 import load_hints, load_virtual_table, map_external, parse_depurl, provider_table, read_external
from apkneed.plan.pep804 import MAPPING_SCHEMA_PATH, REGISTRY_PATH, REGISTRY_SCHEMA_PATH, load_registry


@pytest.fixture(scope="module")
def v321_paths(shared_dir) -> list[Path]:
    base = shared_dir / "alpine" / "v3.21"
    return [base / "main" / "x86_64" / "APKINDEX.tar.gz", base / "community" / "x86_64" / "APKINDEX.tar.gz"]


@pytest.fixture(scope="module")
def providers(v321_paths):
    return build_provider_map(load_world(index_paths=v321_paths, arch="x86_64").indexes)


@pytest.fixture(scope="module")
def document(v321_paths, tmp_path_factory) -> dict:
    folder = tmp_path_factory.mktemp("mapping")
    args = ["mapping", "--arch", "x86_64", "--versioned", "-o", str(folder / "alpine+3.21.mapping.json")]
    for path in v321_paths:
        args += ["--index", str(path)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"{folder / 'alpine+3.21.mapping.json'}: ")
    return json.loads((folder / "alpine+3.21.mapping.json").read_text())


def by_id(document) -> dict[str, dict]:
    return {m["id"]: m for m in document["mappings"]}


def test_the_document_and_the_cited_registry_validate(document) -> None:
    schema = json.loads(MAPPING_SCHEMA_PATH.read_text())
    jsonschema.Draft202012Validator(schema).validate(document)
    registry = json.loads(REGISTRY_PATH.read_text())
    jsonschema.Draft202012Validator(json.loads(REGISTRY_SCHEMA_PATH.read_text())).validate(registry)
    # every registry DepURL is in the mapping, in the registry's order, none dropped
    assert [m["id"] for m in document["mappings"]] == [d["id"] for d in registry["definitions"]]
    assert document["name"] == "Alpine 3.21"
    (apk,) = document["package_managers"]
    assert apk["name"] == "apk" and apk["commands"]["install"]["command"] == ["apk", "add", "--no-cache", "{}"]
    assert apk["specifier_syntax"]["exact_version"] == ["{name}={version}"]


def test_the_issue_examples(document) -> None:
    entries = by_id(document)
    assert entries["dep:generic/libxml2"]["specs"] == {"build": ["libxml2-dev"], "host": ["libxml2-dev"], "run": ["libxml2"]}
    assert entries["dep:virtual/compiler/c"]["specs"]["build"] == ["build-base"]
    assert entries["dep:virtual/compiler/c"]["specs"]["run"] == []
    assert entries["dep:virtual/interface/blas"]["specs"] == {"build": ["openblas-dev"], "host": ["openblas-dev"], "run": ["openblas"]}
    assert entries["dep:generic/libjpeg"]["specs"]["run"] == ["libjpeg-turbo"]  # found through pc:libjpeg, not by name
    assert entries["dep:github/Kitware/CMake"]["specs_from"] == "dep:generic/cmake"
    # a DepURL Alpine has no package for is listed the format's own way, with why
    assert entries["dep:virtual/compiler/cuda"]["specs"] == []
    assert "no Alpine mapping is known" in entries["dep:virtual/compiler/cuda"]["description"]


def _has_alpine_package(depurl_text: str, table, virtuals, hints) -> bool:
    """An independent probe: does v3.21 have any package for this DepURL at all?"""
    depurl = parse_depurl(depurl_text)
    key = f"dep:{depurl.type}/{depurl.namespace + '/' if depurl.namespace else ''}{depurl.name}"
    if any(table.get(name) for name in hints.get(key, ())):
        return True
    if depurl.is_virtual:
        return depurl.virtual_key in virtuals
    if depurl.type != "generic":
        return False
    name = depurl.name
    stem = name if name.startswith("lib") else f"lib{name}"
    names = [name, f"{name}-dev", f"pc:{name}", f"cmd:{name}"]
    return any(table.get(n) for n in names) or any(k.startswith(f"so:{stem}.so") or k.startswith(f"so:{stem}-") for k in table)


def test_every_registry_depurl_with_an_alpine_package_is_mapped(document, providers) -> None:
    table = provider_table(providers)
    virtuals, hints = load_virtual_table(), load_hints()
    entries = by_id(document)
    registry = load_registry()
    for entry in registry:
        mapped = entries[entry.id].get("specs") not in ([], None) or "specs_from" in entries[entry.id]
        if _has_alpine_package(entry.id, table, virtuals, hints):
            assert mapped, entry.id
        elif entry.provides and any(entries[p].get("specs") not in ([], None) for p in entry.provides if p in entries):
            assert entries[entry.id]["specs_from"] in entry.provides, entry.id
        else:
            assert not mapped, entry.id
    assert sum(1 for m in entries.values() if m.get("specs") != []) >= 45


def test_every_entry_installs_with_apkneeds_solver(document, providers) -> None:
    for entry in document["mappings"]:
        specs = entry.get("specs")
        if not isinstance(specs, dict):
            continue
        for packages in ([*specs["build"], *specs["host"]], specs["run"]):
            if packages:
                installed = {p.name for p in solve(providers, packages).installs}
                assert set(packages) <= installed, entry["id"]


def test_the_planner_maps_pep725_tables_the_same_way(document, providers) -> None:
    """One source of truth: an sdist's [external] table naming registry DepURLs plans to the file's packages."""
    entries = {i: m["specs"] for i, m in by_id(document).items() if isinstance(m.get("specs"), dict)}
    ids = [i for i in entries if not i.startswith("dep:virtual/")][:12] + ["dep:virtual/interface/blas", "dep:virtual/compiler/cxx"]
    external = read_external({"external": {"host-requires": ids, "dependencies": ids}}, source="pyproject.toml")
    mapped = map_external(external, provider_table(providers), load_virtual_table())
    host = {m.requirement.text: m.build for m in mapped if m.role == "host"}
    run = {m.requirement.text: m.runtime for m in mapped if m.role == "run"}
    for depurl in ids:
        assert list(host[depurl]) == entries[depurl]["host"], depurl
        assert list(run[depurl]) == entries[depurl]["run"], depurl


def test_unversioned_to_stdout(v321_paths, document) -> None:
    args = ["mapping", "--arch", "x86_64", "-o", "-"] + [a for p in v321_paths for a in ("--index", str(p))]
    printed = json.loads(CliRunner().invoke(main, args).stdout)
    assert printed["name"] == "Alpine Linux"
    assert printed["mappings"] == document["mappings"]


def test_an_output_that_cannot_be_written_is_bad_input(v321_paths, tmp_path) -> None:
    """-o a directory, or a path under a regular file: one error line and exit 2 (was an internal error, 70)."""
    (tmp_path / "a-file").write_text("")
    for output in (tmp_path, tmp_path / "a-file" / "alpine.mapping.json"):
        args = ["mapping", "--arch", "x86_64", "-o", str(output)] + [a for p in v321_paths for a in ("--index", str(p))]
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 2, result.output
        assert result.stderr.startswith(f"apkneed: error: -o {output}: cannot write") and result.stderr.count("\n") == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file"]  # nothing left behind


def test_a_mapping_made_without_community_never_says_no_alpine_package(tmp_path, shared_dir) -> None:
    """From v3.21 main alone, openblas (a community package) is unmapped: the entry and the summary say
    what was searched and what was not, instead of 'no Alpine package provides pc:openblas' (false for
    Alpine, which has it in community), a claim pyproject-external would read from the file."""
    main_index = shared_dir / "alpine" / "v3.21" / "main" / "x86_64" / "APKINDEX.tar.gz"
    output = tmp_path / "alpine.mapping.json"
    result = CliRunner().invoke(main, ["mapping", "--index", str(main_index), "--arch", "x86_64", "-o", str(output)])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip().endswith("in v3.21 main (community was not given with --index)")
    openblas = next(m for m in json.loads(output.read_text())["mappings"] if m["id"] == "dep:generic/openblas")
    assert openblas["specs"] == []
    assert openblas["description"].endswith("in v3.21 main (community was not given with --index)")

    summary = json.loads(CliRunner().invoke(main, ["mapping", "--index", str(main_index), "--arch", "x86_64", "-o",
                                                    str(output), "--json"]).stdout)
    assert summary["target"]["repositories"] == ["main"] and "dep:generic/openblas" in summary["unmapped"]
