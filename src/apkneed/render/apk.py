"""The two ``apk add`` lines of a plan: run time, and build (a ``.build-deps`` virtual).

A line with nothing to add is written as a comment saying so, because
``apk add`` without a package name is an error, and "nothing" is an answer.
"""

from __future__ import annotations

from apkneed.plan.model import Plan

BUILD_VIRTUAL = ".build-deps"


def runtime_line(plan: Plan) -> str:
    gap = _incomplete(plan, build=False)
    if not plan.runtime_apk:
        if gap:  # what the unknown ones need is not known to be there: no claim that nothing is missing
            return f"# nothing known to apk add at run time  {gap}"
        return f"# nothing to apk add at run time: {plan.target.image} already has what the plan needs"
    return "apk add --no-cache " + " ".join(plan.runtime_apk) + (f"  {gap}" if gap else "")


def build_line(plan: Plan) -> str:
    gap = _incomplete(plan, build=True)
    if not plan.build_apk:
        if gap:
            return f"# nothing known to apk add for the build  {gap}"
        return "# nothing to apk add for the build: no distribution is built from source with system packages"
    return f"apk add --no-cache --virtual {BUILD_VIRTUAL} " + " ".join(plan.build_apk) + (f"  {gap}" if gap else "")


def _incomplete(plan: Plan, *, build: bool) -> str:
    """``# INCOMPLETE: ...`` when some distribution's needs of this layer are unknown (a shell comment,
    so that the line still runs), else ""."""
    gaps = []
    for p in plan.packages:
        if p.unknown:
            gaps.append(f"what {p.name} {p.version} needs is unknown")
        elif not build and p.unprovided:
            gaps.append(f"{p.name} {p.version} needs {', '.join(p.unprovided)}, which no package provides")
        elif not build and p.route is None:
            gaps.append(f"nothing installs {p.name} {p.version}")
    return f"# INCOMPLETE: {'; '.join(gaps)} (see the warning)" if gaps else ""


def apk_add_lines(plan: Plan) -> tuple[str, str]:
    return runtime_line(plan), build_line(plan)
