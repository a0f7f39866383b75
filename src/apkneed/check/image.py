"""``check --image``: the recipe's findings next to the scan of the image it built.

The image (a ``docker save`` tarball or an OCI layout) is scanned as
``apkneed scan`` scans it (:mod:`apkneed.scan.image`, :func:`apkneed.scan.doctor.scan_root`).
Then:

* every library the image cannot load becomes an ``image-missing-library``
  error, tied to the final stage's FROM line; when the recipe predicted it
  (a ``runtime-library-missing`` finding names a package that provides the
  soname, per the scan's provider lookup) the evidence says so;
* files linked against glibc become ``image-glibc-binary`` errors;
* packages the scan finds nothing needs become one ``image-unneeded-packages``
  warning (what ``apk del`` would save);
* a recipe ``runtime-library-missing`` finding the image does not confirm
  gets an ``image-not-confirmed`` info line (the image may ship the library
  another way, e.g. a wheel that vendors it).

API::

    compare_with_image(report, image_path, *, providers=None, provider_origin=None) -> CheckReport
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from apkneed.check.model import CheckReport, Finding


def compare_with_image(report: CheckReport, image: Path, *, add_providers=None) -> CheckReport:
    from apkneed.scan.doctor import scan_root
    from apkneed.scan.door import open_root

    rootfs = open_root(image)
    try:
        scan = scan_root(rootfs, [])
    finally:
        rootfs.close()
    if add_providers is not None:
        scan = add_providers(scan)
    final = report.stages[-1]
    line = final.line
    predicted = {f.message.split(" ", 1)[0]: f for f in final.findings if f.code == "runtime-library-missing"}
    extra: list[Finding] = []
    confirmed: set[str] = set()
    for missing in scan.missing:
        providers = list(missing.provided_by) + list(missing.installed_by)
        match = next((predicted[p] for p in providers if p in predicted), None)
        if match is not None:
            confirmed.add(match.message.split(" ", 1)[0])
        extra.append(Finding(
            line, "error", "image-missing-library",
            f"the image cannot load {missing.soname} (needed by {', '.join(missing.needed_by[:3])}"
            f"{' +' + str(len(missing.needed_by) - 3) if len(missing.needed_by) > 3 else ''})",
            tuple(filter(None, (
                f"provided by {', '.join(missing.provided_by)}" if missing.provided_by else "",
                f"installed by {', '.join(missing.installed_by)} but its file is gone" if missing.installed_by else "",
                f"predicted by the recipe: line {match.line} ({match.message})" if match else "not predicted by the recipe",
                *missing.reasons[:2],
            ))), final.label,
        ))
    for wrong in scan.wrong_libc:
        extra.append(Finding(line, "error", "image-glibc-binary", f"{wrong.path}: linked against glibc, cannot run on musl",
                             (wrong.evidence, wrong.advice), final.label))
    if scan.slimming and scan.slimming.unneeded:
        names = " ".join(item.name for item in scan.slimming.unneeded)
        extra.append(Finding(line, "warning", "image-unneeded-packages",
                             f"installed in the image but nothing needs them: {names}",
                             tuple(f"{item.name}-{item.version}: {item.reason}" for item in scan.slimming.unneeded[:10]),
                             final.label))
    for name, finding in predicted.items():
        if name not in confirmed:
            extra.append(Finding(finding.line, "info", "image-not-confirmed",
                                 f"{name}: the recipe says it is missing, the image scan finds nothing it fails to load",
                                 (), final.label))
    summary = {
        "image": str(image),
        "alpine": scan.system.release,
        "arch": scan.system.arch,
        "elf_files": scan.elf_files,
        "missing": [m.soname for m in scan.missing],
        "glibc_linked": [w.path for w in scan.wrong_libc],
        "unneeded": [item.name for item in (scan.slimming.unneeded if scan.slimming else ())],
    }
    return dataclasses.replace(report, extra=report.extra + tuple(extra), image=summary)
