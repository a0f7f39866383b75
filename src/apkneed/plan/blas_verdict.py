""""Is it fast?": the BLAS each distribution will run on, route by route.

Pure: decided from what the plan already has, without running anything or
downloading more.

* **wheel**: the BLAS bundled in the wheel (the vendored library's name and
  the wheel's ``__config__.py``, read with its ELF members): name, version,
  ILP64/LP64, DYNAMIC_ARCH.
* **apk**: Alpine's ``openblas`` at its version in the target index, LP64,
  linked against ``libgfortran``.
* **source** with ``openblas-dev`` among the build packages: the same system
  OpenBLAS.
* **source** without a BLAS: NumPy's slow internal fallback, with the factor
  it costs.

Distributions that call BLAS through another (scikit-learn through SciPy)
get that one's verdict. The data and its citations live in
``data/blas-speed.toml``.

API::

    blas_verdicts(packages, *, providers, arch) -> dict[str, dict]
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable

from apkneed.alpine.providers import ProviderMap
from apkneed.plan.model import PackagePlan
from apkneed.tomlfile import read_toml

SPEED_PATH = Path(__file__).resolve().parent / "data" / "blas-speed.toml"
FAST, SLOW, UNKNOWN = "fast", "slow", "unknown"


@lru_cache(maxsize=1)
def speed_data() -> dict[str, Any]:
    return read_toml(SPEED_PATH)


def _range(values: list[float]) -> str:
    return f"{values[0]:g}-{values[1]:g}x"


def versus_reference() -> dict[str, Any]:
    """OpenBLAS over the netlib reference BLAS, as measured (data/blas-speed.toml)."""
    reference = speed_data()["reference_blas"]
    return {"faster_than_reference_one_thread": reference["one_thread"],
            "faster_than_reference_two_threads": reference["two_threads"], "measured": True,
            "source": reference["source"]}


def wheel_verdict(blas: dict[str, Any] | None, wheel_file: str | None) -> dict[str, Any]:
    if not blas:
        return {"speed": UNKNOWN, "library": None, "where": wheel_file,
                "text": f"unknown: {wheel_file or 'the wheel'} bundles no BLAS apkneed recognises and its "
                        "__config__.py names none"}
    name = blas.get("name") or "a BLAS"
    version = blas.get("version")
    facts = [x for x in (blas.get("int_model"), {True: "DYNAMIC_ARCH: kernels chosen for the CPU at run time",
                                                   False: "built for one CPU type (no DYNAMIC_ARCH)"}
                         .get(blas.get("dynamic_arch"))) if x]
    openblas = "openblas" in name.lower()
    speed = FAST if openblas else UNKNOWN
    where = blas.get("library") or wheel_file
    text = (f"{'fast' if openblas else 'unknown speed'}: {name} {version or '(version unknown)'} bundled in the wheel"
            f"{' (' + ', '.join(facts) + ')' if facts else ''}")
    if blas.get("config_member"):
        text += f"; read from {blas['config_member']}"
    verdict = {"speed": speed, "library": name, "version": version, "int_model": blas.get("int_model"),
               "dynamic_arch": blas.get("dynamic_arch"), "where": where, "text": text,
               "source": f"{wheel_file}: {blas.get('config_member') or 'vendored library name'}"}
    if openblas:
        verdict["factor"] = versus_reference()
    return verdict


def system_openblas_verdict(providers: ProviderMap, arch: str, how: str) -> dict[str, Any]:
    data = speed_data()
    alpine = data["alpine_openblas"]
    found = providers.providers(alpine["package"])
    real = [p.package for p in found if p.package.name == alpine["package"]]
    package = real[0] if real else None
    dynamic_arch = arch in alpine["dynamic_arch_arches"]
    if package is None:
        return {"speed": UNKNOWN, "library": "OpenBLAS", "version": None, "where": f"apk {alpine['package']}",
                "text": f"unknown: {how}, but the target index has no {alpine['package']} package",
                "source": alpine["source"]}
    gfortran = any(str(d).startswith("so:libgfortran") for d in package.depends)
    facts = [alpine["int_model"], "DYNAMIC_ARCH" if dynamic_arch else f"no DYNAMIC_ARCH on {arch} (one generic target)"]
    if gfortran:
        facts.append("linked against libgfortran")
    system = data["system_openblas"]
    caveat = "" if dynamic_arch else (f"; on {arch} the APKBUILD builds one generic target ({alpine['generic_target']}), "
                                      "not tuned for this core: how much slower than the wheel's DYNAMIC_ARCH build "
                                      "was not measured here")
    return {
        "speed": FAST, "library": "OpenBLAS", "version": package.version, "int_model": alpine["int_model"],
        "dynamic_arch": dynamic_arch, "where": f"apk {package.name}-{package.version}",
        "text": (f"fast: {how}: Alpine's OpenBLAS {package.version} ({', '.join(facts)}); a distribution's "
                 f"OpenBLAS measured {_range(system['versus_bundled'])} the wheel's bundled one "
                 f"({system['measured_on']}; Alpine's own build not timed){caveat}"),
        "source": f"{alpine['source']}; {system['source']}",
        "factor": versus_reference(),
    }


def fallback_verdict(name: str) -> dict[str, Any]:
    data = speed_data()
    no_blas = data["no_blas"]
    reference = data["reference_blas"]
    if name != "numpy":
        return {"speed": UNKNOWN, "library": None, "where": None,
                "text": f"unknown: the build of {name} finds no BLAS apkneed can name (no openblas-dev among its "
                        "build packages); it may fail or pick another",
                "source": None}
    return {
        "speed": SLOW, "library": None, "version": None, "where": no_blas["numpy_fallback"],
        "text": (f"slow: no BLAS among the build packages, so NumPy builds {no_blas['numpy_fallback']}; "
                 f"{no_blas['factor_note']}. Add openblas-dev to the build (and openblas at run time)"),
        "factor": {"slower_than_openblas_one_thread": reference["one_thread"],
                   "slower_than_openblas_two_threads": reference["two_threads"], "measured": False,
                   "borrowed_from": "netlib reference BLAS"},
        "source": reference["source"],
    }


def verdict_for(package: PackagePlan, blas: dict[str, Any] | None, providers: ProviderMap,
                arch: str) -> dict[str, Any] | None:
    """The verdict for one distribution that links a BLAS itself."""
    alpine = speed_data()["alpine_openblas"]
    if package.route == "wheel":
        return wheel_verdict(blas, package.file)
    if package.route == "apk":
        return system_openblas_verdict(providers, arch, f"Alpine's package ({package.file}) links the openblas apk")
    if package.route == "source":
        if alpine["dev_package"] in package.build_apk:
            return system_openblas_verdict(providers, arch, f"built against {alpine['dev_package']}")
        return fallback_verdict(package.name)
    return None


def blas_verdicts(packages: Iterable[PackagePlan], blas_by_dist: dict[str, dict[str, Any] | None], *,
                  providers: ProviderMap, arch: str) -> dict[str, dict[str, Any]]:
    """name -> verdict for every distribution of the plan that links a BLAS."""
    links = speed_data()["links"]
    packages = list(packages)
    direct: dict[str, dict[str, Any]] = {}
    for package in packages:
        if links.get(package.name) == "direct":
            verdict = verdict_for(package, blas_by_dist.get(package.name), providers, arch)
            if verdict is not None:
                direct[package.name] = {"links": "direct", "route": package.route, **verdict}
    out = dict(direct)
    for package in packages:
        through = links.get(package.name)
        if through and through != "direct":
            base = direct.get(through)
            if base is None:
                out[package.name] = {"links": f"through {through}", "route": package.route, "speed": UNKNOWN,
                                     "text": f"unknown: {package.name} uses {through}'s BLAS and {through} is "
                                             "not in the plan"}
            else:
                out[package.name] = {**base, "links": f"through {through}",
                                     "text": f"as {through}: {base['text']}"}
    return out


