"""A multi-stage Dockerfile from a plan (``--format dockerfile``).

The template is data (``data/Dockerfile.in``, :class:`string.Template`); this
module fills it:

* builder stage: ``FROM`` the plan's base image; the run-time packages (a
  source build links against them, and the apk route's ``py3-*`` packages
  must be importable while pip resolves) and the build packages in a
  ``.build-deps`` virtual; a venv in ``/opt/venv`` (``--system-site-packages``
  when a distribution takes the apk route, so Alpine's ``py3-*`` are seen);
  ``pip install --no-cache-dir`` of the pinned wheel and source
  distributions (``--no-binary`` for those the plan builds from source
  although a wheel exists).
* runtime stage: the same base image, ONLY the run-time packages, and the
  venv copied from the builder. No compiler, no ``-dev`` package.

Both ``FROM`` lines carry ``--platform=`` when the target arch is not x86_64
(``FROM --platform=linux/arm64 python:3.12-alpine3.22``): the host that will
build the file is unknown, and without it Docker would pull the builder's own
arch and the plan's packages would not be the ones installed.

On an Alpine-python base the venv comes from apk's ``python3`` (whose
ensurepip provides pip inside the venv: ``py3-pip`` is not needed); on a
``python:`` image from the image's ``/usr/local/bin/python3``.

API::

    render_dockerfile(plan, command) -> str
"""

from __future__ import annotations

from importlib import resources
from string import Template

from apkneed import __version__
from apkneed.plan.model import Plan
from apkneed.render.apk import BUILD_VIRTUAL

WRAP = 88


def render_dockerfile(plan: Plan, command: str) -> str:
    template = Template(resources.files("apkneed.render").joinpath("data/Dockerfile.in").read_text("utf-8"))
    routes: dict[str, int] = {}
    for package in plan.packages:
        routes[package.route or "none"] = routes.get(package.route or "none", 0) + 1
    text = template.substitute(
        version=__version__,
        command=command,
        target=plan.target.describe(),
        routes=", ".join(f"{count} {route}" for route, count in sorted(routes.items())),
        image=plan.target.image,
        platform=f"--platform={plan.target.platform} " if plan.target.platform else "",
        builder_apk=_builder_apk(plan),
        python="python3",
        venv_options=" --system-site-packages" if plan.uses_apk_route else "",
        pip_install=_pip_install(plan),
        runtime_apk=_run("apk add --no-cache", plan.runtime_apk) if plan.runtime_apk else
        f"# nothing to apk add: {plan.target.image} already has what the plan needs at run time",
    )
    return "\n".join(line.rstrip() for line in text.splitlines()) + "\n"


def _builder_apk(plan: Plan) -> str:
    # A build whose needs are unknown still gets its Dockerfile, marked where it will fail.
    unknown = [
        f"# UNKNOWN: {p.name} {p.version}: " + next((r for r in p.reasons if r.startswith("unknown")), "its build needs are unknown")
        for p in plan.packages if p.unknown
    ]
    lines = unknown + ([
        "# the packages below may not be enough to build it: add the -dev packages of the libraries it links"
    ] if unknown else [])
    body = _builder_commands(plan)
    return "\n".join([*lines, body]) if lines else body


def _builder_commands(plan: Plan) -> str:
    commands = []
    if plan.runtime_apk:
        commands.append(("apk add --no-cache", plan.runtime_apk))
    if plan.build_apk:
        commands.append((f"apk add --no-cache --virtual {BUILD_VIRTUAL}", plan.build_apk))
    if not commands:
        return "# nothing to apk add: every distribution installs from a wheel"
    return "RUN " + " \\\n && ".join(_wrapped(prefix, names) for prefix, names in commands)


def _pip_install(plan: Plan) -> str:
    pins = [f"{p.name}=={p.version}" for p in plan.pip_packages]
    if not pins:
        return "# nothing for pip: every distribution comes from apk"
    options = ["--no-cache-dir"]
    built = sorted(p.name for p in plan.pip_packages if p.route == "source")
    if plan.route_policy == "source" and built:
        options.append("--no-binary " + ",".join(built))
    return _run("pip install " + " ".join(options), pins)


def _run(prefix: str, words) -> str:
    return "RUN " + _wrapped(prefix, words)


def _wrapped(prefix: str, words) -> str:
    lines = [prefix]
    for word in words:
        if len(lines[-1]) + 1 + len(word) > WRAP:
            lines.append("    " + word)
        else:
            lines[-1] += " " + word
    return " \\\n".join(lines)
