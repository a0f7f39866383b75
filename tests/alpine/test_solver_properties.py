"""Properties every answer must have, on both real indexes, for many requests.

For a seeded sample of requests on the real Alpine v3.16 x86_64 and v3.17
aarch64 indexes: every dependency of every installed package is met inside
the answer, no conflict is broken, no name is provided twice with a version,
every install_if that the answer triggers is installed, nothing is installed
that the request does not lead to, and dependencies come first.
"""

from __future__ import annotations

import random

import pytest

from apkneed.alpine.index import read_index_file
from apkneed.alpine.providers import build_provider_map
from apkneed.alpine.solver import SolverError, solve
from apkneed.alpine.version import satisfies


@pytest.fixture(scope="module", params=["v316", "v317"])
def world(request, v316_index_path, v317_index_path):
    path = v316_index_path if request.param == "v316" else v317_index_path
    index = read_index_file(path)
    return request.param, index, build_provider_map([index])


def _provides(package, name):
    """(provides it?, at which version) - a package's own name counts."""
    if package.name == name:
        return True, package.version
    for provide in package.provides:
        if provide.name == name:
            return True, provide.version
    return False, None


def _met(dep, installed):
    """apk's meaning of one dependency against the installed set."""
    matching = []
    for package in installed:
        provided, version = _provides(package, dep.name)
        if provided and satisfies(version, dep.op, dep.version, checksum=package.checksum):
            matching.append(package)
    return (not matching) if dep.conflict else bool(matching)


def _requests(index, which, count, seed):
    rnd = random.Random(seed)
    names = sorted({p.name for p in index.packages})
    requests = []
    for n in range(count):
        words = rnd.sample(names, 1 if n % 3 else rnd.randint(2, 6))
        if which == "v316" and rnd.random() < 0.5:
            words.append("busybox")  # v3.16 refuses /bin/sh without it
        requests.append(words)
    return requests


def check_solution(index, request_words, solution):
    installed = solution.installs
    by_name = {}
    for package in installed:
        assert package.name not in by_name, f"{package.name} installed twice"
        by_name[package.name] = package
    # a name may be provided by several packages only when none gives a version
    providers_of: dict[str, list] = {}
    for package in installed:
        providers_of.setdefault(package.name, []).append((package, package.version))
        for provide in package.provides:
            providers_of.setdefault(provide.name, []).append((package, provide.version))
    for name, entries in providers_of.items():
        if len(entries) > 1:
            assert all(v is None for _, v in entries), f"{name} provided with a version by {entries}"
    # the request and every dependency are met inside the answer
    for dep in solution.request:
        assert _met(dep, installed), f"request {dep} not met"
    for package in installed:
        for dep in package.depends:
            assert _met(dep, installed), f"{package.nv}: {dep} not met"
    # every install_if the answer triggers is installed
    for package in index.packages:
        if package.install_if and all(_met(d, installed) for d in package.install_if):
            assert package.name in by_name, f"{package.nv} is triggered ({package.install_if}) but missing"
    # nothing the request does not lead to
    reached = set()
    stack = [d for d in solution.request if not d.conflict]
    while True:
        while stack:
            dep = stack.pop()
            for package in installed:
                provided, version = _provides(package, dep.name)
                if provided and id(package) not in reached:
                    if satisfies(version, dep.op, dep.version, checksum=package.checksum):
                        reached.add(id(package))
                        stack.extend(d for d in package.depends if not d.conflict)
        triggered = [
            p for p in installed
            if id(p) not in reached and p.install_if and all(_met(d, installed) for d in p.install_if)
        ]
        if not triggered:
            break
        for package in triggered:
            reached.add(id(package))
            stack.extend(d for d in package.depends if not d.conflict)
    unrequired = [p.nv for p in installed if id(p) not in reached]
    assert unrequired == [], f"installed without a reason: {unrequired}"
    # dependencies first (one provider of each is enough), unless they form a cycle
    position = {p.name: i for i, p in enumerate(installed)}
    for i, package in enumerate(installed):
        for dep in package.depends:
            if dep.conflict:
                continue
            earliest = min(position[p.name] for p, _ in providers_of[dep.name])
            if earliest > i:
                later = installed[earliest].name
                assert _reaches(by_name, later, package.name), (package.nv, dep)


def _reaches(by_name, start, goal):
    stack, seen = [start], set()
    while stack:
        name = stack.pop()
        if name == goal:
            return True
        if name in seen or name not in by_name:
            continue
        seen.add(name)
        for dep in by_name[name].depends:
            for package in by_name.values():
                if _provides(package, dep.name)[0]:
                    stack.append(package.name)
    return False


def test_properties_hold_for_sampled_requests(world):
    which, index, providers = world
    solved = refused = 0
    for words in _requests(index, which, 90, seed=20240316):
        try:
            solution = solve(providers, words)
        except SolverError as exc:
            refused += 1
            assert exc.problems and exc.apk_exit_status >= 1
            assert "\n" not in str(exc) and exc.explanation
            continue
        solved += 1
        check_solution(index, words, solution)
    # the sample must exercise real answers (and, on v3.16, refusals) to mean anything
    assert solved >= 45, (solved, refused)
    if which == "v316":
        assert refused >= 1


def test_requested_conflicts_and_versions_are_honoured(world):
    which, index, providers = world
    extra = ["busybox"] if which == "v316" else []
    solution = solve(providers, ["python3-dev", "!bash", "python3>=3.10", *extra])
    assert "bash" not in {p.name for p in solution.installs}
    check_solution(index, None, solution)
    with pytest.raises(SolverError) as info:
        solve(providers, ["python3<3", *extra])
    assert info.value.problems[0].items("breaks") == ("world[python3<3]",)
