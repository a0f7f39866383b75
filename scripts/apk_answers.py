"""Record what the real apk-tools installs, as test data for apkneed's solver.

Runs ``apk add --simulate REQUEST...`` on a fresh empty root for every
request of a request set and writes the answers as JSON (the format of
``tests/alpine/data/apk-simulate-*.json``). apk-tools itself is not part of
apkneed: build it beside the project (see docs/benchmarks.md, "apk-tools
beside the project") and pass its binary. CI never runs this script; it
only reads the JSON it wrote.

Usage (from the project root)::

    python scripts/apk_answers.py --apk /work/ext/apk-tools-v2.14.10/src/apk \\
        --repo ../shared/alpine/v3.21/main --repo @community=../shared/alpine/v3.21/community \\
        --arch x86_64 --requests v321 --out tests/alpine/data/apk214-v321-tagged.json

``--repo [@TAG=]DIR`` is one line of ``/etc/apk/repositories`` (``DIR`` holds
``ARCH/APKINDEX.tar.gz``), in apk's order. Indexes are checked against
Alpine's keys (``--keys-dir ../shared/alpine/keys``), as apk does on a
real system. ``--requests`` names a request set below, or a JSON file
holding a list of request strings (``--requests-from`` takes the requests
of an existing answer file, to ask another apk-tools the same questions).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
INSTALL_LINE = re.compile(r"^\(\s*\d+/\d+\) Installing (\S+) \((\S+)\)$")

#: hand-picked requests on v3.21 main + community: the seed's questions, the
#: BLAS/LAPACK virtuals that both openblas-dev and the reference packages
#: provide, install_if chains (-pyc, -doc, -openrc), provider priorities
#: spread over both repositories, tag-less failures
V321_HAND = [
    "py3-numpy", "py3-scipy", "py3-numpy py3-scipy", "openblas-dev", "openblas", "lapack-dev", "blas-dev",
    "lapack-dev blas-dev", "openblas-dev lapack-dev", "lapack-dev openblas-dev", "blas-dev openblas-dev",
    "lapack", "blas", "cblas", "so:liblapack.so.3", "so:libblas.so.3", "so:libopenblas.so.3",
    "build-base", "python3-dev", "build-base python3-dev", "gfortran", "build-base openblas-dev pkgconf python3-dev",
    "py3-numpy-dev", "py3-numpy-f2py", "cmd:f2py", "py3-numpy1", "py3-numpy py3-numpy1", "py3-pandas",
    "py3-matplotlib", "py3-pillow", "py3-cryptography", "py3-lxml", "py3-pip", "py3-setuptools", "pyc",
    "python3 pyc", "py3-numpy pyc", "python3-pyc", "py3-numpy-pyc", "py3-scipy-pyc", "py3-pooch",
    "py3-scikit-learn", "py3-numpy-tests", "suitesparse", "fftw-dev", "hdf5-dev", "py3-h5py",
    "sudo-virt", "doc-provider", "login-utils", "font-times", "initramfs-generator", "postgresql-dev",
    "postgresql-client", "cmd:psql", "cmd:pg_dump", "cmd:htpasswd", "nodejs", "nginx", "udev",
    "links", "obexd", "postgresql-libs", "postgresql", "cmd:pg_ctl", "alsa-plugins-pulse", "libcanberra-alsa",
    "alsa-lib pulseaudio-alsa", "alsa-lib pulseaudio-alsa alsa-plugins-pulse",
    "alsa-lib pulseaudio-alsa pipewire-alsa", "alsa-lib libcanberra pulseaudio", "libcanberra alsa-lib",
    "openrc py3-numpy", "docs py3-numpy", "bash-completion git", "openrc nginx", "man-pages mandoc",
    "py3-numpy>=2", "py3-numpy<2", "py3-numpy~2.1", "py3-numpy=2.1.3-r0", "python3~3.12", "python3>3.13",
    "py3-numpy !openblas", "py3-scipy !py3-numpy", "!musl", "py3-nonexistent", "py3-numpy py3-nonexistent",
    "gcc<1", "so:libgfortran.so.5", "cmd:gfortran", "pc:openblas", "pc:lapack", "pc:blas", "pc:python3",
    "py3-numpy python3-dev build-base", "py3-scipy openblas-dev", "rust cargo", "go", "clang llvm-dev",
    "py3-torch", "py3-opencv", "py3-psycopg2", "py3-yaml", "py3-gdal gdal-dev", "geos-dev proj-dev",
    "busybox", "alpine-base", "openssl-dev libffi-dev", "musl-dev", "libstdc++", "py3-numpy py3-pandas py3-scipy",
]

#: requests with the @community pin (community tagged, main not), plus failures
V321_TAGGED = [
    "py3-numpy@community", "py3-scipy@community", "py3-numpy@community py3-scipy@community",
    "openblas-dev@community", "lapack-dev@community", "blas-dev@community", "py3-numpy", "py3-scipy",
    "openblas-dev", "lapack-dev", "python3", "build-base", "python3@community", "build-base python3-dev",
    "py3-numpy@community python3-dev", "gfortran@community", "so:libopenblas.so.3@community",
    "py3-pandas@community", "py3-numpy-pyc@community", "py3-numpy@community pyc",
    "py3-numpy@community>=2", "py3-numpy@community<2", "py3-numpy@edge", "python3@edge",
    "sudo-virt", "sudo-virt@community", "doc-provider@community", "login-utils@community",
    "postgresql-dev@community", "nodejs@community", "py3-numpy@community py3-numpy1@community",
]

#: v3.23 main (apk-tools 3's own release): hand-picked requests
V323_HAND = [
    "python3", "python3-dev", "build-base", "build-base python3-dev", "py3-pip", "py3-setuptools", "gcc",
    "gfortran", "openssl-dev", "libffi-dev", "musl-dev", "pyc", "python3 pyc", "python3-pyc", "py3-pip pyc",
    "py3-pip-pyc", "bash", "bash-completion git", "openrc nginx", "docs git", "git", "curl", "busybox",
    "alpine-base", "/bin/sh", "cmd:sh", "so:libz.so.1", "so:libcrypto.so.3", "cmd:gcc", "pc:zlib",
    "sudo-virt", "doc-provider", "login-utils", "initramfs-generator", "postgresql-dev", "cmd:psql",
    "nodejs", "nginx", "udev", "links", "postgresql", "postgresql-client", "cmd:pg_dump", "apache2-utils",
    "py3-pip<1", "gcc<1", "py3-nonexistent", "!musl", "python3 !musl", "python3~3.12", "python3>3.13",
    "cmake", "rust", "cargo", "go", "clang", "llvm-dev", "perl", "ruby", "lua5.4", "openjdk17",
    "linux-lts", "linux-firmware", "mkinitfs", "openssh", "sudo", "doas", "doas-sudo-shim",
    "mandoc man-pages", "man-db", "shadow-login", "util-linux-login", "tzdata", "ca-certificates",
]


def v321_requests() -> list[str]:
    names = _names(SHARED / "alpine/v3.21/main/x86_64/APKINDEX.tar.gz") | _names(
        SHARED / "alpine/v3.21/community/x86_64/APKINDEX.tar.gz"
    )
    picker = random.Random(20250321)
    singles = picker.sample(sorted(names), 80)
    groups = [" ".join(picker.sample(sorted(names), 4)) for _ in range(25)]
    return _unique(V321_HAND + singles + groups)


def v323_requests() -> list[str]:
    names = _names(SHARED / "alpine/v3.23/main/x86_64/APKINDEX.tar.gz")
    picker = random.Random(20250323)
    singles = picker.sample(sorted(names), 60)
    groups = [" ".join(picker.sample(sorted(names), 4)) for _ in range(20)]
    return _unique(V323_HAND + singles + groups)


REQUEST_SETS = {
    "v321": v321_requests,
    "v321-tagged": lambda: list(V321_TAGGED),
    "v323": v323_requests,
}


def _names(index: Path) -> set[str]:
    import tarfile

    with tarfile.open(index) as tar:
        text = tar.extractfile("APKINDEX").read().decode()
    return {line[2:] for line in text.splitlines() if line.startswith("P:")}


def _unique(requests: list[str]) -> list[str]:
    return list(dict.fromkeys(requests))


def apk_env(apk: Path) -> dict[str, str]:
    env = os.environ.copy()
    if any(apk.parent.glob("libapk.so*")):  # a 2.14 build links its own libapk.so
        env["LD_LIBRARY_PATH"] = str(apk.parent)
    return env


def run_requests(apk: Path, repos: list[str], arch: str, keys: Path, requests: list[str]) -> list[dict]:
    env = apk_env(apk)
    common = [str(apk), "--arch", arch, "--keys-dir", str(keys.resolve()), "--no-network", "--no-cache", "--no-progress"]
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        repositories = tmp_path / "repositories"
        repositories.write_text("".join(line + "\n" for line in repos))
        template = tmp_path / "empty-root"
        template.mkdir()
        subprocess.run([*common, "--root", str(template), "add", "--initdb"], check=True, capture_output=True, env=env)
        for number, request in enumerate(requests):
            root = tmp_path / f"root-{number}"
            # cp -a, not shutil.copytree: the root holds device nodes (dev/random) to copy as nodes
            subprocess.run(["cp", "-a", str(template), str(root)], check=True)
            done = subprocess.run(
                [*common, "--root", str(root), "--repositories-file", str(repositories), "add", "--simulate",
                 *request.split()],
                capture_output=True, text=True, env=env,
            )
            shutil.rmtree(root)
            installs = [f"{m[1]}-{m[2]}" for m in map(INSTALL_LINE.match, done.stdout.splitlines()) if m]
            results.append({
                "request": request,
                "exit": done.returncode,
                "installs_in_order": installs if done.returncode == 0 else [],
                "error": done.stderr.strip() or None if done.returncode else None,
            })
            print(f"{done.returncode:3} {len(installs):4}  {request}", file=sys.stderr)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--apk", type=Path, required=True)
    parser.add_argument("--repo", action="append", required=True, metavar="[@TAG=]DIR")
    parser.add_argument("--arch", default="x86_64")
    parser.add_argument("--keys-dir", type=Path, default=SHARED / "alpine" / "keys")
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--requests", help=f"a request set ({', '.join(REQUEST_SETS)}) or a JSON list file")
    source.add_argument("--requests-from", type=Path, help="the requests of an existing answer file")
    parser.add_argument("--note", default="", help="how the requests were chosen, for the notes field")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()

    if args.requests_from:
        known = json.loads(args.requests_from.read_text())
        requests = _unique([r["request"] for r in known["results"] + known.get("results_with_busybox", [])])
    elif args.requests in REQUEST_SETS:
        requests = REQUEST_SETS[args.requests]()
    else:
        requests = json.loads(Path(args.requests).read_text())
    repo_lines, labels = [], []
    for spec in args.repo:
        tag, _, directory = spec.rpartition("=") if spec.startswith("@") else ("", "", spec)
        path = Path(directory).resolve()
        index = path / args.arch / "APKINDEX.tar.gz"
        if not index.is_file():
            raise SystemExit(f"no {index}")
        repo_lines.append(f"{tag} {path}".strip())
        labels.append(f"{tag + ' ' if tag else ''}{_relative(index)}")
    version = subprocess.run(
        [str(args.apk), "--version"], capture_output=True, text=True, env=apk_env(args.apk)
    ).stdout.strip()
    results = run_requests(args.apk, repo_lines, args.arch, args.keys_dir, requests)
    answer = {
        "apk_version": f"{version} (built from source: alpinelinux/apk-tools at its release tag)",
        "repositories": labels,
        "arch": args.arch,
        "made_by": "scripts/apk_answers.py " + " ".join(_relative_arg(a) for a in sys.argv[1:]),
        "invocation": (
            f"apk --root $ROOT --arch {args.arch} --keys-dir ../shared/alpine/keys --no-network --no-cache "
            "--no-progress add --initdb ; apk --root $ROOT ... --repositories-file $REPOSITORIES add --simulate "
            "REQUEST...   ($REPOSITORIES holds one line per entry of 'repositories', tag first; a fresh empty "
            "$ROOT per request)"
        ),
        "notes": (
            "installs_in_order = NAME-VERSION from apk's '(i/N) Installing NAME (VERSION)' lines, in apk's "
            "order; on failure installs_in_order is [] and error is apk's stderr; exit is apk's exit status. "
            + args.note
        ).strip(),
        "results": results,
    }
    args.out.write_text(json.dumps(answer, indent=1) + "\n")


def _relative(path: Path) -> str:
    try:
        return "../" + str(path.resolve().relative_to(ROOT.parent)) if not path.resolve().is_relative_to(ROOT) \
            else str(path.resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


def _relative_arg(arg: str) -> str:
    if arg.startswith("/work/ext/"):
        return arg  # where apk-tools was built: outside the project
    if "/" in arg and not arg.startswith("@"):
        return _relative(Path(arg))
    if arg.startswith("@") and "=" in arg:
        tag, _, rest = arg.partition("=")
        return f"{tag}={_relative(Path(rest))}"
    return arg


if __name__ == "__main__":
    main()
