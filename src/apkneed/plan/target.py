"""The target of a plan: Alpine release and arch, Python, musl, and the base image.

Every fact comes from the target index (:mod:`apkneed.alpine.facts`): the
Python version is the ``V:`` of its ``python3``, the musl version that of its
``musl``. Nothing here is a table of "release X ships Python Y".

Rules for the base and the Python version (pure; the CLI passes what the
user typed):

* ``--base alpine``: Python is apk's ``python3``. ``--python X.Y`` must be the
  release's version, else a one-line error naming the version it has.
* ``--base python:X.Y[-alpine3.Z]``: Python X.Y comes from the image.
  ``--python`` must agree with the tag when both are given.
* ``--base python`` (no version, no ``--python``): the Python that Docker's
  ``python:alpineR`` tag is for the release (published-tag data: 3.14 on
  Alpine 3.23, where apk's python3 is 3.12); the release's python3 only when
  the data does not know that tag (a release newer than the data), with a note.
* No ``--base``: ``alpine``, unless ``--python`` names a version the release
  does not ship; then the plan is for the ``python:X.Y`` image of that
  release, and a note says so (nobody asking for Python 3.12 on an Alpine
  whose python3 is 3.10 means "refuse").
* A release named by ``--base`` (``python:3.12-alpine3.22``) and by
  ``--alpine`` must agree: see :func:`release_for`.
* The image must exist: ``python:X.Y[.Z]-alpineR`` (or ``alpine:R``) as
  published by Docker (:mod:`apkneed.plan.published_tags`), for the arch. One that
  never existed is bad input (exit 2) naming the tags that do exist nearby;
  this covers ``--python 3.99`` without ``--base``.
* ``platform``: the ``FROM --platform=`` of a Dockerfile, written whenever the
  target arch is not x86_64 (``linux/arm64`` for aarch64). Where the
  Dockerfile will be built cannot be known, so a non-x86_64 target always
  says its platform rather than rely on the builder's own.

API::

    release_for(option_release, spec) -> str | None
    check_base_published(spec, release, arch, tags=None) -> notes      # before any network
    plan_target(world, spec, python_option, *, release, arch, index_origin, tags=None) -> (PlanTarget, notes)
"""

from __future__ import annotations

import re

from apkneed.alpine.facts import TOOLCHAIN, musl_version, newest_version, python_version, toolchain_versions
from apkneed.errors import InputError
from apkneed.plan.pep668 import externally_managed
from apkneed.plan.base import BaseSpec, image_reference, parse_base
from apkneed.plan.published_tags import (
    PublishedTags,
    check_alpine_image,
    check_python_image,
    docker_platform,
    load_published_tags,
    python_of_floating_tag,
)
from apkneed.records import Frozen, set_field

_PYTHON_OPTION_RE = re.compile(r"^3\.\d+$")


class PlanTarget(Frozen):
    """Where the plan's packages will be installed."""

    __slots__ = (
        "alpine",
        "arch",
        "python",
        "musl",
        "base",
        "image",
        "python_origin",
        "index_origin",
        "platform",
        "repositories",
        "absent",
        "toolchain",
        "externally_managed",
    )

    alpine: str | None  # "v3.16"; None when the index does not say
    arch: str  # Alpine arch: x86_64, aarch64
    python: str  # "3.10"
    musl: tuple[int, ...]  # (1, 2, 3)
    base: str  # "alpine" | "python"
    image: str  # "alpine:3.16", "python:3.12-alpine3.16"
    python_origin: str  # "apk python3-3.10.8-r0" | "image python:3.12-alpine3.16 (/usr/local)"
    index_origin: str  # where the apk index came from
    #: ``FROM --platform=`` value; None on x86_64 (see the module docstring)
    platform: str | None
    #: the repositories the plan searched, in order ("main", "community")
    repositories: tuple[str, ...]
    #: repositories asked for but absent, as (name, reason): ("community", "is not in the offline snapshot for v3.16")
    absent: tuple[tuple[str, str], ...]
    #: versions from the target index: (("python3", "3.12.9-r0"), ("py3-pip", None), ("gcc", ...), ("musl", ...))
    toolchain: tuple[tuple[str, str | None], ...]
    #: apk's python3 is externally managed (PEP 668, see plan.pep668); None when the release is unknown
    externally_managed: bool | None

    def __init__(
        self,
        alpine: str | None,
        arch: str,
        python: str,
        musl: tuple[int, ...],
        base: str,
        image: str,
        python_origin: str,
        index_origin: str,
        platform: str | None = None,
        repositories: tuple[str, ...] = (),
        absent: tuple[tuple[str, str], ...] = (),
        toolchain: tuple[tuple[str, str | None], ...] = (),
        externally_managed: bool | None = None,
    ) -> None:
        set_field(self, "alpine", alpine)
        set_field(self, "arch", arch)
        set_field(self, "python", python)
        set_field(self, "musl", musl)
        set_field(self, "base", base)
        set_field(self, "image", image)
        set_field(self, "python_origin", python_origin)
        set_field(self, "index_origin", index_origin)
        set_field(self, "platform", platform)
        set_field(self, "repositories", repositories)
        set_field(self, "absent", absent)
        set_field(self, "toolchain", toolchain)
        set_field(self, "externally_managed", externally_managed)

    @property
    def python_from_apk(self) -> bool:
        return self.base == "alpine"

    @property
    def python_tuple(self) -> tuple[int, int]:
        major, minor = self.python.split(".")[:2]
        return int(major), int(minor)

    def scope(self) -> str:
        """``in v3.16 main (community is not in the offline snapshot for v3.16)``: what a negative answer searched."""
        searched = " ".join(filter(None, [self.alpine, "+".join(self.repositories)]))
        missing = "; ".join(f"{name} {reason}" for name, reason in self.absent)
        return (f"in {searched}" if searched else "in the target index") + (f" ({missing})" if missing else "")

    def describe(self) -> str:
        where = " ".join(filter(None, ["Alpine", self.alpine, self.arch]))
        return f"{where}, Python {self.python} ({self.python_origin}), base {self.image}"


def release_for(option_release: str | None, spec: BaseSpec | None) -> str | None:
    """The release to load: ``--alpine``, else the one ``--base`` names; both must agree."""
    named = spec.alpine if spec else None
    if option_release and named and option_release != named:
        raise InputError(f"--base {spec.text} names Alpine {named} but --alpine says {option_release}")
    return option_release or named


def check_base_published(
    spec: BaseSpec | None, release: str | None, arch: str | None, tags: PublishedTags | None = None
) -> tuple[str, ...]:
    """Refuse, before any network, a ``--base`` image that was never published (notes otherwise)."""
    if spec is None:
        return ()
    tags = tags or load_published_tags()
    if spec.kind == "alpine":
        return check_alpine_image(tags, release, arch=arch)
    if spec.python is None:
        return ()  # ``python``: the release's own version, checked once the index is read
    return check_python_image(tags, spec.python, release, version=spec.python_tag, arch=arch)


def check_python_option(text: str | None) -> str | None:
    if text is None:
        return None
    if not _PYTHON_OPTION_RE.match(text.strip()):
        raise InputError(f"--python {text!r}: expected X.Y, e.g. 3.12")
    return text.strip()


def plan_target(
    world,
    spec: BaseSpec | None,
    python_option: str | None,
    *,
    release: str | None,
    arch: str,
    index_origin: str,
    tags: PublishedTags | None = None,
) -> tuple[PlanTarget, tuple[str, ...]]:
    """The target, and notes to show the user (one line each). See the module docstring."""
    python_option = check_python_option(python_option)
    toolchain = _toolchain_packages(world)  # the facts below each read these few, not every package
    apk_python = python_version(toolchain)
    notes: list[str] = []
    base_given = spec is not None
    if spec is not None and spec.alpine and release and spec.alpine != release:
        raise InputError(f"--base {spec.text} names Alpine {spec.alpine} but the index is {release}")
    if spec is None:
        if python_option and python_option != apk_python:
            spec = parse_base(f"python:{python_option}")
            notes.append(
                f"Alpine {release or '(this index)'} ships Python {apk_python} (python3); planning for the "
                f"python:{python_option} image instead (pass --base alpine or --base python:X.Y to choose)"
            )
        else:
            spec = parse_base("alpine")
    if spec.kind == "alpine":
        if python_option and python_option != apk_python:
            raise InputError(
                f"--python {python_option}: Alpine {release or '(this index)'} has Python {apk_python} "
                f"(python3-{_python3_version(toolchain)}); use --base python:{python_option} for another Python"
            )
        python = apk_python
        origin = f"apk python3-{_python3_version(toolchain)}"
    else:
        tag_python = spec.python
        if tag_python and python_option and tag_python != python_option:
            raise InputError(f"--python {python_option} disagrees with --base {spec.text}")
        python = tag_python or python_option or apk_python
    tags = tags or load_published_tags()
    floating_reason = None
    if spec.kind == "python" and not spec.python and not python_option:
        # ``--base python``: the Python Docker's python:alpineR tag really is (3.14 on
        # Alpine 3.23), not the release's own python3 (3.12), which that image does not use
        floating_python, floating_reason = python_of_floating_tag(tags, release)
        if floating_python:
            python = floating_python
        else:
            notes.append(f"{floating_reason}; planning for Python {apk_python}, the release's python3")
            floating_reason = None
    asked = f"--base {spec.text}" if base_given else f"--python {python_option}"
    try:
        if spec.kind == "python":
            notes += check_python_image(tags, python, release, version=spec.python_tag, arch=arch)
        else:
            notes += check_alpine_image(tags, release, arch=arch)
    except InputError as err:
        if spec.kind == "alpine" and not base_given:
            notes.append(str(err))  # the default base: the apk answer stands without a Docker image
        else:
            raise InputError(f"{asked}: {err}") from None
    image = image_reference(spec, release, python)
    if spec.kind == "python":
        origin = f"image {image} (/usr/local)" + (f": {floating_reason}" if floating_reason else "")
    target = PlanTarget(
        alpine=release,
        arch=arch,
        python=python,
        musl=musl_version(toolchain),
        base=spec.kind,
        image=image,
        python_origin=origin,
        index_origin=index_origin,
        platform=None if arch == "x86_64" else docker_platform(tags, arch),
        repositories=tuple(getattr(world, "held", ())),
        absent=tuple((a.name, a.reason) for a in getattr(world, "absent", ())),
        toolchain=tuple(toolchain_versions(toolchain).items()),
        externally_managed=externally_managed(release),
    )
    if arch != "x86_64" and target.platform is None:
        notes.append(
            f"no Docker platform is known for Alpine arch {arch} (known: {', '.join(sorted(tags.arches))}); "
            f"a Dockerfile cannot say FROM --platform [{tags.source}]"
        )
    return target, tuple(notes)


def _toolchain_packages(world) -> tuple:
    """The world's packages named in TOOLCHAIN (python3 and musl among them), in index order, in one pass.

    The facts of a target (python3's and musl's versions, the toolchain's) are
    each a scan of every package by name: eight scans of 25,392 packages on
    v3.21 main + community. Scanning once for the names they read gives them the
    same packages in the same order, so the same answers. Found by each index's
    name column, so that a world read from its parsed copies builds these few
    packages and not all of them (iterating ``world.packages`` builds every one).
    """
    names = frozenset(TOOLCHAIN)
    indexes = getattr(world, "indexes", None)
    if indexes is None:  # any iterable of packages
        return tuple(package for package in getattr(world, "packages", world) if package.name in names)
    found = []
    for index in indexes:  # by the name column: a parsed copy builds only the packages found
        packages = index.packages
        found += [packages[position] for position, name in enumerate(index.package_names()) if name in names]
    return tuple(found)


def _python3_version(world) -> str:
    # The python3 apk installs, the same one python_version() reads.
    return newest_version(world, "python3")
