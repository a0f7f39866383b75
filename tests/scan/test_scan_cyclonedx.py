"""`scan ROOT --format cyclonedx`: the SBOM of a root is its lib/apk/db/installed, validated against the schema."""

from __future__ import annotations

import json

from click.testing import CliRunner
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator
from packageurl import PackageURL
from scanroots import make_root, put

from apkneed.alpine.index import read_installed_db
from apkneed.cli import main


def test_a_python_image_root_as_cyclonedx(tmp_path, builds, shared_dir) -> None:
    db = shared_dir / "alpine/installed/python-3.10-alpine3.16-x86_64.installed"
    root = make_root(tmp_path / "root", builds, installed=db)
    put(root, builds, "app-z", "/usr/local/bin/app-z")
    result = CliRunner().invoke(main, ["scan", str(root), "--format", "cyclonedx"])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert JsonStrictValidator(SchemaVersion.V1_6).validate_str(result.stdout) is None
    bom = json.loads(result.stdout)
    installed = read_installed_db(db.read_bytes())
    components = {(c["name"], c["version"]) for c in bom["components"]}
    assert components == {(p.name, p.version) for p in installed}
    assert len(components) == 36
    for component in bom["components"]:
        purl = PackageURL.from_string(component["purl"])
        assert purl.name == component["name"] and purl.qualifiers["distro"] == "alpine-3.16"
    graph = {d["ref"]: d.get("dependsOn", []) for d in bom["dependencies"]}
    ref = {c["name"]: c["bom-ref"] for c in bom["components"]}
    assert ref["musl"] in graph[ref["zlib"]]  # zlib's D: so:libc.musl-x86_64.so.1


def test_a_root_without_an_apk_database_is_refused(tmp_path, builds) -> None:
    root = make_root(tmp_path / "root", builds)
    put(root, builds, "app-z", "/usr/local/bin/app-z")
    result = CliRunner().invoke(main, ["scan", str(root), "--format", "cyclonedx"])
    assert result.exit_code == 2 and "no lib/apk/db/installed" in result.stderr
