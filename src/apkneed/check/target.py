"""From a ``FROM`` image reference to the stage's target: Alpine release, Python, arch.

Known images are the two families apkneed plans for:

* ``alpine``, ``alpine:3.21``, ``alpine:3.21.3``: Python (if any) is apk's
  ``python3``;
* ``python:3.12-alpine``, ``python:3.12-alpine3.20``, ``python:3.12.8-alpine3.20``:
  the Docker image's CPython in ``/usr/local``. ``python:3.12`` without
  ``-alpine`` is the Debian image: not known.

Registry prefixes (``docker.io/``, ``library/``) are dropped. A tag without
a release (``alpine``, ``alpine:latest``, ``python:3.12-alpine``) floats: it
means today's release, which is what the world loader resolves
``latest-stable`` to (or, offline, the newest embedded release).
Which release and Python a tag means comes from the published-tag data
(:func:`apkneed.plan.published_tags.image_identity`, cited docker-library history):
``python:3.7-alpine`` is frozen on Alpine 3.18, ``python:alpine`` floats in
Python too. A tag never published is reported (``image-tag-unpublished``), and
what its name says is still used for the checks that need no image.

Anything else is ``kind="unknown"`` unless ``--base`` names it.

API::

    stage_target(image, *, arch, base_override=None, stages=()) -> StageTarget
"""

from __future__ import annotations

import re

from apkneed.check.model import StageTarget
from apkneed.plan.base import parse_base

_REGISTRY_PREFIXES = ("docker.io/library/", "index.docker.io/library/", "registry-1.docker.io/library/",
                      "docker.io/", "library/")
_PYTHON_ALPINE_RE = re.compile(r"^python:(?P<python>3(?:\.\d+){0,2})?-?alpine(?P<release>\d+\.\d+)?$")
_ALPINE_RE = re.compile(r"^alpine(?::(?P<tag>\d+\.\d+(?:\.\d+)?|latest|edge|3))?$")
_PLATFORM_ARCH = {"linux/amd64": "x86_64", "linux/arm64": "aarch64", "linux/arm64/v8": "aarch64",
                  "linux/arm/v7": "armv7", "linux/arm/v6": "armhf", "linux/386": "x86",
                  "linux/ppc64le": "ppc64le", "linux/s390x": "s390x", "linux/riscv64": "riscv64"}


def normalised_image(image: str) -> str:
    text = image.strip()
    for prefix in _REGISTRY_PREFIXES:
        if text.startswith(prefix):
            text = text[len(prefix):]
    return text


def platform_arch(platform: str | None) -> str | None:
    if not platform:
        return None
    return _PLATFORM_ARCH.get(platform.strip().lower())


def stage_target(image: str, *, arch: str, base_override: str | None = None,
                 stages: tuple[str, ...] = ()) -> StageTarget:
    if image.lower() in stages:
        return StageTarget("stage", image, None, None, arch, parent=image.lower())
    from apkneed.plan.published_tags import image_identity, load_published_tags

    identity = image_identity(image, load_published_tags())
    if identity.kind in ("python", "alpine"):
        if identity.known:
            return StageTarget(identity.kind, image, identity.alpine, identity.python, arch,
                               floating=" meant " in identity.reason, reason=identity.reason)
        if "never published" in identity.reason:
            guess = _from_tag(image, arch)  # what the tag says, for the checks that need no image
            if guess is not None:
                return StageTarget(guess.kind, image, guess.release, guess.python, arch,
                                   reason=identity.reason, unpublished=True)
    if base_override:
        spec = parse_base(base_override)  # InputError on a bad --base, like plan's
        python, reason = spec.python, f"--base {base_override}"
        if spec.kind == "python" and python is None and spec.alpine:  # python:alpine3.23: the Python that tag is
            from apkneed.plan.published_tags import python_of_floating_tag

            python, why = python_of_floating_tag(load_published_tags(), spec.alpine)
            reason += f": {why}"
        return StageTarget(
            spec.kind, image, spec.alpine, python, arch, floating=spec.alpine is None,
            reason=reason,
        )
    return StageTarget("unknown", image, None, None, arch, reason=identity.reason)


def _from_tag(image: str, arch: str) -> StageTarget | None:
    text = normalised_image(image)
    python = _PYTHON_ALPINE_RE.match(text)
    if python and text.startswith("python:") and "alpine" in text:
        version = python.group("python")
        major_minor = ".".join(version.split(".")[:2]) if version and version.count(".") >= 1 else None
        release = python.group("release")
        return StageTarget("python", image, f"v{release}" if release else None, major_minor, arch)
    alpine = _ALPINE_RE.match(text)
    if alpine and alpine.group("tag") and "." in alpine.group("tag"):
        return StageTarget("alpine", image, "v" + ".".join(alpine.group("tag").split(".")[:2]), None, arch)
    return None
