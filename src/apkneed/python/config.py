"""Which package index apkneed asks, and which CA bundle it trusts, as pip would.

The user's pip configuration is honoured so that apkneed plans against the
index their ``pip install`` uses. pip's own rules are followed (read from
pip's ``configuration.py``, not copied):

* Files, later overriding earlier: global (``$XDG_CONFIG_DIRS``/pip/pip.conf,
  default ``/etc/xdg/pip/pip.conf``, then ``/etc/pip.conf``), user
  (``~/.pip/pip.conf``, then ``$XDG_CONFIG_HOME``/pip/pip.conf; skipped when
  ``PIP_CONFIG_FILE`` names an existing file), site (``$VIRTUAL_ENV/pip.conf``,
  else ``sys.prefix``), then ``PIP_CONFIG_FILE``. ``PIP_CONFIG_FILE=/dev/null``
  switches all files off, as in pip.
* Sections: ``[install]`` beats ``[global]`` whatever file each came from;
  ``PIP_*`` environment variables beat both.
* The index: an explicit ``--index-url`` argument, else ``index-url`` from the
  above, else https://pypi.org/simple.
* The CA bundle: ``cert`` from the above (``PIP_CERT`` included), else
  ``SSL_CERT_FILE`` / ``REQUESTS_CA_BUNDLE`` (see :mod:`apkneed.net.http`).

apkneed plans against exactly ONE index, the one above, so the file it
inspects is the file the resolver chose. ``extra-index-url`` and
``find-links`` are therefore not used: they are reported in
:attr:`IndexConfig.ignored` (the CLI prints them as warnings the first time a
configuration is seen, see :func:`first_sighting`, and with ``-v``). ``file://``
and local paths describe the machine running apkneed, not the Alpine target,
and the JSON API needs HTTP anyway. To plan against a private index, make it
the ``--index-url`` (a mirror such as devpi or Artifactory proxies PyPI too).
"""

from __future__ import annotations

import hashlib
import os
import sys
from pathlib import Path
from typing import Mapping
from urllib.parse import urlsplit

from apkneed.cache import atomic_write, default_cache_root
from apkneed.errors import InputError
from apkneed.inputfile import read_input_text
from apkneed.net.urls import redact  # also imported from here by pypi and resolve
from apkneed.records import Frozen, set_field

DEFAULT_INDEX_URL = "https://pypi.org/simple"

# pip's command-line spellings: configuration keys are normalised to these.
_MULTI_VALUED = frozenset({"extra-index-url", "find-links"})


class PipSetting(Frozen):
    """One value and where it came from (``env PIP_INDEX_URL``, ``/etc/pip.conf [global]``)."""

    __slots__ = ("value", "source")

    value: str
    source: str

    def __init__(self, value: str, source: str) -> None:
        set_field(self, "value", value)
        set_field(self, "source", source)


class IndexConfig(Frozen):
    """The index and TLS settings apkneed will use, with their origins."""

    __slots__ = ("index_url", "index_url_source", "verify", "verify_source", "ignored")

    index_url: str
    index_url_source: str
    verify: str | bool  # a CA bundle path, or True for the default trust store
    verify_source: str
    ignored: tuple[str, ...]  # one line per configured location apkneed does not use

    def __init__(
        self,
        index_url: str,
        index_url_source: str,
        verify: str | bool,
        verify_source: str,
        ignored: tuple[str, ...] = (),
    ) -> None:
        set_field(self, "index_url", index_url)
        set_field(self, "index_url_source", index_url_source)
        set_field(self, "verify", verify)
        set_field(self, "verify_source", verify_source)
        set_field(self, "ignored", ignored)


def pip_config_files(environ: Mapping[str, str] | None = None) -> list[Path]:
    """The pip configuration files in pip's override order (later wins).

    Files that do not exist are included: pip skips them silently, and so do we.
    """
    environ = os.environ if environ is None else environ
    env_file = environ.get("PIP_CONFIG_FILE")
    if env_file == os.devnull:
        return []
    xdg_dirs = environ.get("XDG_CONFIG_DIRS") or "/etc/xdg"
    files = [Path(d) / "pip" / "pip.conf" for d in xdg_dirs.split(os.pathsep) if d]
    files.append(Path("/etc/pip.conf"))
    if not (env_file and Path(env_file).exists()):
        home = Path(environ.get("HOME") or Path.home())
        xdg_home = Path(environ.get("XDG_CONFIG_HOME") or home / ".config")
        files += [home / ".pip" / "pip.conf", xdg_home / "pip" / "pip.conf"]
    # The user's active environment, not apkneed's own (pipx) venv.
    site = environ.get("VIRTUAL_ENV") or sys.prefix
    files.append(Path(site) / "pip.conf")
    if env_file:
        files.append(Path(env_file))
    return files


def read_pip_settings(
    environ: Mapping[str, str] | None = None, files: list[Path] | None = None
) -> dict[str, PipSetting]:
    """pip's effective settings for ``pip install``: option name -> value and source."""
    environ = os.environ if environ is None else environ
    files = pip_config_files(environ) if files is None else files
    by_section: dict[str, dict[str, PipSetting]] = {"global": {}, "install": {}}
    for path in files:
        if not path.is_file():
            continue
        import configparser  # only when a pip configuration file exists

        parser = configparser.RawConfigParser()
        text = read_input_text(path, what="pip configuration")  # bounded: a pip.conf is a few lines
        try:
            parser.read_string(text, source=str(path))
        except configparser.Error as exc:
            problem = str(exc).splitlines()[0]
            raise InputError(f"cannot read pip configuration {path}: {problem}") from None
        for section in by_section:
            if parser.has_section(section):
                for name, value in parser.items(section):
                    by_section[section][_normalise(name)] = PipSetting(value, f"{path} [{section}]")
    env = {
        _normalise(var[4:]): PipSetting(value, f"environment {var}")
        for var, value in environ.items()
        if var.startswith("PIP_") and var != "PIP_CONFIG_FILE"
    }
    # pip drops empty values after merging, per section: an empty later value
    # hides an earlier one in that section without setting anything.
    settings: dict[str, PipSetting] = {}
    for section in (by_section["global"], by_section["install"], env):
        settings.update({name: s for name, s in section.items() if s.value.strip()})
    return settings


def index_config(
    index_url: str | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    settings: Mapping[str, PipSetting] | None = None,
) -> IndexConfig:
    """The index URL and CA bundle to use, following the precedence in the module docstring."""
    environ = os.environ if environ is None else environ
    settings = read_pip_settings(environ) if settings is None else settings
    if index_url:
        url, url_source = index_url, "--index-url"
    elif "index-url" in settings:
        url, url_source = settings["index-url"].value.strip(), settings["index-url"].source
    else:
        url, url_source = DEFAULT_INDEX_URL, "default"
    url = check_index_url(url, url_source)

    if "cert" in settings:
        cert = settings["cert"]
        if not Path(cert.value).expanduser().is_file():
            raise InputError(f"CA bundle from {cert.source} does not exist: {cert.value}")
        verify: str | bool = str(Path(cert.value).expanduser())
        verify_source = cert.source
    else:
        from apkneed.net.http import ca_bundle_from_env  # the HTTP layer loads with the first request

        verify = ca_bundle_from_env(environ)
        verify_source = "environment" if verify is not True else "default trust store"

    ignored = tuple(
        f"{name} {redact(location)} (from {settings[name].source}): apkneed plans against one index, {redact(url)}"
        for name in sorted(_MULTI_VALUED)
        if name in settings
        for location in settings[name].value.split()
    )
    return IndexConfig(url, url_source, verify, verify_source, ignored)


def first_sighting(lines: tuple[str, ...], cache_root: Path | None = None) -> bool:
    """Whether this set of configuration notices is new: True the first time, then False.

    pip's configuration rarely changes between runs, and the lines saying what
    apkneed does not use from it would otherwise open every run. A marker named by
    the lines' hash (under ``<cache root>/notices``) remembers that they were shown;
    a changed configuration gives new lines, so they are shown again. A cache that
    cannot be written means they are shown every time.
    """
    if not lines:
        return False
    digest = hashlib.sha256("\n".join(lines).encode()).hexdigest()
    marker = (cache_root if cache_root is not None else default_cache_root()) / "notices" / digest
    if marker.exists():
        return False
    try:
        atomic_write(marker, b"\n".join(line.encode() for line in lines) + b"\n")
    except OSError:
        pass
    return True


def check_index_url(url: str, source: str = "--index-url") -> str:
    """An http(s) index URL without a trailing slash, or InputError naming the source."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise InputError(
            f"index URL from {source} must be an http(s) URL of a simple index: {redact(url)}"
        )
    return url.strip().rstrip("/")


def _normalise(name: str) -> str:
    # pip's rule: case and "_" vs "-" do not matter, a leading "--" is dropped.
    return name.lower().replace("_", "-").removeprefix("--")
