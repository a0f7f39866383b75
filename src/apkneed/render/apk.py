"""The two ``apk add`` lines of a plan: run time, and build (a ``.build-deps`` virtual).

A line with nothing to add is written as a comment saying so, because
``apk add`` without a package name is an error, and "nothing" is an answer.
"""

from __future__ import annotations

from apkneed.plan.model import Plan

BUILD_VIRTUAL = ".build-deps"


def runtime_line(plan: Plan) -> str:
    if not plan.runtime_apk:
        return f"# nothing to apk add at run time: {plan.target.image} already has what the plan needs"
    return "apk add --no-cache " + " ".join(plan.runtime_apk)


def build_line(plan: Plan) -> str:
    if not plan.build_apk:
        return "# nothing to apk add for the build: no distribution is built from source with system packages"
    return f"apk add --no-cache --virtual {BUILD_VIRTUAL} " + " ".join(plan.build_apk)


def apk_add_lines(plan: Plan) -> tuple[str, str]:
    return runtime_line(plan), build_line(plan)
