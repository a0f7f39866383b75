"""The text form of a check report: findings grouped by stage, with line numbers."""

from __future__ import annotations

from apkneed.check.model import SEVERITIES, CheckReport

#: evidence lines longer than this are cut in text (--json has them whole)
EVIDENCE_WIDTH = 150


def _cut(text: str) -> str:
    return text if len(text) <= EVIDENCE_WIDTH else text[: EVIDENCE_WIDTH - 2].rstrip() + " …"


def render_check(report: CheckReport) -> str:
    out: list[str] = []
    for stage in report.stages:
        out.append(f"{report.dockerfile}:{stage.line}: FROM {stage.image}  ({stage.label}: {stage.target})")
        for finding in sorted(stage.findings, key=lambda f: (f.line, SEVERITIES.index(f.severity))):
            out.append(f"  {finding.line:>4} {finding.severity:<10} {finding.code}: {finding.message}")
            for evidence in finding.evidence:
                out.append(f"{'':>16}{_cut(evidence)}")
        if not stage.findings:
            out.append("       nothing to report")
    for finding in report.extra:
        out.append(f"  {finding.line:>4} {finding.severity:<10} {finding.code}: {finding.message}")
        for evidence in finding.evidence:
            out.append(f"{'':>16}{_cut(evidence)}")
    counts = {s: 0 for s in SEVERITIES}
    for finding in report.findings:
        counts[finding.severity] += 1
    summary = ", ".join(f"{n} {s}{'s' if n != 1 and s not in ('info',) else ''}" for s, n in counts.items() if n)
    left_out = [(sum(1 for f in report.findings if f.code == code), label) for code, label in LEFT_OUT]
    partial = ", ".join(f"{n} {label[0] if n == 1 else label[1]}" for n, label in left_out if n)
    verdict = "FAIL" if report.failed else "OK"
    out.append(f"{verdict}: {summary or 'no findings'}" + (f"; not checked: {partial}" if partial else ""))
    return "\n".join(out) + "\n"


#: info findings that mean part of the file was not checked, and how the verdict line counts them
LEFT_OUT = (
    ("not-understood", ("line not understood", "lines not understood")),
    ("not-planned", ("pip install not planned", "pip installs not planned")),
    ("apk-name-unchecked", ("apk name not checked", "apk names not checked")),
    ("index-unknown", ("stage without an index", "stages without an index")),
)
