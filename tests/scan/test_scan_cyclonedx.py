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
    assert all(c["purl"].startswith("pkg:apk/alpine/") for c in bom["components"])  # no site-packages here
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


def _dist_info(root, site: str, name: str, version: str, tag: str, files: list[str]) -> None:
    dist_info = root / site.lstrip("/") / f"{name.replace('-', '_')}-{version}.dist-info"
    dist_info.mkdir(parents=True)
    (dist_info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")
    (dist_info / "WHEEL").write_text(f"Wheel-Version: 1.0\nRoot-Is-Purelib: false\nTag: {tag}\n")
    record = [*files, f"{dist_info.name}/METADATA,,", f"{dist_info.name}/WHEEL,,", f"{dist_info.name}/RECORD,,"]
    (dist_info / "RECORD").write_text("\n".join(f if "," in f else f + ",," for f in record) + "\n")


def test_the_python_distributions_of_a_root_are_components_with_pypi_purls(tmp_path, builds, shared_dir) -> None:
    db = shared_dir / "alpine/installed/python-3.10-alpine3.16-x86_64.installed"
    root = make_root(tmp_path / "root", builds, installed=db)
    site = "/usr/local/lib/python3.10/site-packages"
    put(root, builds, "app-z", f"{site}/zmod/_z.so")
    put(root, builds, "libz.so.1.2.12", "/lib/libz.so.1.2.12", "/lib/libz.so.1")  # zlib's files in the db
    _dist_info(root, site, "zmod", "1.2.0", "cp310-cp310-musllinux_1_2_x86_64", ["zmod/_z.so"])
    _dist_info(root, site, "typing-extensions", "4.12.2", "py3-none-any", ["typing_extensions.py"])
    venv_site = "/opt/venv/lib/python3.10/site-packages"
    _dist_info(root, venv_site, "six", "1.17.0", "py2.py3-none-any", ["six.py"])
    result = CliRunner().invoke(main, ["scan", str(root), "--venv", "/opt/venv", "--format", "cyclonedx"])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert JsonStrictValidator(SchemaVersion.V1_6).validate_str(result.stdout) is None
    bom = json.loads(result.stdout)
    pypi = {c["purl"]: c for c in bom["components"] if c["purl"].startswith("pkg:pypi/")}
    assert sorted(pypi) == [
        "pkg:pypi/six@1.17.0", "pkg:pypi/typing-extensions@4.12.2", "pkg:pypi/zmod@1.2.0",
    ]
    properties = {p["name"]: p["value"] for p in pypi["pkg:pypi/zmod@1.2.0"]["properties"]}
    assert properties == {"apkneed:site-packages": site, "apkneed:wheel-tag": "cp310-cp310-musllinux_1_2_x86_64"}
    six = {p["name"]: p["value"] for p in pypi["pkg:pypi/six@1.17.0"]["properties"]}
    assert six["apkneed:site-packages"] == venv_site
    # the apk side is unchanged: still exactly the installed database
    apk = {(c["name"], c["version"]) for c in bom["components"] if c["purl"].startswith("pkg:apk/")}
    assert apk == {(p.name, p.version) for p in read_installed_db(db.read_bytes())}
    image = bom["metadata"]["component"]["bom-ref"]
    graph = {d["ref"]: d.get("dependsOn", []) for d in bom["dependencies"]}
    assert {c["bom-ref"] for c in pypi.values()} <= set(graph[image])
    # the so: edge from the ELF evidence: zmod's extension loads zlib's libz.so.1
    zlib = next(c["bom-ref"] for c in bom["components"] if c["name"] == "zlib")
    assert graph[pypi["pkg:pypi/zmod@1.2.0"]["bom-ref"]] == [zlib]
    assert graph[pypi["pkg:pypi/six@1.17.0"]["bom-ref"]] == []
