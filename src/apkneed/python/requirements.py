"""Requirements files, read the way pip reads them, for planning.

Supported, as in pip: comments (``#`` at the start or after whitespace),
line continuations (a trailing ``\\``), ``${VAR}`` environment variables,
``-r``/``--requirement`` and ``-c``/``--constraint`` includes (relative to
the including file), PEP 508 requirements with extras and environment
markers (kept as written: the resolver evaluates them for the TARGET),
``-i``/``--index-url`` (like pip, it overrides the configured index),
``--pre``, ``--require-hashes`` (pip's hash-checking mode, kept in
:attr:`RequirementSet.require_hashes` for the caller to enforce), and
``--hash=sha256:...`` per requirement.

``--hash`` is honoured rather than refused: the hashes travel with the
requirement (:attr:`RequirementLine.sha256`) and
:func:`apkneed.python.select.select_file` only chooses a file whose sha256
is among them, as pip's hash-checking mode would; a pin whose allowed files
do not fit the target is then a clear "no installable file matches" answer.
Only sha256 can be checked (that is the hash the index publishes).

Refused with the file and line, because a plan cannot be made from them:
editable installs (``-e``), local paths and archives, direct URL and VCS
requirements (``name @ https://...``, ``git+https://...``): they name a
checkout or build on this machine, not a release on an index. Remote
``-r https://...`` files are refused too (apkneed reads no code from URLs).
With ``set_aside=True`` (``apkneed check``: pip installs every line of a
``-r`` file) the first kind is kept aside, each line with its refusal, and
the rest of the file is read.

Read and set aside with a note (the CLI prints notes as warnings):
``--extra-index-url``, ``-f``/``--find-links``, ``--no-index``,
``--trusted-host`` (apkneed plans against one index; see
:mod:`apkneed.python.config`), and installer-only options that do not change
what is installed (``--use-feature``, ``--config-settings``...), and ``--prefer-binary`` (planned as pip's default,
the note says what it may change). ``--only-binary`` and ``--no-binary``
change which file is installed and are refused, as is ``--no-deps`` (not an
option pip accepts in a requirements file).
"""

from __future__ import annotations

import os
import re
import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

from packaging.requirements import InvalidRequirement, Requirement

from apkneed.errors import InputError
from apkneed.inputfile import read_input_text

#: a requirements file larger than this is refused before it fills memory (a hash-pinned
#: lock of a thousand projects is under 1 MiB)
MAX_REQUIREMENTS_BYTES = 16 << 20
_COMMENT = re.compile(r"(^|\s+)#.*$")
_ENV_VAR = re.compile(r"\$\{([A-Z0-9_]+)\}")
_ARCHIVE = (".whl", ".tar.gz", ".tgz", ".tar.bz2", ".tar.xz", ".zip", ".tar")
_VCS = ("git+", "hg+", "svn+", "bzr+")

#: pip options it reads in a requirements file that change what it installs, set aside with why
_CHANGES_THE_CHOICE = {
    "--prefer-binary": "apkneed plans pip's default choice; with it, pip may install an older release that has a "
                       "wheel for the target instead of building a newer sdist",
}
_IGNORED_WITH_VALUE = {"--use-feature", "--config-settings", "-C", "--global-option", "--trusted-host"}
_ONE_INDEX = {"--extra-index-url", "-f", "--find-links"}


@dataclass(frozen=True)
class RequirementLine:
    """One requirement and where it was written."""

    text: str  # PEP 508, extras and markers kept
    origin: str  # "path/to/requirements.txt:12"
    sha256: frozenset[str] = frozenset()  # from --hash; empty means "any file"

    @property
    def name(self) -> str:
        return Requirement(self.text).name


@dataclass(frozen=True)
class RequirementSet:
    requirements: tuple[RequirementLine, ...]
    constraints: tuple[RequirementLine, ...] = ()
    index_url: str | None = None  # from -i/--index-url, the last one read wins
    prerelease: bool = False  # --pre
    notes: tuple[str, ...] = ()  # options read and not used, one line each
    #: with ``set_aside=True``: lines pip installs and a plan cannot take (``-e .``, a URL or VCS
    #: requirement, a local path), each as the error it would have been
    set_aside: tuple[str, ...] = ()
    #: where ``--require-hashes`` was first read ("requirements.txt:1"): pip's hash-checking
    #: mode, where every requirement it installs needs == and a --hash; None: not asked
    require_hashes: str | None = None


def read_requirements_file(
    path: str | Path, *, environ: Mapping[str, str] | None = None, set_aside: bool = False
) -> RequirementSet:
    """Read ``path`` and everything it includes; InputError names file and line.

    ``set_aside``: a line a plan cannot take but pip installs (``-e .``, a URL...) is kept in
    :attr:`RequirementSet.set_aside` instead of refusing the file, so that the rest is planned
    (``apkneed check``: pip installs every line of a ``-r`` file).
    """
    reader = _Reader(os.environ if environ is None else environ, set_aside=set_aside)
    reader.read(Path(path), constraint=False, chain=())
    return RequirementSet(
        tuple(reader.requirements), tuple(reader.constraints), reader.index_url,
        reader.prerelease, tuple(reader.notes), tuple(reader.set_aside or ()), reader.require_hashes,
    )


def logical_lines(text: str) -> list[tuple[int, str]]:
    """(first physical line number, line) after continuations and comments, blank lines dropped."""
    joined: list[tuple[int, str]] = []
    pending: list[str] = []
    start = 0
    for number, line in enumerate(text.splitlines(), start=1):
        # pip: a comment line ends a continuation and is itself discarded below.
        if line.endswith("\\") and not _COMMENT.match(line):
            if not pending:
                start = number
            pending.append(line[:-1])
            continue
        if pending:
            pending.append(" " + line if _COMMENT.match(line) else line)
            joined.append((start, "".join(pending)))
            pending = []
        else:
            joined.append((number, line))
    if pending:
        joined.append((start, "".join(pending)))
    result = []
    for number, line in joined:
        line = _COMMENT.sub("", line).strip()
        if line:
            result.append((number, line))
    return result


class _Reader:
    def __init__(self, environ: Mapping[str, str], *, set_aside: bool = False) -> None:
        self.environ = environ
        #: None: a line a plan cannot take refuses the file; a list: the line is kept here, the rest read
        self.set_aside: list[str] | None = [] if set_aside else None
        self.requirements: list[RequirementLine] = []
        self.constraints: list[RequirementLine] = []
        self.index_url: str | None = None
        self.prerelease = False
        self.notes: list[str] = []
        self.require_hashes: str | None = None

    def read(self, path: Path, *, constraint: bool, chain: tuple[Path, ...]) -> None:
        resolved = path.resolve()
        if resolved in chain:
            raise InputError(f"{path}: included from itself (through {' -> '.join(map(str, chain))})")
        # /dev/zero must not fill memory: read through the bounded reader
        text = read_input_text(path, limit=MAX_REQUIREMENTS_BYTES, what="requirements file")
        for number, line in logical_lines(text):
            origin = f"{path}:{number}"
            line = _ENV_VAR.sub(lambda m: self.environ.get(m.group(1), m.group(0)), line)
            self._line(line, origin, path, constraint, chain + (resolved,))

    def _line(self, line: str, origin: str, path: Path, constraint: bool, chain: tuple[Path, ...]) -> None:
        requirement, options = _split_options(line)
        try:
            tokens = shlex.split(options)
        except ValueError as exc:
            raise InputError(f"{origin}: cannot read the options ({exc})") from None
        hashes: set[str] = set()
        i = 0
        while i < len(tokens):
            name, value, i = _next_option(tokens, i, origin)
            if name == "--hash":
                if not requirement:
                    raise InputError(f"{origin}: --hash belongs after a requirement on the same line")
                hashes.add(_sha256_hash(value, origin))
            elif requirement:
                raise InputError(f"{origin}: option {name} is not allowed after a requirement")
            else:
                self._file_option(name, value, origin, path, chain)
        if requirement:
            unplannable = _unplannable(requirement, origin)
            if unplannable is not None:
                self._cannot_plan(unplannable)
                return
            entry = RequirementLine(_check_requirement(requirement, origin), origin, frozenset(hashes))
            (self.constraints if constraint else self.requirements).append(entry)

    def _file_option(self, name: str, value: str | None, origin: str, path: Path, chain: tuple[Path, ...]) -> None:
        if name in ("-r", "--requirement", "-c", "--constraint"):
            assert value is not None
            if "://" in value:
                raise InputError(f"{origin}: remote requirements files are not read: {value}")
            included = path.parent / value
            if not included.exists():  # said here, where the line that asks for it is known
                raise InputError(f"{origin}: {name} {value}: no such file ({included})")
            self.read(included, constraint=name in ("-c", "--constraint"), chain=chain)
        elif name in ("-e", "--editable"):
            self._cannot_plan(f"{origin}: editable installs cannot be planned: -e {value}")
        elif name in ("-i", "--index-url"):
            self.index_url = value
        elif name == "--pre":
            self.prerelease = True
        elif name == "--require-hashes":
            self.require_hashes = self.require_hashes or origin
        elif name in ("--only-binary", "--no-binary"):
            raise InputError(f"{origin}: {name} is not supported: apkneed plans what pip installs by default")
        elif name in _ONE_INDEX or name == "--no-index":
            self.notes.append(f"{origin}: ignored {name}{' ' + value if value else ''}: apkneed plans against one index")
        elif name in _CHANGES_THE_CHOICE:
            self.notes.append(f"{origin}: ignored {name}: {_CHANGES_THE_CHOICE[name]}")
        elif name == "--no-deps":
            raise InputError(f"{origin}: pip does not accept --no-deps in a requirements file (it is a command-line option)")
        elif name in _IGNORED_WITH_VALUE:
            self.notes.append(f"{origin}: ignored {name}: it does not change what is installed")
        else:
            raise InputError(f"{origin}: unknown option {name}")

    def _cannot_plan(self, why: str) -> None:
        """A line pip installs and a plan cannot take: it refuses the file, or is set aside (``set_aside``)."""
        if self.set_aside is None:
            raise InputError(why)
        self.set_aside.append(why)


def is_hash_pinned(text: str) -> bool:
    """One ``==`` or ``===`` specifier (``name==1.2.3``, markers allowed): a pin as pip's hash-checking
    mode counts one (req_install.is_pinned; ``==1.*`` too: the hash then names the file)."""
    specifiers = list(Requirement(text).specifier)
    return len(specifiers) == 1 and specifiers[0].operator in ("==", "===")


def _split_options(line: str) -> tuple[str, str]:
    """Requirement text and the options after it (pip: options start at the first '-' token)."""
    tokens = line.split(" ")
    for i, token in enumerate(tokens):
        if token.startswith("-"):
            return " ".join(tokens[:i]).strip(), " ".join(tokens[i:])
    return line.strip(), ""


_TAKES_VALUE = {
    "-r", "--requirement", "-c", "--constraint", "-e", "--editable", "-i", "--index-url",
    "--extra-index-url", "-f", "--find-links", "--only-binary", "--no-binary", "--hash",
    *_IGNORED_WITH_VALUE,
}
_FLAGS = {"--pre", "--no-index", "--no-deps", "--require-hashes", *_CHANGES_THE_CHOICE}


def _next_option(tokens: list[str], i: int, origin: str) -> tuple[str, str | None, int]:
    token = tokens[i]
    if token.startswith("--") and "=" in token:
        name, value = token.split("=", 1)
        if name not in _TAKES_VALUE:
            raise InputError(f"{origin}: unknown option {name}")
        return name, value, i + 1
    if token in _FLAGS:
        return token, None, i + 1
    if token in _TAKES_VALUE:
        if i + 1 >= len(tokens):
            raise InputError(f"{origin}: option {token} needs a value")
        return token, tokens[i + 1], i + 2
    # Short options glued to their value: -rother.txt, -ihttps://...
    if token[:2] in ("-r", "-c", "-e", "-i", "-f") and len(token) > 2:
        return token[:2], token[2:], i + 1
    raise InputError(f"{origin}: unknown option {token}")


def _sha256_hash(value: str | None, origin: str) -> str:
    algorithm, _, digest = (value or "").partition(":")
    if algorithm != "sha256":
        raise InputError(f"{origin}: only sha256 --hash values can be checked, got {value!r}")
    if not re.fullmatch(r"[0-9a-fA-F]{64}", digest):
        raise InputError(f"{origin}: not a sha256 digest: {digest!r}")
    return digest.lower()


def _check_requirement(text: str, origin: str) -> str:
    """``text`` if it is a valid requirement (after :func:`_unplannable` let it through)."""
    try:
        Requirement(text)
    except InvalidRequirement as exc:
        raise InputError(f"{origin}: not a valid requirement {text!r}: {str(exc).splitlines()[0]}") from None
    return text


def _unplannable(text: str, origin: str) -> str | None:
    """Why pip installs this requirement line and a plan cannot (a URL, VCS, local path); None: it can."""
    if text.startswith(_VCS) or re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*://", text):
        return f"{origin}: URL and VCS requirements cannot be planned: {text}"
    try:
        requirement: Requirement | None = Requirement(text)
    except InvalidRequirement:
        requirement = None
    if requirement is not None and requirement.url:
        return f"{origin}: direct URL requirements cannot be planned: {text}"
    # "six-1.0.tar.gz" parses as a (strange) name: pip reads it as a file, so do we.
    if text.startswith((".", "/", "~")) or "\\" in text or text.lower().endswith(_ARCHIVE) or (
        "/" in text and ";" not in text
    ):
        return f"{origin}: local paths and archives cannot be planned: {text}"
    return None
