"""Real Dockerfiles from public repositories (data/real/*/SOURCE.json names repo, path, commit).

Each expectation was established by reading the file against the real index
of the release its FROM means (the published-tag data), and the plan of its
requirements (real PyPI wheels and sdists):

pincushion  ``FROM alpine`` (floating: Alpine 3.24, checked on the v3.23 index), ``apk add
            build-base python3 python3-dev`` without --no-cache, ``pip3 install -r``: no py3-pip
            (pip3 missing), apk's python3 is EXTERNALLY-MANAGED (PEP 668), and the pins are
            wheels plus docopt's pure-Python sdist: build-base and python3-dev serve nothing.
boto-tools  ``python:3.7-alpine`` (frozen on Alpine 3.18): boto3/pytest are pure wheels, so gcc,
            musl-dev and linux-headers are unneeded; pip is the image's, no PEP 668.
leek        ``python:3.8-alpine`` (frozen on 3.20): Flask/celery 4.4.7/redis are wheels for
            cp38, the compilers are unneeded.
seawatch    ``python:3-alpine`` (Python 3.14 on 3.24): psycopg2 has no cp314 wheel and builds
            with gcc, musl-dev and postgresql-dev (whose closure holds libpq-dev); libpq stays
            after ``apk --purge del .build-deps`` through postgresql-libs (provided by libecpg,
            which depends on libpq): nothing to report.
albsig      ``alpine:latest``: ``py-pip`` is provided by py3-pip (so pip exists), two ``apk add``
            without --no-cache, and both pip runs hit PEP 668. psycopg2-binary 2.9.3 and
            MarkupSafe 2.0.1 have no cp312 musllinux wheel and build from source; gcc,
            musl-dev and postgresql-dev cover that (no build finding).
"""

from __future__ import annotations

import json

import pytest
from check_helpers import DATA, codes

REAL = DATA / "real"
EXPECTED = {
    "pincushion": ("v3.23", 1, [(3, "warning", "apk-no-cache"), (3, "warning", "unneeded-package"),
                                (6, "error", "pep668"), (6, "error", "pip-missing")]),
    "boto-tools": ("v3.18", 0, [(3, "warning", "unneeded-package")]),
    "leek": ("v3.20", 0, [(4, "warning", "unneeded-package")]),
    "seawatch": ("v3.23", 0, []),
    "albsig": ("v3.23", 1, [(3, "warning", "apk-no-cache"), (5, "warning", "apk-no-cache"),
                            (6, "error", "pep668"), (18, "error", "pep668")]),
}


@pytest.mark.network
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_real_dockerfile(name, run_check, shared_dir):
    release, status_expected, expected = EXPECTED[name]
    source = json.loads((REAL / name / "SOURCE.json").read_text())
    assert set(source["files"]) == {"Dockerfile", "requirements.txt"}
    index = shared_dir / "alpine" / release / "main" / "x86_64" / "APKINDEX.tar.gz"
    status, report, result = run_check(REAL / name / "Dockerfile", "--index", str(index), "--arch", "x86_64")
    assert codes(report) == expected, result.stderr
    assert status == status_expected


def test_unneeded_names_are_the_build_packages_of_the_line(run_check, shared_dir):
    index = shared_dir / "alpine/v3.18/main/x86_64/APKINDEX.tar.gz"
    _, report, _ = run_check(REAL / "boto-tools" / "Dockerfile", "--index", str(index), "--arch", "x86_64")
    (finding,) = [f for f in report["findings"] if f["code"] == "unneeded-package"]
    assert finding["message"].startswith("gcc musl-dev linux-headers: nothing needs them")
    assert report["stages"][0]["target"] == "Alpine v3.18 x86_64, Python 3.7 (/usr/local)"
    assert report["stages"][0]["basis"].startswith("python:3.7-alpine meant Python 3.7 on Alpine 3.18 (frozen")
