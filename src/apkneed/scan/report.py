"""A :class:`~apkneed.scan.doctor.ScanReport` as the JSON document ``apkneed scan --json`` prints.

Keys (stable): ``root``, ``arch``, ``libc``, ``alpine`` (``v3.16``), ``ok``
(nothing fails and the scan is complete), ``complete``, ``incomplete`` (why not),
``missing`` [{``soname``, ``needed_by``, ``provided_by`` (:func:`providers_of`),
``reasons``, ``installed_by``, ``interpreter``}], ``wrong_libc`` [{``path``, ``evidence``,
``advice``, ``needed_by``, ``distribution``}], ``wrong_arch`` [{``path``,
``arch``}], ``unneeded`` [{``name``, ``version``, ``installed_size``, ``via``,
``reason``}] (``via`` null when the world is unknown), ``unneeded_size``,
``world_known`` (false: no world file, the unneeded list is ELF evidence only; null: no apk database), ``apk_add``, ``apk_fix``, ``apk_del``, and
the evidence: ``alpine_release``, ``arch_source``, ``provider_source``,
``installed_packages``, ``world``, ``elf_files``, ``files_seen``,
``bytes_read``, ``elf_bytes_read``, ``bytes_total``, ``walked``, ``problems``.
"""

from __future__ import annotations

from typing import Any

from apkneed.scan.doctor import ScanReport


def providers_of(missing: Any) -> list[str]:
    """The apk packages providing a missing library: the installed package that owns the
    (gone) file first, then the index's providers. Text and JSON both show this list."""
    return list(dict.fromkeys([*missing.installed_by, *missing.provided_by]))


def report_json(report: ScanReport) -> dict[str, Any]:
    system = report.system
    slim = report.slimming
    return {
        "root": report.root,
        "arch": system.arch,
        "libc": system.libc,
        "alpine": system.release,
        "ok": report.ok,
        "complete": not report.incomplete,
        "incomplete": list(report.incomplete),
        "missing": [
            {
                "soname": m.soname,
                "needed_by": list(m.needed_by),
                "provided_by": providers_of(m),
                "reasons": list(m.reasons),
                "installed_by": list(m.installed_by),
                "interpreter": m.interpreter,
            }
            for m in report.missing
        ],
        "wrong_libc": [
            {
                "path": w.path,
                "evidence": w.evidence,
                "advice": w.advice,
                "needed_by": list(w.needed_by),
                "distribution": (
                    {
                        "name": w.distribution.name,
                        "version": w.distribution.version,
                        "wheel_tags": list(w.distribution.wheel_tags),
                    }
                    if w.distribution
                    else None
                ),
            }
            for w in report.wrong_libc
        ],
        "wrong_arch": [{"path": path, "arch": arch} for path, arch in report.wrong_arch],
        "unneeded": [
            {
                "name": u.name,
                "version": u.version,
                "installed_size": u.installed_size,
                "via": list(u.via) if u.via is not None else None,
                "reason": u.reason,
            }
            for u in (slim.unneeded if slim else ())
        ],
        "unneeded_size": slim.saved_bytes if slim else 0,
        "world_known": slim.world_known if slim else None,
        "apk_add": report.apk_add,
        "apk_fix": report.apk_fix,
        "apk_del": slim.command if slim else None,
        "alpine_release": system.release_text,
        "arch_source": system.arch_source,
        "provider_source": report.provider_origin,
        "installed_packages": len(system.installed) if system.installed is not None else None,
        "world": [str(w) for w in system.world] if system.world is not None else None,
        "elf_files": report.elf_files,
        "files_seen": report.files_seen,
        "loads": report.loads,
        "bytes_read": report.bytes_read,
        "elf_bytes_read": report.elf_bytes_read,
        "bytes_total": report.bytes_total,
        "walked": list(report.walked),
        "problems": [{"kind": p.kind, "path": p.path, "message": p.message} for p in report.problems],
    }
