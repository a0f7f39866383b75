"""When a stage's release cannot be loaded, check still answers (offline, embedded snapshot only).

python:3.12-alpine3.19 is a published image; Alpine v3.19 is not embedded, so
index-dependent findings use v3.21 (the nearest embedded x86_64 release) with
one warning that says so; an arch with no embedded release at all leaves
them unknown, and the index-free findings (pip missing, PEP 668, py3-* on a
python: image) are given all the same.
"""

from __future__ import annotations

import json

from plan_helpers import invoke


def test_nearest_embedded_release_with_a_warning(tmp_path, check_cache):
    (tmp_path / "Dockerfile").write_text("FROM python:3.12-alpine3.19\nRUN apk add --no-cache py3-yaml nosuchpkg\n")
    result = invoke(check_cache, "check", str(tmp_path / "Dockerfile"), "--offline", "--arch", "x86_64", "--json")
    report = json.loads(result.stdout)
    assert result.exit_code == 1
    assert "index-dependent findings use v3.21, the nearest embedded release" in result.stderr
    found = {(f["code"], f["severity"]) for f in report["findings"]}
    # the name check ran on v3.21's index, so it is a warning about another release, not an error
    assert found == {("py3-on-python-image", "error"), ("apk-no-such-package", "warning")}
    assert report["stages"][0]["target"].startswith("Alpine v3.19 x86_64, Python 3.12")


def test_no_index_at_all_still_gives_the_index_free_findings(tmp_path, check_cache):
    (tmp_path / "Dockerfile").write_text("FROM alpine:3.21\nRUN apk add --no-cache python3\nRUN pip3 install pyyaml\n")
    result = invoke(check_cache, "check", str(tmp_path / "Dockerfile"), "--offline", "--arch", "riscv64", "--json")
    report = json.loads(result.stdout)
    assert result.exit_code == 1
    found = sorted((f["line"], f["severity"], f["code"]) for f in report["findings"])
    assert found == [
        (1, "info", "index-unknown"), (3, "error", "pep668"), (3, "error", "pip-missing"), (3, "unknown", "plan-unknown"),
    ]
