"""URLs as apkneed shows them: never with a password.

Index URLs may carry credentials (``https://me:token@repo.example/simple`` in
pip.conf, ``PIP_INDEX_URL`` or ``-i``, or a token alone as the user:
``https://TOKEN@pypi.fury.io/me/``); every message, warning and log line
shows them through :func:`redact` or names the host alone (:func:`host_of`).
Plain text only: no HTTP client is imported here.
"""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit


def redact(url: str) -> str:
    """The URL with any password replaced, fit for messages and logs.

    A user part without a password is hidden whole, as pip hides it: it is
    most often a token (``https://${TOKEN}@host/simple``).
    """
    parts = urlsplit(url)
    auth, at, host = parts.netloc.rpartition("@")
    if not at:
        return url
    user, colon, _ = auth.partition(":")
    shown = f"{user}:***" if colon else "***"
    return urlunsplit(parts._replace(netloc=f"{shown}@{host}"))


def host_of(url: str) -> str:
    """``host[:port]`` of ``url``, without user or password (the URL itself when it has no host)."""
    return urlsplit(url).netloc.rpartition("@")[2] or url
