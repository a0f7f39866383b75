"""Resolution for the target by the real uv, against real PyPI."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from apkneed.errors import EnvironmentFailure, InputError, UnsatisfiableError
from apkneed.python.pypi import PyPIClient
from apkneed.python.resolve import Pin, parse_compiled, resolve_requirements, uv_failure
from python_helpers import PYPI

pytestmark = pytest.mark.network


@pytest.fixture(autouse=True)
def no_pip_config(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)
    for var in ("PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL", "PIP_FIND_LINKS"):
        monkeypatch.delenv(var, raising=False)
    # A user's uv settings must not leak into apkneed's resolution.
    monkeypatch.setenv("UV_INDEX_URL", "http://127.0.0.1:9/not-this-one")
    monkeypatch.setenv("UV_EXCLUDE_NEWER", "2001-01-01T00:00:00Z")
    # uv wraps its messages to the terminal width: a narrow one makes every run face the wrapping.
    monkeypatch.setenv("COLUMNS", "40")


def by_name(pins: list[Pin]) -> dict[str, Pin]:
    return {pin.name: pin for pin in pins}


def test_requests_and_pandas_on_cp310_musl(pypi: PyPIClient) -> None:
    pins = by_name(resolve_requirements(["requests", "pandas"], python_version="3.10", arch="x86_64",
                                        index_url=PYPI, client=pypi))
    assert {"requests", "urllib3", "idna", "certifi", "charset-normalizer", "pandas", "numpy",
            "python-dateutil", "six"} <= set(pins)
    assert pins["requests"].direct and pins["pandas"].direct and not pins["numpy"].direct
    assert pins["numpy"].requested_by == ("pandas",)
    assert pins["urllib3"].requested_by == ("requests",)
    assert pins["six"].requested_by == ("python-dateutil",)
    # numpy 2.3+ needs Python 3.11: the target's 3.10 keeps it on 2.2.x whatever runs apkneed.
    assert pins["numpy"].version.startswith("2.2.")
    # pandas 2.x on Python 3.10 pulls pytz and tzdata, as uv says.
    assert "tzdata" in pins and "pandas" in pins["tzdata"].requested_by
    assert all(pin.version and pin.version[0].isdigit() for pin in pins.values())


def test_markers_are_evaluated_for_the_target(pypi: PyPIClient) -> None:
    requirements = [
        'typing-extensions; python_version < "3.11"',
        'six; platform_machine == "aarch64"',
        'colorama; sys_platform == "win32"',
        'idna; sys_platform == "linux"',
        "requests[socks]",
    ]
    on_arm_310 = by_name(resolve_requirements(requirements, python_version="3.10", arch="aarch64",
                                              index_url=PYPI, client=pypi))
    on_x86_312 = by_name(resolve_requirements(requirements, python_version="3.12", arch="x86_64",
                                              index_url=PYPI, client=pypi))
    # This machine is x86_64 running Python 3.11: only a target evaluation gives these answers.
    assert "typing-extensions" in on_arm_310 and "typing-extensions" not in on_x86_312
    assert "six" in on_arm_310 and "six" not in on_x86_312
    assert "colorama" not in on_arm_310 and "colorama" not in on_x86_312
    assert on_arm_310["idna"].direct and on_arm_310["idna"].requested_by == ("requests",)
    # The extra is kept and its dependency comes along.
    assert on_arm_310["requests"].extras == ("socks",) and "pysocks" in on_arm_310


def test_constraints_hold(pypi: PyPIClient) -> None:
    pins = by_name(resolve_requirements(["requests"], constraints=["urllib3<2"], python_version="3.12",
                                        arch="x86_64", index_url=PYPI, client=pypi))
    assert pins["urllib3"].version.startswith("1.")


@pytest.mark.parametrize(
    ("requirements", "error", "message"),
    [
        (["apkneed-no-such-project-zz"], InputError,
         r"^no such project on https://pypi\.org/simple: apkneed-no-such-project-zz \(uv: Because apkneed-no-such-project-zz was not found in the package registry"),
        (["six==99.0"], InputError,
         r"^no such version for Python 3\.10 on x86_64-unknown-linux-musl: Because there is no version of six==99\.0"),
        (["requests==2.31.0", "urllib3<1"], UnsatisfiableError,
         r"^no solution for Python 3\.10 on x86_64-unknown-linux-musl: Because requests==2\.31\.0 depends on urllib3"),
        (["numpy==2.3.0"], UnsatisfiableError,
         r"^not installable on Python 3\.10 on x86_64-unknown-linux-musl: .*numpy==2\.3\.0 depends on Python>=3\.11"),
    ],
)
def test_uv_failures_become_one_line_errors(pypi: PyPIClient, requirements: list[str], error: type, message: str) -> None:
    with pytest.raises(error, match=message) as caught:
        resolve_requirements(requirements, python_version="3.10", arch="x86_64", index_url=PYPI, client=pypi)
    assert "\n" not in str(caught.value) and "warning:" not in str(caught.value)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"arch": "armv7"}, r"cannot resolve for armv7: uv resolves for musl only on x86_64 and aarch64"),
        ({"python_version": "2.7"}, r"not a Python 3 version"),
        ({"requirements": ["six @ https://example.com/six.whl"]}, r"direct URL requirements cannot be planned"),
        ({"requirements": ["six=="]}, r"not a valid requirement 'six=='"),
        ({"requirements": []}, r"nothing to resolve"),
        ({"index_url": "file:///opt/pypi/simple"}, r"index URL from --index-url must be an http\(s\) URL"),
    ],
)
def test_bad_inputs_are_refused_before_uv_runs(tmp_path: Path, kwargs: dict, message: str) -> None:
    arguments = {"requirements": ["six"], "python_version": "3.10", "arch": "x86_64", "index_url": PYPI}
    arguments.update(kwargs)
    requirements = arguments.pop("requirements")
    with pytest.raises(InputError, match=message):
        resolve_requirements(requirements, cache_root=tmp_path, uv_bin="/nonexistent/uv", **arguments)


def test_unreachable_index_without_cache(tmp_path: Path) -> None:
    """Nothing cached and no index: the PyPI client's own one-line error, not uv's words about a local URL."""
    with pytest.raises(EnvironmentFailure, match=r"^cannot reach 127\.0\.0\.1:9: .*offline\?\)$") as caught:
        resolve_requirements(["six"], python_version="3.10", arch="x86_64",
                             index_url="http://127.0.0.1:9/simple", cache_root=tmp_path, network_retries=0)
    assert "\n" not in str(caught.value)


def six_page(pypi: PyPIClient) -> dict:
    """Real PyPI data for six 1.17.0 as a simple-API page, without validators (as PyPI is served here)."""
    return {
        "meta": {"api-version": "1.1"}, "name": "six",
        "files": [{"filename": f.filename, "url": f.url, "hashes": dict(f.hashes), "requires-python": f.requires_python}
                  for f in pypi.files("six", "1.17.0")],
    }


def test_uv_reads_apkneeds_pages_and_keeps_no_cache(pypi: PyPIClient, tmp_path: Path) -> None:
    """uv resolves against the client's pages (served locally): one copy of each page, every byte counted."""
    server = HTTPServer(host="127.0.0.1", port=0)
    server.start()
    server.expect_request("/simple/six/").respond_with_data(
        json.dumps(six_page(pypi)), content_type="application/vnd.pypi.simple.v1+json")
    index = server.url_for("/simple")
    try:
        with PyPIClient(index, cache_root=tmp_path / "pypi") as client:
            pins = resolve_requirements(["six"], python_version="3.12", arch="x86_64", index_url=index,
                                        cache_root=tmp_path, client=client)
            downloaded = client.bytes_downloaded
            # the page uv read is the client's: the plan reads the same one without asking again
            assert client.files("six", "1.17.0")
    finally:
        server.stop()
    assert pins == [Pin("six", "1.17.0", (), True)]
    # the index was asked for the page once; the wheel's METADATA came through the same client
    assert [r.path for r, _ in server.log].count("/simple/six/") == 1
    assert downloaded > len(json.dumps(six_page(pypi)))
    assert not (tmp_path / "uv").exists()  # uv ran with --no-cache
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pypi"]


def test_unreachable_index_falls_back_to_cached_pages(pypi: PyPIClient, tmp_path: Path) -> None:
    """A local index serving real PyPI data goes away; apkneed's cached page answers, with a warning."""
    server = HTTPServer(host="127.0.0.1", port=0)
    server.start()
    server.expect_request("/simple/six/").respond_with_data(
        json.dumps(six_page(pypi)), content_type="application/vnd.pypi.simple.v1+json")
    index = server.url_for("/simple")
    warnings: list[str] = []
    try:
        online = resolve_requirements(["six"], python_version="3.12", arch="x86_64", index_url=index,
                                      cache_root=tmp_path, warn=warnings.append)
    finally:
        server.stop()
    assert online == [Pin("six", "1.17.0", (), True)] and warnings == []
    # max_age=0: the cached page must be revalidated, and the index is gone
    with PyPIClient(index, cache_root=tmp_path / "pypi", warn=warnings.append, max_age=0, retries=0) as client:
        offline = resolve_requirements(["six"], python_version="3.12", arch="x86_64", index_url=index,
                                       cache_root=tmp_path, client=client)
    assert offline == online
    assert len(warnings) == 1, warnings
    assert warnings[0].startswith(f"cannot reach 127.0.0.1:{server.port}")
    assert "; using the page of six cached at " in warnings[0]


def test_parse_compiled_reads_uvs_annotations() -> None:
    text = (
        "numpy==2.2.6\n    # via\n    #   -r requested.txt\n    #   pandas\n    #   scipy\n"
        "requests[socks]==2.34.2\n    # via -r requested.txt\n"
        "Six==1.17.0\n    # via python-dateutil\n"
        "tzdata==2026.6\n    # via\n    #   -c constraints.txt\n    #   pandas\n"
    )
    assert parse_compiled(text) == [
        Pin("numpy", "2.2.6", ("pandas", "scipy"), True),
        Pin("requests", "2.34.2", (), True, ("socks",)),
        Pin("six", "1.17.0", ("python-dateutil",), False),
        Pin("tzdata", "2026.6", ("pandas",), True),
    ]


def test_uv_failure_keeps_the_cause_and_drops_warnings() -> None:
    stderr = (
        "warning: The requested Python version 3.10 is not available; 3.11.7 will be used to build dependencies instead.\n"
        "error: Failed to build `psycopg2==2.9.10`\n"
        "  cause: The build backend returned an error\n"
        "  cause: Call to `setuptools.build_meta:__legacy__.build_wheel` failed (exit status: 1)\n"
    )
    error = uv_failure(stderr, {"psycopg2"}, PYPI, "Python 3.10 on x86_64-unknown-linux-musl")
    assert isinstance(error, EnvironmentFailure)
    assert str(error) == (
        "uv could not build an sdist to read its dependencies: Failed to build `psycopg2==2.9.10` "
        "The build backend returned an error Call to `setuptools.build_meta:__legacy__.build_wheel` failed (exit status: 1)"
    )


def test_uv_gets_apkneeds_read_limit_and_none_of_the_callers_uv_settings():
    from apkneed.python.resolve import UV_READ_TIMEOUT, uv_environment

    env = uv_environment({"PATH": "/bin", "UV_HTTP_TIMEOUT": "3600", "UV_INDEX_URL": "http://x", "VIRTUAL_ENV": "/v",
                          "no_proxy": "corp.example"}, "/ca.pem")
    assert env == {"PATH": "/bin", "UV_HTTP_TIMEOUT": str(UV_READ_TIMEOUT), "SSL_CERT_FILE": "/ca.pem",
                   "NO_PROXY": "127.0.0.1", "no_proxy": "corp.example,127.0.0.1"}


def test_a_proxy_for_http_does_not_stand_between_uv_and_the_local_index(pypi: PyPIClient, monkeypatch) -> None:
    """uv talks plain HTTP to 127.0.0.1: a caller's HTTP_PROXY (here a dead one) must not carry it away."""
    for key in ("HTTP_PROXY", "http_proxy"):
        monkeypatch.setenv(key, "http://127.0.0.1:9")
    assert resolve_requirements(["six"], python_version="3.12", arch="x86_64", index_url=PYPI,
                                client=pypi) == [Pin("six", "1.17.0", (), True)]
