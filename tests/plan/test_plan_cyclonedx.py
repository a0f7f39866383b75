"""`plan --format cyclonedx`: a CycloneDX 1.6 SBOM of the final stage, validated against the official schema.

The apk components must be exactly what apkneed's solver installs for the
final stage (the base image's world plus the run-time request), the Python
components exactly the plan's distributions, and every purl must parse back
to the package's whole name (``alpine-baselayout-data``, ``libstdc++``).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator
from packageurl import PackageURL
from plan_helpers import invoke

from apkneed.alpine.providers import build_provider_map
from apkneed.alpine.solver import solve
from apkneed.alpine.sources.world import load_world

SCIENTIFIC = Path(__file__).parents[1] / "python" / "data" / "scientific"


def validate(text: str) -> dict:
    error = JsonStrictValidator(SchemaVersion.V1_6).validate_str(text)
    assert error is None, error
    return json.loads(text)


@pytest.fixture(scope="module")
def sbom(plan_cache, v316_index_path) -> dict:
    result = invoke(plan_cache, "plan", "-r", SCIENTIFIC / "uv.lock", "--index", v316_index_path,
                    "--arch", "x86_64", "--base", "python:3.10", "--format", "cyclonedx")
    assert result.exit_code == 0, result.output
    return validate(result.stdout)


@pytest.fixture(scope="module")
def planned(plan_cache, v316_index_path) -> dict:
    result = invoke(plan_cache, "plan", "-r", SCIENTIFIC / "uv.lock", "--index", v316_index_path,
                    "--arch", "x86_64", "--base", "python:3.10", "--json")
    return json.loads(result.stdout)


def apk_components(bom: dict) -> dict[str, dict]:
    return {c["name"]: c for c in bom["components"] if c["purl"].startswith("pkg:apk/")}


def test_apk_components_are_the_final_stage_as_the_solver_computes_it(sbom, planned, v316_index_path) -> None:
    world = load_world(index_paths=[v316_index_path], arch="x86_64")
    providers = build_provider_map(world.indexes)
    final = [*planned["base_world"], *planned["runtime_apk"]]
    solved = {(p.name, p.version) for p in solve(providers, final).installs}
    assert {(c["name"], c["version"]) for c in apk_components(sbom).values()} == solved
    # the run-time layer's packages are in it, and so is the base image's world
    for name in ("libpq", "libgomp", "libstdc++", "busybox", "musl", "sqlite-libs"):
        assert name in apk_components(sbom)


def test_purls_keep_hyphenated_and_escaped_names_whole(sbom) -> None:
    apk = apk_components(sbom)
    hyphenated = [name for name in apk if "-" in name]
    assert "alpine-baselayout-data" in hyphenated and "ca-certificates-bundle" in hyphenated
    for name, component in apk.items():
        purl = PackageURL.from_string(component["purl"])
        assert (purl.type, purl.namespace, purl.name, purl.version) == ("apk", "alpine", name.lower(), component["version"])
        assert purl.qualifiers == {"arch": "x86_64", "distro": "alpine-3.16"}
    assert apk["libstdc++"]["purl"].lower().startswith("pkg:apk/alpine/libstdc%2b%2b@")  # "+" is escaped


def test_python_components_vendored_libraries_and_the_graph(sbom, planned) -> None:
    python = {c["name"]: c for c in sbom["components"] if c["purl"].startswith("pkg:pypi/")}
    assert {(n, c["version"]) for n, c in python.items()} == {(p["name"], p["version"]) for p in planned["packages"]}
    assert python["numpy"]["purl"] == "pkg:pypi/numpy@2.2.6"
    # pillow's wheel vendors 21 libraries, named as the wheel names them (auditwheel's hash dropped)
    pillow = python["pillow"]
    vendored = {c["name"]: c.get("version") for c in pillow["components"]}
    assert len(vendored) == len(dict(next(p for p in planned["packages"] if p["name"] == "pillow")["evidence"])["vendored"])
    assert vendored["libjpeg"] == "62.4.0" and vendored["libzstd"] == "1.5.7"
    graph = {d["ref"]: set(d.get("dependsOn", ())) for d in sbom["dependencies"]}
    ref = {c["name"]: c["bom-ref"] for c in sbom["components"]}
    # the so: edge of pillow's ELF evidence, and the Alpine-build edge of psycopg2's build
    assert ref["zlib"] in graph[python["pillow"]["bom-ref"]]
    assert ref["libpq"] in graph[python["psycopg2"]["bom-ref"]]
    # the resolver's edges: matplotlib needs numpy; apk's: libpq needs what it links
    assert python["numpy"]["bom-ref"] in graph[python["matplotlib"]["bom-ref"]]
    assert graph[ref["libpq"]] and all(r.startswith("apk:") for r in graph[ref["libpq"]])
    assert graph["image"] >= {python["numpy"]["bom-ref"], ref["libpq"]}


def test_every_apk_name_of_v321_comes_back_whole_from_its_purl(shared_dir) -> None:
    """krb5-libs, libjpeg-turbo, py3-numpy-pyc, libstdc++...: apk_purl never splits or mangles a name."""
    from apkneed.render.cyclonedx import apk_purl

    base = shared_dir / "alpine" / "v3.21"
    world = load_world(index_paths=[base / "main" / "x86_64" / "APKINDEX.tar.gz",
                                    base / "community" / "x86_64" / "APKINDEX.tar.gz"], arch="x86_64")
    names = set()
    for index in world.indexes:
        for package in index.packages:
            purl = PackageURL.from_string(apk_purl(package.name, package.version, arch="x86_64", release="v3.21"))
            # the purl spec's apk type: the name "is not case sensitive and must be lowercased"
            # (freeswitch-sounds-ru-RU-elena-32000); the component's own name keeps apk's case
            assert (purl.name, purl.version, purl.qualifiers["distro"]) == (package.name.lower(), package.version, "alpine-3.21")
            names.add(package.name)
    assert {"krb5-libs", "libjpeg-turbo", "py3-numpy-pyc", "libstdc++"} <= names
    assert apk_purl("krb5-libs", "1.21.3-r0", arch="x86_64", release="v3.21") == (
        "pkg:apk/alpine/krb5-libs@1.21.3-r0?arch=x86_64&distro=alpine-3.21"
    )
