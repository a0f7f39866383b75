"""The figures of docs/numpy-on-alpine.md: `apkneed plan numpy` route by route, release by release.

Runs the installed ``apkneed`` (the one next to this Python) on the shared
signed indexes, one process per (release, base, route), and prints the
markdown tables the document shows, every figure read from apkneed's own
``--json``. Nothing here computes a size: apkneed's solver does.

    .venv/bin/python scripts/numpy_routes.py [--shared ../shared] [--requirement numpy]

Needs PyPI (or a warm apkneed cache) for the resolution and the wheels.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

#: release -> (arch, repositories) of the shared indexes
RELEASES = {
    "v3.16": ("x86_64", ("main",)),
    "v3.17": ("aarch64", ("main",)),
    "v3.18": ("x86_64", ("main",)),
    "v3.19": ("x86_64", ("main",)),
    "v3.20": ("x86_64", ("main",)),
    "v3.21": ("x86_64", ("main", "community")),
    "v3.23": ("x86_64", ("main",)),
}
ROUTES = ("wheel", "apk", "source")


def mib(size: int) -> str:
    return f"{size / 1024 / 1024:.1f}"


def plan(shared: Path, release: str, route: str, requirement: str, base: str | None = None) -> tuple[int, dict]:
    arch, repositories = RELEASES[release]
    command = [str(Path(sys.executable).with_name("apkneed")), "plan", requirement, "--route", route, "--arch", arch,
               "--json", "-q"]
    for repository in repositories:
        command += ["--index", str(shared / "alpine" / release / repository / arch / "APKINDEX.tar.gz")]
    if base:
        command += ["--base", base]
    done = subprocess.run(command, capture_output=True, text=True)
    data = json.loads(done.stdout) if done.stdout.strip() else {"error": done.stderr.strip()}
    return done.returncode, data


def cost(code: int, data: dict, route: str) -> str:
    """One table cell: what the route adds at run time, and to build."""
    if "error" in data:
        return f"error: {data['error']}"
    numpy = next(p for p in data["packages"] if p["name"] == "numpy")
    if numpy["route"] != route:
        return f"impossible here ({numpy['reasons'][0].split(': ', 1)[-1]})"
    runtime, build = data["sizes"]["runtime"], data["sizes"]["build"]
    cell = f"numpy {numpy['version']}: run {len(runtime['added'])} pkgs, {mib(runtime['download'])} / {mib(runtime['installed'])} MiB"
    if build["added"]:
        cell += f"; build +{len(build['added'])} pkgs, {mib(build['download'])} / {mib(build['installed'])} MiB"
    if data["missing"]:
        cell += f"; **missing: {', '.join(data['missing'])}** (exit {code})"
    return cell


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=Path(__file__).resolve().parents[1].parent / "shared")
    parser.add_argument("--requirement", default="numpy")
    args = parser.parse_args()
    print("| release (arch, repositories) | python3 | py3-pip | gcc | musl | PEP 668 |"
          + "".join(f" route {route} (base alpine) |" for route in ROUTES))
    print("| --- " * (6 + len(ROUTES)) + "|")
    for release, (arch, repositories) in RELEASES.items():
        results = {route: plan(args.shared, release, route, args.requirement) for route in ROUTES}
        target = next((d["target"] for _, d in results.values() if "target" in d), {})
        tools = target.get("toolchain", {})
        pep668 = {True: "yes", False: "no", None: "unknown"}[target.get("pep668", {}).get("externally_managed")]
        cells = [f"{release} ({arch}, {'+'.join(repositories)})", *(tools.get(name) or "not in " + "+".join(repositories)
                 for name in ("python3", "py3-pip", "gcc", "musl")), pep668]
        cells += [cost(code, data, route) for route, (code, data) in results.items()]
        print("| " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
