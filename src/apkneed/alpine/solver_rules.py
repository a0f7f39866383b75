"""Where apk-tools 2 and apk-tools 3 solve differently: one switch per rule.

Alpine 3.23 ships apk-tools 3.0; every earlier release ships 2.x (2.14 from
v3.19 on). Both read the same v2 index, and 3.0's ``src/solver.c`` is 2.14's
with a handful of changed rules. :mod:`apkneed.alpine.solver` is one port of
that file; each rule that differs is a field here, and the two generations
are two instances. Found by reading ``src/solver.c``, ``src/package.c`` and
``src/version.c`` of apk-tools v2.14.10 and v3.0.6 side by side, and
confirmed by the answers each built apk-tools gives on the real indexes
(``tests/alpine/data/apk214-*.json``, ``apk30-*.json``).

Rules of 2.14 left out because an empty root never reaches them (the
installed package, ``--upgrade``/``--latest``/removal preferences, layers,
``auto_select_virtual`` that only ``apk fetch`` sets) are not switches.
"""

from __future__ import annotations

from apkneed.records import Frozen, set_field

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (milliseconds of every resolve)
if TYPE_CHECKING:
    from typing import Literal

    Generation = Literal["2", "3"]


class SolverRules(Frozen):
    """The rules in which apk-tools' solver generations differ."""

    __slots__ = (
        "label", "self_conflict_ignored", "unversioned_provides_lowest", "fuzzy_needs_prefix", "ordered_queues",
        "discovers_own_install_if_dependents_first", "discovers_provided_names_install_if_dependents",
        "discovers_install_if_names", "flags_discovery_order", "install_if_conflict_terms", "strict_index_versions",
        "report_sorted_matches", "report_world_tags", "missing_tag_hint",
    )

    #: what ``apk --version`` says: the generation these rules reproduce
    label: str
    #: 3.0 (package.c, ``apk_dep_is_provided``): a package's own ``!name``
    #: dependency never conflicts with the package itself.
    self_conflict_ignored: bool
    #: 3.0 (atom.c: ``apk_atom_null`` is the empty string, no longer a null
    #: blob; version.c compares it as an invalid version, below every real
    #: one). A name provided without a version (``p:postgresql-client``)
    #: loses to any provider that gives a version, before provider priorities
    #: are looked at, and it meets only ``<``/``<=`` constraints. 2.14 lets
    #: the comparison tie (then ``k:`` priorities decide) and never lets it
    #: meet a versioned dependency.
    unversioned_provides_lowest: bool
    #: 3.0 (version.c): ``~`` matches only when the constraint's version is a
    #: prefix of the candidate's (``3.6.0 ~ 3.6``); 2.14 also lets a shorter
    #: candidate match when what it lacks reads as zeros (``3.6 ~ 3.6.0``).
    fuzzy_needs_prefix: bool
    #: The order names are decided in. 2.14: one list, scanned each round for
    #: a name that can be "fast selected", else the best by (auto-selectable,
    #: named by the request, latest discovered). 3.0: three queues filled as
    #: names change: "resolve now" in arrival order, then auto-selectable
    #: names, then the rest, each by a discovery number that puts names the
    #: request does not name, then names a real package carries, first.
    ordered_queues: bool
    #: Discovery (``src/solver.c``, ``discover_name``: the walk that numbers
    #: the names a request reaches; ``solver._discover`` follows these four).
    #: 3.0 walks the name's own install_if dependents (``name->rinstall_if``)
    #: before its providers' loop; 2.14 reaches them only through that loop,
    #: as the dependents of each provider's package name.
    discovers_own_install_if_dependents_first: bool
    #: 2.14, in the providers' loop: each provided name not seen yet, then
    #: that name's install_if dependents (``dep->name->rinstall_if``); 3.0
    #: discovers the provided name alone.
    discovers_provided_names_install_if_dependents: bool
    #: 3.0: after the name is numbered, the names of its providers' ``i:``
    #: lines are discovered too (2.14 never walks ``i:`` names while discovering).
    discovers_install_if_names: bool
    #: 3.0: the discovery number (``order_id``) carries two flags above the
    #: count: bit 31 for a name the request does not name (``!solver_flags_set``),
    #: bit 30 for a name some package really has, not only provides
    #: (``providers != num_virtual``); 2.14's is the bare count.
    flags_discovery_order: bool
    #: 3.0: a ``!name`` term of an ``i:`` line is a constraint: the name is
    #: decided (queued even with no requirer), the package installed by
    #: install_if applies the term as a conflict, and the install order does
    #: not wait for a name that is not installed.
    install_if_conflict_terms: bool
    #: 3.0 (package.c, ``apk_blob_pull_dep``) reads index versions by its
    #: stricter grammar (``version.is_valid_apk3``): a package whose ``D:``
    #: holds a version it cannot read is not installable, an ``i:`` line with
    #: one is dropped, and apk warns "The indexes contain broken packages
    #: which are not installable" (or "might not function properly" when only
    #: ``p:`` lines have such versions). 2.14 reads them all.
    strict_index_versions: bool
    #: The error report (commit.c). 3.0 sorts each "satisfies:"/"breaks:"
    #: list (the request's atoms, then the packages by name and version),
    #: prints a request atom with its tag (``world[py3-numpy<2@community]``)
    #: and no longer suggests --force-broken-world for a missing tag.
    report_sorted_matches: bool
    report_world_tags: bool
    missing_tag_hint: str

    def __init__(
        self,
        label: str,
        self_conflict_ignored: bool,
        unversioned_provides_lowest: bool,
        fuzzy_needs_prefix: bool,
        ordered_queues: bool,
        discovers_own_install_if_dependents_first: bool,
        discovers_provided_names_install_if_dependents: bool,
        discovers_install_if_names: bool,
        flags_discovery_order: bool,
        install_if_conflict_terms: bool,
        strict_index_versions: bool,
        report_sorted_matches: bool,
        report_world_tags: bool,
        missing_tag_hint: str,
    ) -> None:
        set_field(self, "label", label)
        set_field(self, "self_conflict_ignored", self_conflict_ignored)
        set_field(self, "unversioned_provides_lowest", unversioned_provides_lowest)
        set_field(self, "fuzzy_needs_prefix", fuzzy_needs_prefix)
        set_field(self, "ordered_queues", ordered_queues)
        set_field(self, "discovers_own_install_if_dependents_first", discovers_own_install_if_dependents_first)
        set_field(self, "discovers_provided_names_install_if_dependents", discovers_provided_names_install_if_dependents)
        set_field(self, "discovers_install_if_names", discovers_install_if_names)
        set_field(self, "flags_discovery_order", flags_discovery_order)
        set_field(self, "install_if_conflict_terms", install_if_conflict_terms)
        set_field(self, "strict_index_versions", strict_index_versions)
        set_field(self, "report_sorted_matches", report_sorted_matches)
        set_field(self, "report_world_tags", report_world_tags)
        set_field(self, "missing_tag_hint", missing_tag_hint)


APK_TOOLS_2 = SolverRules(
    label="apk-tools 2.14",
    self_conflict_ignored=False,
    unversioned_provides_lowest=False,
    fuzzy_needs_prefix=False,
    ordered_queues=False,
    discovers_own_install_if_dependents_first=False,
    discovers_provided_names_install_if_dependents=True,
    discovers_install_if_names=False,
    flags_discovery_order=False,
    install_if_conflict_terms=False,
    strict_index_versions=False,
    report_sorted_matches=False,
    report_world_tags=False,
    missing_tag_hint=" Use --force-broken-world to override.",
)

APK_TOOLS_3 = SolverRules(
    label="apk-tools 3.0",
    self_conflict_ignored=True,
    unversioned_provides_lowest=True,
    fuzzy_needs_prefix=True,
    ordered_queues=True,
    discovers_own_install_if_dependents_first=True,
    discovers_provided_names_install_if_dependents=False,
    discovers_install_if_names=True,
    flags_discovery_order=True,
    install_if_conflict_terms=True,
    strict_index_versions=True,
    report_sorted_matches=True,
    report_world_tags=True,
    missing_tag_hint="",
)

GENERATIONS: dict[str, SolverRules] = {"2": APK_TOOLS_2, "3": APK_TOOLS_3}

#: the first Alpine release that ships apk-tools 3 (aports main/apk-tools, 3.23.0)
FIRST_APK_TOOLS_3_RELEASE = (3, 23)


def rules_for_release(release: str | None) -> SolverRules:
    """The apk-tools generation Alpine ``release`` ships (``v3.22`` -> 2, ``v3.23``, ``edge`` -> 3).

    Unknown (``None``, plain ``--index`` files that name no release): 2.x,
    the generation of every release before v3.23.
    """
    if release is None:
        return APK_TOOLS_2
    if release == "edge":
        return APK_TOOLS_3
    text = release.lstrip("v")
    try:
        major, minor = (int(part) for part in text.split(".")[:2])
    except ValueError:
        return APK_TOOLS_2
    return APK_TOOLS_3 if (major, minor) >= FIRST_APK_TOOLS_3_RELEASE else APK_TOOLS_2


def rules_for(generation: str | None, release: str | None) -> SolverRules:
    """``--apk-tools 2|3`` when given, else the release's own generation."""
    if generation is not None:
        return GENERATIONS[generation]
    return rules_for_release(release)
