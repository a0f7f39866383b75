"""What ``apkneed check`` reports: findings, each tied to a line of the Dockerfile.

Severities, from worst:

* ``error``: the build or the image will fail (exit 1);
* ``unknown``: apkneed could not decide something it was asked to check
  (an image it does not know: pass ``--base``); exit 1, as everywhere in
  apkneed ("when apkneed does not know, it says unknown and exits 1");
* ``warning``: it works, but costs (size, build time);
* ``suggestion``: what a plan would write instead;
* ``info``: what check read but did not follow ("not understood").
"""

from __future__ import annotations

from dataclasses import dataclass, field

SEVERITIES = ("error", "unknown", "warning", "suggestion", "info")
FAILING = frozenset({"error", "unknown"})


@dataclass(frozen=True)
class Finding:
    line: int
    severity: str
    code: str
    message: str
    evidence: tuple[str, ...] = ()
    stage: str = ""

    def to_json(self) -> dict:
        return {
            "line": self.line, "severity": self.severity, "code": self.code, "message": self.message,
            "evidence": list(self.evidence), "stage": self.stage,
        }


@dataclass(frozen=True)
class StageTarget:
    """Where a stage's commands run."""

    kind: str  # "alpine" | "python" | "unknown"
    image: str
    release: str | None  # "v3.21"; None: a floating tag (today's release) or unknown
    python: str | None  # "3.12" for python images; apk's python3 for alpine (filled from the index)
    arch: str
    floating: bool = False
    #: the stage this one is built FROM (its apk world, venvs and pip installs carry over)
    parent: str | None = None
    #: how the release and Python were found (the published-tag data's words)
    reason: str = ""
    #: the tag was never published (docker-library/official-images history)
    unpublished: bool = False


@dataclass(frozen=True)
class StageReport:
    label: str
    line: int
    image: str
    target: str  # "Alpine v3.21 x86_64, Python 3.12 (apk python3)"
    findings: tuple[Finding, ...]
    #: how the image was read: "python:3.7-alpine meant Python 3.7 on Alpine 3.18 (frozen ...)"
    basis: str = ""


@dataclass(frozen=True)
class CheckReport:
    dockerfile: str
    stages: tuple[StageReport, ...]
    warnings: tuple[str, ...] = ()
    image: dict | None = None  # --image: the scan's comparison
    extra: tuple[Finding, ...] = field(default=())  # findings about the whole file (image comparison)

    @property
    def findings(self) -> tuple[Finding, ...]:
        return tuple(f for s in self.stages for f in s.findings) + self.extra

    @property
    def failed(self) -> bool:
        return any(f.severity in FAILING for f in self.findings)

    def to_json(self) -> dict:
        counts = {s: 0 for s in SEVERITIES}
        for finding in self.findings:
            counts[finding.severity] += 1
        return {
            "dockerfile": self.dockerfile,
            "findings": [f.to_json() for f in sorted(self.findings, key=lambda f: (f.line, SEVERITIES.index(f.severity)))],
            "stages": [
                {"stage": s.label, "line": s.line, "image": s.image, "target": s.target, "basis": s.basis}
                for s in self.stages
            ],
            "counts": counts,
            "warnings": list(self.warnings),
            **({"image": self.image} if self.image is not None else {}),
        }
