"""URLs as messages show them: no credential survives redact or host_of."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from apkneed.net.urls import host_of, redact


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("https://me:s3cret@repo.example:8443/simple", "https://me:***@repo.example:8443/simple"),
        # a token alone in the user part (Gemfury, GitLab deploy tokens, ${TOKEN}@host): pip hides it too
        ("https://s3cret@pypi.fury.io/me/", "https://***@pypi.fury.io/me/"),
        # an IPv6 host keeps its brackets, a host keeps its case
        ("http://me:s3cret@[::1]:8080/simple", "http://me:***@[::1]:8080/simple"),
        ("https://pypi.org/simple", "https://pypi.org/simple"),
    ],
)
def test_redact_hides_every_credential(url: str, shown: str) -> None:
    assert redact(url) == shown
    assert host_of(url) == shown.split("/")[2].rpartition("@")[2]


_secret = st.from_regex(r"[A-Z]{4,12}", fullmatch=True)  # capitals: nowhere else in the URL below


@settings(max_examples=200, deadline=None)
@given(user=st.none() | st.from_regex(r"[a-z]{1,8}", fullmatch=True), secret=_secret,
       port=st.none() | st.integers(1, 65535))
def test_no_secret_survives_redact(user: str | None, secret: str, port: int | None) -> None:
    auth = f"{user}:{secret}" if user is not None else secret  # a password, or a token alone
    url = f"https://{auth}@repo.example{f':{port}' if port else ''}/simple"
    assert secret not in redact(url) and secret not in host_of(url)
    assert redact(url).endswith(f"@repo.example{f':{port}' if port else ''}/simple")
