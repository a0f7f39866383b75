"""CycloneDX 1.6 JSON: an SBOM of a planned image's final stage, or of a scanned root.

Why the libraries: ``cyclonedx-python-lib`` is the CycloneDX project's own
Python model and serializer (it writes the 1.6 JSON that syft and grype
read, and ships the official schemas the tests validate against);
``packageurl-python`` is the purl reference implementation, which builds
``pkg:apk/alpine/krb5-libs@1.21.3-r0?arch=x86_64&distro=alpine-3.16`` with
the name whole (auditwheel's own SBOM splits hyphenated apk names at the
first hyphen: ``pkg:apk/alpine/krb5@libs-1.21.3-r0``). As the purl spec
requires of the ``apk`` type, the purl's name is lowercased; the component's
``name`` keeps apk's own (``freeswitch-sounds-ru-RU-elena-32000``).

Components:

* one per apk package (``type: library``), purl ``pkg:apk/alpine/<name>@<version>?arch=&distro=alpine-<X.Y>``;
* one per Python distribution, purl ``pkg:pypi/<name>@<version>``, with the
  route and file as ``apkneed:*`` properties, and the libraries its wheel
  vendors (auditwheel's ``<dist>.libs/libfoo-<hash>.so.1.2``) as nested
  components named as the wheel names them (``libfoo``, version ``1.2``).

Dependencies: the image's world, apk's ``D:`` edges between installed
packages, each distribution's run-time apk needs (the ``so:`` edges of its
ELF evidence) and the resolver's distribution edges.

API::

    plan_bom_json(plan, image) -> str            # image: apkneed.plan.final_stage.FinalImage
    installed_bom_json(installed, *, release, arch, root) -> str
    apk_purl(name, version, *, arch, release) -> str
"""

from __future__ import annotations

import re
from typing import Iterable, Sequence

from cyclonedx.model import Property
from cyclonedx.model.bom import Bom
from cyclonedx.model.component import Component, ComponentType
from cyclonedx.model.tool import Tool
from cyclonedx.output.json import JsonV1Dot6
from packageurl import PackageURL

from apkneed import __version__
from apkneed.plan.final_stage import apk_dependency_edges

#: auditwheel renames a vendored library ``libfoo.so.1.2`` to ``libfoo-<8 hex>[-<8 hex>].so.1.2``
_VENDORED = re.compile(r"^(?P<name>.+?)(?:-[0-9a-f]{8})+\.so(?:\.(?P<version>[0-9][0-9.]*))?$")
_PLAIN_SO = re.compile(r"^(?P<name>.+?)\.so(?:\.(?P<version>[0-9][0-9.]*))?$")


def distro(release: str) -> str:
    """``v3.16`` or ``3.16.3`` -> ``alpine-3.16`` (the purl ``distro`` qualifier, release major.minor)."""
    numbers = release.lstrip("v").split(".")
    return "alpine-" + ".".join(numbers[:2])


def apk_purl(name: str, version: str, *, arch: str, release: str | None) -> str:
    """The purl of an apk package; without a known release there is no ``distro`` qualifier."""
    qualifiers = {"arch": arch}
    if release and release != "edge":
        qualifiers["distro"] = distro(release)
    return PackageURL(type="apk", namespace="alpine", name=name, version=version, qualifiers=qualifiers).to_string()


def pypi_purl(name: str, version: str) -> str:
    return PackageURL(type="pypi", name=name, version=version).to_string()


def plan_bom_json(plan, image) -> str:
    """The final stage of ``plan``: ``image`` is its :class:`~apkneed.plan.final_stage.FinalImage`."""
    target = plan.target
    bom = _bom(target.image, f"{target.image} + apkneed plan (Alpine {target.alpine} {target.arch})")
    apk = _add_apk(bom, image.apk, image.apk_edges, arch=target.arch, release=target.alpine)
    root = bom.metadata.component
    world = []
    for atom in image.world:
        name = _providing(atom, image.apk)
        if name is not None and name in apk and apk[name] not in world:
            world.append(apk[name])
    dists: dict[str, Component] = {}
    for package in plan.packages:
        if package.route is None:
            continue
        component = Component(
            name=package.name, version=package.version, type=ComponentType.LIBRARY,
            purl=PackageURL.from_string(pypi_purl(package.name, package.version)),
            bom_ref=f"pypi:{package.name}@{package.version}",
            properties=[Property(name="apkneed:route", value=package.route),
                        *([Property(name="apkneed:file", value=package.file)] if package.file else [])],
        )
        evidence = dict(package.evidence)
        for path in evidence.get("vendored", ()) or ():
            component.components.add(_vendored(path, package))
        bom.components.add(component)
        dists[package.name] = component
    for package in plan.packages:
        if package.name not in dists:
            continue
        children = [dists[d.name] for d in plan.packages if package.name in d.requested_by and d.name in dists]
        children += [apk[name] for name, _ in image.dist_apk_edges.get(package.name, ()) if name in apk]
        bom.register_dependency(dists[package.name], children)
    direct = [dists[p.name] for p in plan.packages if p.direct and p.name in dists]
    bom.register_dependency(root, world + direct)
    return JsonV1Dot6(bom).output_as_string(indent=2)


def installed_bom_json(
    installed: Sequence, *, release: str | None, arch: str, root: str, python: Sequence = (),
    elf_needs: Sequence = (),
) -> str:
    """A scanned root: one component per package of its ``lib/apk/db/installed``, with
    apk's edges and those its ELF files show (``elf_needs``: package -> packages it
    loads), and one per Python distribution of its site-packages (``python``: site-packages
    directory, :class:`apkneed.scan.python.Distribution`, the apk packages it loads)."""
    bom = _bom(root, f"{root}: lib/apk/db/installed and site-packages")
    edges = {name: set(targets) for name, targets in apk_dependency_edges(installed).items()}
    for name, loaded in elf_needs:
        edges.setdefault(name, set()).update(loaded)
    apk = _add_apk(bom, installed, {k: tuple(sorted(v)) for k, v in edges.items()}, arch=arch, release=release)
    dists = []
    for site, dist, loaded in python:
        component = Component(
            name=dist.name, version=dist.version, type=ComponentType.LIBRARY,
            purl=PackageURL.from_string(pypi_purl(dist.name, dist.version)),
            bom_ref=f"pypi:{dist.name}@{dist.version}@{site}",
            properties=[Property(name="apkneed:site-packages", value=site)]
            + [Property(name="apkneed:wheel-tag", value=tag) for tag in dist.wheel_tags],
        )
        bom.components.add(component)
        bom.register_dependency(component, [apk[name] for name in loaded if name in apk])
        dists.append(component)
    bom.register_dependency(bom.metadata.component, [*apk.values(), *dists])
    return JsonV1Dot6(bom).output_as_string(indent=2)


def _bom(name: str, description: str) -> Bom:
    bom = Bom()
    bom.metadata.component = Component(
        name=name, type=ComponentType.CONTAINER, bom_ref="image", description=description,
    )
    bom.metadata.tools.tools.add(Tool(vendor="apkneed", name="apkneed", version=__version__))
    return bom


def _add_apk(bom: Bom, packages: Iterable, edges: dict[str, tuple[str, ...]], *, arch: str, release: str | None) -> dict[str, Component]:
    components: dict[str, Component] = {}
    for package in packages:
        component = Component(
            name=package.name, version=package.version, type=ComponentType.LIBRARY,
            purl=PackageURL.from_string(apk_purl(package.name, package.version, arch=package.arch or arch, release=release)),
            bom_ref=f"apk:{package.name}@{package.version}",
            description=package.description or None,
        )
        if package.origin and package.origin != package.name:
            component.properties.add(Property(name="apkneed:apk-origin", value=package.origin))
        bom.components.add(component)
        components[package.name] = component
    for name, component in components.items():
        bom.register_dependency(component, [components[t] for t in edges.get(name, ()) if t in components])
    return components


def _vendored(path: str, package) -> Component:
    """``pillow.libs/libjpeg-e9b09d22.so.62.4.0`` -> library ``libjpeg`` 62.4.0, as the wheel names it."""
    base = path.rsplit("/", 1)[-1]
    match = _VENDORED.match(base) or _PLAIN_SO.match(base)
    name, version = (match.group("name"), match.group("version")) if match else (base, None)
    return Component(
        name=name, version=version, type=ComponentType.LIBRARY,
        bom_ref=f"pypi:{package.name}@{package.version}/{path}",
        properties=[Property(name="apkneed:vendored-file", value=path)],
    )


def _providing(atom: str, installed: Sequence) -> str | None:
    """The installed package that satisfies a world atom (``so:libz.so.1`` -> ``zlib``)."""
    name = re.split(r"[<>=~]", atom, maxsplit=1)[0]
    for package in installed:
        if package.name == name:
            return package.name
    for package in installed:
        if any(provide.name == name for provide in package.provides):
            return package.name
    return None
