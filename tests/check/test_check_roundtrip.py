"""Round trip: `apkneed check` on the Dockerfile `apkneed plan --format dockerfile` writes.

For the scientific set (pinned as in tests/plan/test_plan_scientific.py), on
every release the snapshot embeds, against the same real indexes: the file
apkneed writes must draw no error, no warning and no unknown from apkneed's
own audit (suggestions and info lines aside).
"""

from __future__ import annotations

import pytest

from plan_helpers import SCIENTIFIC, invoke

PINNED = {
    "numpy": "2.2.6", "scipy": "1.15.3", "pandas": "2.3.3", "scikit-learn": "1.7.2", "matplotlib": "3.10.9",
    "lxml": "6.1.3", "pillow": "12.3.0", "psycopg2": "2.9.13", "cryptography": "50.0.2", "pyyaml": "6.0.3",
    "grpcio": "1.85.1",
}
#: (release, arch, repositories, base): every (release, arch) the embedded snapshot has
TARGETS = [
    ("v3.16", "x86_64", ("main",), "alpine"),
    ("v3.16", "x86_64", ("main",), "python:3.10"),
    ("v3.17", "aarch64", ("main",), "python:3.10"),
    ("v3.21", "x86_64", ("main", "community"), "alpine"),
    ("v3.23", "x86_64", ("main",), "alpine"),
]


@pytest.mark.network
@pytest.mark.parametrize("release,arch,repositories,base", TARGETS, ids=lambda v: v if isinstance(v, str) else "+".join(v))
def test_check_accepts_the_dockerfile_plan_writes(release, arch, repositories, base, tmp_path, shared_dir, check_cache):
    indexes = []
    for repository in repositories:
        indexes += ["--index", str(shared_dir / "alpine" / release / repository / arch / "APKINDEX.tar.gz")]
    requirements = [f"{name}=={PINNED[name]}" for name in SCIENTIFIC]
    written = invoke(check_cache, "plan", *requirements, *indexes, "--arch", arch, "--base", base,
                     "--format", "dockerfile")
    assert written.exit_code == 0, written.stderr
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text(written.stdout)
    checked = invoke(check_cache, "check", str(dockerfile), *indexes, "--arch", arch, "--json")
    import json

    report = json.loads(checked.stdout)
    bad = [f for f in report["findings"] if f["severity"] in ("error", "warning", "unknown")]
    assert bad == [] and checked.exit_code == 0, (bad, checked.stderr)
    # the audit really planned both stages' pip installs (a suggestion names the plan's pins)
    suggestion = next(f for f in report["findings"] if f["code"] == "suggestion")
    assert f"numpy=={PINNED['numpy']}" in suggestion["evidence"][-1]
