"""Index and CA configuration: pip's precedence, checked against pip itself."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from apkneed.errors import InputError
from apkneed.python.config import (
    DEFAULT_INDEX_URL,
    index_config,
    pip_config_files,
    read_pip_settings,
    redact,
)

from python_helpers import clean_pip_environ, run_pip


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


@pytest.fixture()
def home(tmp_path: Path) -> dict[str, str]:
    """An environment whose user, XDG and venv locations all live under tmp_path."""
    environ = clean_pip_environ(
        HOME=str(tmp_path / "home"),
        XDG_CONFIG_DIRS=str(tmp_path / "xdg"),
        VIRTUAL_ENV=str(tmp_path / "venv"),
    )
    environ.pop("PIP_CONFIG_FILE")
    environ.pop("XDG_CONFIG_HOME", None)
    return environ


def test_file_locations_follow_pips_order(home: dict[str, str], tmp_path: Path) -> None:
    files = pip_config_files(home)
    assert files == [
        tmp_path / "xdg" / "pip" / "pip.conf",
        Path("/etc/pip.conf"),
        tmp_path / "home" / ".pip" / "pip.conf",
        tmp_path / "home" / ".config" / "pip" / "pip.conf",
        tmp_path / "venv" / "pip.conf",
    ]
    # An existing PIP_CONFIG_FILE replaces the user files and comes last.
    env_file = write(tmp_path / "env.conf", "")
    files = pip_config_files({**home, "PIP_CONFIG_FILE": str(env_file)})
    assert files[-1] == env_file
    assert tmp_path / "home" / ".pip" / "pip.conf" not in files
    # /dev/null switches every file off, as in pip.
    assert pip_config_files({**home, "PIP_CONFIG_FILE": os.devnull}) == []


def test_install_section_beats_global_from_a_later_file(home: dict[str, str], tmp_path: Path) -> None:
    write(tmp_path / "home" / ".config" / "pip" / "pip.conf", "[install]\nindex-url = https://install.example/simple\n")
    write(tmp_path / "venv" / "pip.conf", "[global]\nindex-url = https://global.example/simple\n")
    config = index_config(environ=home)
    assert config.index_url == "https://install.example/simple"
    assert config.index_url_source.endswith("pip.conf [install]")


def test_precedence_argument_env_files_default(home: dict[str, str], tmp_path: Path) -> None:
    assert index_config(environ={**home, "PIP_CONFIG_FILE": os.devnull}).index_url == DEFAULT_INDEX_URL
    write(tmp_path / "home" / ".pip" / "pip.conf", "[global]\nindex_url = https://legacy.example/simple/\n")
    assert index_config(environ=home).index_url == "https://legacy.example/simple"  # "_" and "/" normalised
    write(tmp_path / "home" / ".config" / "pip" / "pip.conf", "[global]\nindex-url = https://user.example/simple\n")
    assert index_config(environ=home).index_url == "https://user.example/simple"  # the newer user file wins
    with_env = {**home, "PIP_INDEX_URL": "https://env.example/simple"}
    assert index_config(environ=with_env).index_url == "https://env.example/simple"
    config = index_config("https://arg.example/simple", environ=with_env)
    assert (config.index_url, config.index_url_source) == ("https://arg.example/simple", "--index-url")


def test_site_file_beats_user_files(home: dict[str, str], tmp_path: Path) -> None:
    write(tmp_path / "home" / ".config" / "pip" / "pip.conf", "[install]\nindex-url = https://user.example/simple\n")
    write(tmp_path / "venv" / "pip.conf", "[install]\nindex-url = https://site.example/simple\n")
    assert index_config(environ=home).index_url == "https://site.example/simple"


def test_empty_value_in_a_later_file_hides_the_earlier_one(home: dict[str, str], tmp_path: Path) -> None:
    write(tmp_path / "home" / ".pip" / "pip.conf", "[global]\nindex-url = https://first.example/simple\n")
    write(tmp_path / "venv" / "pip.conf", "[global]\nindex-url =\n")
    assert "index-url" not in read_pip_settings(home)


@pytest.mark.parametrize(
    "scenario",
    ["install-over-global", "env-file-over-user", "env-var-over-all", "user-when-env-file-missing"],
)
def test_index_matches_what_pip_uses(scenario: str, home: dict[str, str], tmp_path: Path) -> None:
    """pip itself is the peer: ``pip install --dry-run`` prints the index it looks in."""
    user = tmp_path / "home" / ".config" / "pip" / "pip.conf"
    env_file = tmp_path / "env.conf"
    environ = dict(home)
    if scenario == "install-over-global":
        write(user, "[install]\nindex-url = http://127.0.0.1:9/user-install\n")
        write(env_file, "[global]\nindex-url = http://127.0.0.1:9/env-global\n")
        environ["PIP_CONFIG_FILE"] = str(env_file)
        # The env file exists, so the user file is skipped: only [global] remains.
    elif scenario == "env-file-over-user":
        write(user, "[global]\nindex-url = http://127.0.0.1:9/user\n")
        write(env_file, "[install]\nindex-url = http://127.0.0.1:9/env-file\n")
        environ["PIP_CONFIG_FILE"] = str(env_file)
    elif scenario == "env-var-over-all":
        write(user, "[install]\nindex-url = http://127.0.0.1:9/user\n")
        environ["PIP_INDEX_URL"] = "http://127.0.0.1:9/env-var"
    else:
        write(user, "[global]\nindex-url = http://127.0.0.1:9/user\n")
        environ["PIP_CONFIG_FILE"] = str(tmp_path / "absent.conf")
    ours = index_config(environ=environ).index_url
    result = run_pip(
        ["install", "--dry-run", "--no-deps", "--retries", "0", "--timeout", "1", "nothing-here-apkneed"],
        environ,
    )
    looking = [line for line in result.stdout.splitlines() if line.startswith("Looking in indexes:")]
    assert looking, result.stdout + result.stderr
    pips = looking[0].split(":", 1)[1].split(",")[0].strip()
    assert ours == pips


def test_cert_from_config_and_missing_cert(home: dict[str, str], tmp_path: Path) -> None:
    bundle = write(tmp_path / "ca.pem", "-----BEGIN CERTIFICATE-----\n")
    environ = {k: v for k, v in home.items() if k not in ("PIP_CERT", "SSL_CERT_FILE", "REQUESTS_CA_BUNDLE")}
    write(tmp_path / "home" / ".config" / "pip" / "pip.conf", f"[global]\ncert = {bundle}\n")
    config = index_config(environ=environ)
    assert config.verify == str(bundle)
    assert config.verify_source.endswith("pip.conf [global]")
    # PIP_CERT is pip configuration too, and the environment wins.
    other = write(tmp_path / "other.pem", "x")
    assert index_config(environ={**environ, "PIP_CERT": str(other)}).verify == str(other)
    # Without any pip cert, SSL_CERT_FILE is used (net.http's rule).
    plain = {**environ, "PIP_CONFIG_FILE": os.devnull, "SSL_CERT_FILE": str(other)}
    assert index_config(environ=plain).verify == str(other)
    assert index_config(environ={**environ, "PIP_CONFIG_FILE": os.devnull}).verify is True
    with pytest.raises(InputError, match=r"CA bundle from environment PIP_CERT does not exist: /nonexistent"):
        index_config(environ={**environ, "PIP_CERT": "/nonexistent.pem"})


def test_extra_indexes_and_find_links_are_reported_not_used(home: dict[str, str], tmp_path: Path) -> None:
    write(
        tmp_path / "home" / ".config" / "pip" / "pip.conf",
        "[global]\nextra-index-url = file:///opt/pypi/simple https://extra.example/simple\nfind-links = /opt/wheels\n",
    )
    config = index_config(environ=home)
    assert config.index_url == DEFAULT_INDEX_URL
    assert len(config.ignored) == 3
    assert any("file:///opt/pypi/simple" in line for line in config.ignored)
    assert any("find-links /opt/wheels" in line for line in config.ignored)


def test_bad_index_and_unreadable_config(home: dict[str, str], tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"index URL from environment PIP_INDEX_URL must be an http\(s\) URL"):
        index_config(environ={**home, "PIP_INDEX_URL": "file:///opt/pypi/simple"})
    write(tmp_path / "home" / ".config" / "pip" / "pip.conf", "index-url = no section header\n")
    with pytest.raises(InputError, match=r"cannot read pip configuration .*pip\.conf"):
        index_config(environ=home)


def test_redact_hides_passwords() -> None:
    assert redact("https://me:s3cret@repo.example:8443/simple") == "https://me:***@repo.example:8443/simple"
    assert redact("https://pypi.org/simple") == "https://pypi.org/simple"


def test_no_message_shows_an_index_password(home: dict[str, str], tmp_path: Path) -> None:
    """Credentials in index URLs (pip.conf, PIP_INDEX_URL, -i) never reach a warning or an error:
    the ignored extra-index-url warning named the index URL whole, and an index that could not be
    reached was 'cannot reach me:s3cret@127.0.0.1:9'."""
    from apkneed.errors import EnvironmentFailure
    from apkneed.python.pypi import PyPIClient

    write(tmp_path / "home" / ".config" / "pip" / "pip.conf",
          "[global]\nindex-url = http://me:s3cret@127.0.0.1:9/simple\n"
          "extra-index-url = https://other:t0ken@extra.example/simple\n")
    config = index_config(environ=home)
    assert config.ignored and not any("s3cret" in line or "t0ken" in line for line in config.ignored)
    client = PyPIClient(config.index_url, cache_root=tmp_path / "cache", retries=0, backoff=0)
    with client, pytest.raises(EnvironmentFailure) as failure:  # port 9 (discard) refuses: a real failed connection
        client.project("six")
    assert "s3cret" not in str(failure.value) and "127.0.0.1:9" in str(failure.value)
