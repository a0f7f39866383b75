"""The PEP 804 mapping document for Alpine: ``alpine.mapping.json`` / ``alpine+3.21.mapping.json``.

Input: :func:`apkneed.plan.pep804.map_registry`'s answers. Output: a document
valid against the cited ``external-mapping.schema.json`` (schema_version 1):

* each mapped DepURL: ``specs: {build, host, run}`` (``specs_from`` when it
  takes another registry entry's packages), the provides that matched in
  ``extra_metadata.apkneed_rules`` and the package pages as ``urls``;
* each DepURL Alpine has no package for: ``specs: []`` (the format's own way
  to say "known, none here") and the reason in its description;
* ``package_managers``: apk, its install and query commands, and apk's
  version syntax (``name=1.2-r0`` exact; ``>``, ``>=``, ``<``, ``<=`` and
  ``~`` fuzzy; one constraint per atom, so ranges are not joined).

API::

    mapping_document(mappings, *, release, arch, repositories, versioned, scope="") -> dict
    mapping_file_name(release, versioned) -> str
    APK_PACKAGE_MANAGER
"""

from __future__ import annotations

from typing import Sequence

SCHEMA_URL = "https://raw.githubusercontent.com/jaimergp/external-metadata-mappings/main/schemas/external-mapping.schema.json"

#: apk's own syntax (apk-add(8), apk-world(5)): ``name=ver`` exact, ``name>ver``,
#: ``name>=ver``, ``name<ver``, ``name<=ver``, ``name~ver`` fuzzy; an atom has
#: one constraint, so PEP 440 ranges are given as separate atoms (``and``: None).
APK_PACKAGE_MANAGER = {
    "name": "apk",
    "commands": {
        "install": {"command": ["apk", "add", "--no-cache", "{}"], "multiple_specifiers": "always", "requires_elevation": True},
        "query": {"command": ["apk", "info", "--installed", "{}"], "multiple_specifiers": "always", "requires_elevation": False},
    },
    "specifier_syntax": {
        "name_only": ["{name}"],
        "exact_version": ["{name}={version}"],
        "version_ranges": {
            "syntax": ["{name}{ranges}"],
            "and": None,
            "equal": "~{version}",
            "greater_than": ">{version}",
            "greater_than_equal": ">={version}",
            "less_than": "<{version}",
            "less_than_equal": "<={version}",
        },
    },
}


def mapping_file_name(release: str, versioned: bool) -> str:
    """``alpine.mapping.json``, or ``alpine+3.21.mapping.json`` (pyproject-external's names)."""
    return f"alpine+{release.lstrip('v')}.mapping.json" if versioned else "alpine.mapping.json"


def mapping_document(mappings: Sequence, *, release: str, arch: str, repositories: Sequence[str], versioned: bool,
                     scope: str = "") -> dict:
    """The PEP 804 document; ``scope`` (``in v3.21 main (community was not given with --index)``)
    ends each unmapped entry's reason: what was searched, and what was not."""
    version = release.lstrip("v")
    name = f"Alpine {version}" if versioned else "Alpine Linux"
    entries = []
    for mapping in mappings:
        entry: dict = {"id": mapping.entry.id, "description": mapping.entry.description}
        if mapping.specs_from is not None:
            entry["specs_from"] = mapping.specs_from
        elif mapping.build or mapping.host or mapping.run:
            entry["specs"] = {"build": list(mapping.build), "host": list(mapping.host), "run": list(mapping.run)}
            entry["extra_metadata"] = {"apkneed_rules": dict(mapping.rules)}
            names = dict.fromkeys((*mapping.build, *mapping.host, *mapping.run))
            entry["urls"] = {
                f"pkgs.alpinelinux.org ({n})": f"https://pkgs.alpinelinux.org/packages?name={n}&branch={release}&arch={arch}"
                for n in names
            }
        else:
            entry["specs"] = []
            entry["description"] = f"{mapping.entry.description} Alpine {version}: {mapping.problem or 'no package'} {scope}".strip()
        entries.append(entry)
    return {
        "$schema": SCHEMA_URL,
        "schema_version": 1,
        "name": name,
        "description": (
            f"Mapping for Alpine Linux {version} ({' + '.join(repositories)}, {arch}), made by apkneed from the apk "
            "index: pc:/so:/cmd: provides and the -dev -> library relation (the planner's own PEP 725 mapping)."
        ),
        "mappings": entries,
        "package_managers": [APK_PACKAGE_MANAGER],
    }
