"""The facts a plan is made from, as plain data (gathered by :mod:`apkneed.plan.gather`).

Everything the pure planner reads about the Python side is here: per
distribution, the pin, the file pip would install and why, the evidence of
its wheel and of its sdist. The Alpine side (the index) is passed to the
planner separately as a provider map.
"""

from __future__ import annotations

from apkneed.plan.base import BaseWorld
from apkneed.plan.evidence_records import SdistEvidence, WheelEvidence
from apkneed.plan.resolution import pin_from_json
from apkneed.plan.target import PlanTarget
from apkneed.python.resolve import Pin
from apkneed.records import Frozen, set_field


class DistFacts(Frozen):
    __slots__ = ("pin", "file", "file_is_sdist", "selection_why", "wheel", "sdist", "has_sdist", "sdist_problem")

    pin: Pin
    #: the file pip would install (a wheel, or an sdist to build), None when none fits
    file: str | None
    file_is_sdist: bool
    selection_why: str  # select_file's reason, or why nothing fits
    wheel: WheelEvidence | None
    #: the sdist read for a source route (the file itself, or the release's
    #: sdist when a wheel exists and the source route is forced)
    sdist: SdistEvidence | None
    #: the release has an sdist (even when it was not read)
    has_sdist: bool
    sdist_problem: str | None  # why the sdist could not be read

    def __init__(
        self,
        pin: Pin,
        file: str | None,
        file_is_sdist: bool,
        selection_why: str,
        wheel: WheelEvidence | None = None,
        sdist: SdistEvidence | None = None,
        has_sdist: bool = False,
        sdist_problem: str | None = None,
    ) -> None:
        set_field(self, "pin", pin)
        set_field(self, "file", file)
        set_field(self, "file_is_sdist", file_is_sdist)
        set_field(self, "selection_why", selection_why)
        set_field(self, "wheel", wheel)
        set_field(self, "sdist", sdist)
        set_field(self, "has_sdist", has_sdist)
        set_field(self, "sdist_problem", sdist_problem)

    @property
    def name(self) -> str:
        return self.pin.name

    @property
    def has_wheel(self) -> bool:
        return self.file is not None and not self.file_is_sdist

    @property
    def import_names(self) -> tuple[str, ...]:
        names: tuple[str, ...] = ()
        if self.wheel is not None:
            names += self.wheel.import_names
        if self.sdist is not None:
            names += self.sdist.top_level
        return tuple(dict.fromkeys(names))


class PlanFacts(Frozen):
    __slots__ = ("target", "route_policy", "dists", "base", "apk_resolution_problem", "notes")

    target: PlanTarget
    route_policy: str
    dists: tuple[DistFacts, ...]
    base: BaseWorld
    #: why pins were not moved to Alpine's versions (uv's answer), if that was tried and failed
    apk_resolution_problem: str | None
    notes: tuple[str, ...]

    def __init__(
        self,
        target: PlanTarget,
        route_policy: str,
        dists: tuple[DistFacts, ...],
        base: BaseWorld,
        apk_resolution_problem: str | None = None,
        notes: tuple[str, ...] = (),
    ) -> None:
        set_field(self, "target", target)
        set_field(self, "route_policy", route_policy)
        set_field(self, "dists", dists)
        set_field(self, "base", base)
        set_field(self, "apk_resolution_problem", apk_resolution_problem)
        set_field(self, "notes", notes)


# ------------------------------------------------------------- JSON form ----
# For the facts cache (apkneed.plan.factcache): plain data in, plain data out.


def dist_to_json(dist: DistFacts) -> dict:
    return {
        "pin": dist.pin.as_dict(),
        "file": dist.file,
        "file_is_sdist": dist.file_is_sdist,
        "selection_why": dist.selection_why,
        "wheel": dist.wheel.to_json() if dist.wheel is not None else None,
        "sdist": dist.sdist.to_json() if dist.sdist is not None else None,
        "has_sdist": dist.has_sdist,
        "sdist_problem": dist.sdist_problem,
    }


def dist_from_json(data: dict) -> DistFacts:
    return DistFacts(
        pin=pin_from_json(data["pin"]),
        file=data["file"],
        file_is_sdist=bool(data["file_is_sdist"]),
        selection_why=data["selection_why"],
        wheel=WheelEvidence.from_json(data["wheel"]) if data["wheel"] is not None else None,
        sdist=SdistEvidence.from_json(data["sdist"]) if data["sdist"] is not None else None,
        has_sdist=bool(data["has_sdist"]),
        sdist_problem=data["sdist_problem"],
    )
