"""Reading a Dockerfile into stages of instructions, with ARG/ENV substituted.

The parser is ``dockerfile`` (PyPI, by Anthony Sottile): Docker's own Go
parser (moby/buildkit ``frontend/dockerfile/parser``) compiled into the
wheel. It is chosen over ``dockerfile-parse`` (a Python re-implementation
with regular expressions) because it IS the grammar ``docker build`` uses:
line continuations, escape directives, JSON (exec) forms, flags and
heredocs are split exactly as BuildKit splits them, and every instruction
carries its start and end line. What it does not do is build-time meaning,
which this module adds:

* stages: ``FROM image [AS name]`` starts one; ``FROM --platform=...`` is kept;
* ``ARG`` before the first ``FROM`` (global, usable in ``FROM``) and inside a
  stage; ``ENV`` (both ``ENV K=V ...`` and the legacy ``ENV K V``);
* substitution as BuildKit's shell lexer does it for the instructions it
  expands (``FROM``, ``COPY``, ``ENV``, ``ARG``, ``WORKDIR``...):
  ``$V``, ``${V}``, ``${V:-default}``, ``${V-default}``, ``${V:+alt}``;
  ``RUN`` text is kept verbatim (the shell expands it at build time, with
  the ARG/ENV values as its environment: see :mod:`apkneed.check.shell`).

Heredocs (syntax 1.4+): ``RUN <<EOF`` whose heredoc is the shell script
(``RUN <<EOF``, ``RUN <<-EOF sh -e``, ``RUN bash <<EOF``) becomes a RUN
instruction of that script (``<<-`` drops leading tabs), read as any RUN line;
any other heredoc (``RUN python3 <<EOF``, a ``#!`` line of another program,
``COPY <<EOF``, several heredocs) keeps the instruction with ``unread`` saying
why, so that the check reports it as not understood instead of guessing.

Refused as bad input (:class:`~apkneed.errors.InputError`): an empty file, a
binary file, a file over :data:`MAX_BYTES`, one that is not a Dockerfile (an
unknown instruction, nothing before a FROM, a heredoc never closed),
``FROM`` with a digest, and ``FROM`` naming a variable that has no value.

API::

    read_dockerfile(text, *, name="Dockerfile", build_args={}) -> Dockerfile
    read_dockerfile_file(path, build_args={}) -> Dockerfile
    substitute(text, variables) -> (text, unresolved names)
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

import dockerfile as buildkit

from apkneed.errors import InputError

#: real Dockerfiles are a few KiB; a larger file is not one (and is not read whole)
MAX_BYTES = 1 << 20

INSTRUCTIONS = frozenset({
    "ADD", "ARG", "CMD", "COPY", "ENTRYPOINT", "ENV", "EXPOSE", "FROM", "HEALTHCHECK", "LABEL",
    "MAINTAINER", "ONBUILD", "RUN", "SHELL", "STOPSIGNAL", "USER", "VOLUME", "WORKDIR",
})

_VARIABLE_RE = re.compile(
    r"\$(?:\{(?P<braced>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-+])(?P<word>[^}]*))?\}|(?P<bare>[A-Za-z_][A-Za-z0-9_]*))"
)


@dataclass(frozen=True)
class Instruction:
    keyword: str  # upper case: RUN, COPY, ...
    line: int  # first line, 1-based
    end_line: int
    #: the arguments as BuildKit split them (RUN shell form: one string, verbatim)
    words: tuple[str, ...]
    flags: tuple[str, ...]  # ("--from=builder",)
    exec_form: bool  # JSON form: RUN ["pip", "install", "x"]
    original: str
    #: the ARG/ENV values visible to this instruction (a RUN's shell environment)
    variables: tuple[tuple[str, str], ...] = ()
    #: why the instruction's meaning was not read (a heredoc fed to another program...); None: read
    unread: str | None = None

    def flag(self, name: str) -> str | None:
        prefix = f"--{name}="
        return next((f[len(prefix):] for f in self.flags if f.startswith(prefix)), None)


@dataclass(frozen=True)
class Stage:
    index: int
    name: str | None  # FROM ... AS name
    image: str  # after substitution: "python:3.12-alpine3.20", or an earlier stage's name
    platform: str | None  # FROM --platform=linux/arm64
    line: int  # the FROM line
    instructions: tuple[Instruction, ...] = field(default=())

    @property
    def label(self) -> str:
        return self.name or f"stage {self.index}"


@dataclass(frozen=True)
class Dockerfile:
    name: str
    stages: tuple[Stage, ...]
    #: (line, message) for things read but left out (an unresolved variable in COPY...)
    notes: tuple[tuple[int, str], ...] = ()


def substitute(text: str, variables: Mapping[str, str]) -> tuple[str, tuple[str, ...]]:
    """Expand ``$V``/``${V}``/``${V:-d}``/``${V:+a}``; unknown names expand to "" and are returned."""
    unresolved: list[str] = []

    def expand(match: re.Match) -> str:
        name = match.group("braced") or match.group("bare")
        op = match.group("op")
        value = variables.get(name)
        if op in (":-", "-"):
            if value is None or (op == ":-" and value == ""):
                return match.group("word") or ""
            return value
        if op in (":+", "+"):
            return (match.group("word") or "") if value else ""
        if value is None:
            unresolved.append(name)
            return ""
        return value

    return _VARIABLE_RE.sub(expand, text), tuple(unresolved)


def read_dockerfile_file(path: Path, build_args: Mapping[str, str] | None = None) -> Dockerfile:
    from apkneed.inputfile import read_input_bytes

    # one byte past the cap, so that read_dockerfile words "too large" itself
    data = read_input_bytes(path, limit=MAX_BYTES + 1)
    return read_dockerfile(data, name=str(path), build_args=build_args)


def read_dockerfile(data: bytes | str, *, name: str = "Dockerfile", build_args: Mapping[str, str] | None = None) -> Dockerfile:
    text = _decoded(data, name)
    try:
        commands = buildkit.parse_string(text)
    except buildkit.GoParseError as exc:
        raise InputError(f"{name}: not a Dockerfile ({exc})") from None
    if not commands:
        raise InputError(f"{name}: not a Dockerfile (no instructions)")
    build_args = dict(build_args or {})
    global_args: dict[str, str | None] = {}
    stages: list[dict] = []
    notes: list[tuple[int, str]] = []
    for command in commands:
        keyword = (command.cmd or "").upper()
        if keyword not in INSTRUCTIONS:
            # BuildKit yields a command without a keyword for a lone continuation
            shown = command.cmd or (command.original or "").strip()[:40] or "a line continuation with no instruction"
            raise InputError(f"{name}:{command.start_line}: not a Dockerfile (unknown instruction {shown!r})")
        unread = None
        if command.heredocs:  # (one never closed is BuildKit's parse error: "unterminated heredoc")
            script, unread = heredoc_script(keyword, command)
            if script is not None:
                command = command._replace(value=(script,), heredocs=())
        if keyword == "FROM":
            stages.append(_from(command, name, global_args, build_args, len(stages), stages))
            continue
        if not stages:
            if keyword == "ARG":
                for word in command.value:
                    key, value = _split_arg(word)
                    global_args[key] = build_args.get(key, value)
                continue
            raise InputError(f"{name}:{command.start_line}: not a Dockerfile ({keyword} before the first FROM)")
        stage = stages[-1]
        variables: dict[str, str] = stage["variables"]
        if keyword == "ARG":
            for word in command.value:
                key, value = _split_arg(word)
                if key in build_args:
                    value = build_args[key]
                elif value is None and key in global_args:
                    value = global_args[key]  # ARG re-declared in the stage takes the global default
                if value is not None:
                    value, _ = substitute(value, variables)
                    variables[key] = value
        elif keyword == "ENV":
            for key, value in _env_pairs(command.value):
                value, _ = substitute(value, variables)
                variables[key] = value
        words = tuple(command.value)
        if keyword not in ("RUN", "CMD", "ENTRYPOINT", "HEALTHCHECK", "SHELL", "ONBUILD", "ENV", "ARG"):
            expanded = []
            for word in words:
                value, missing = substitute(word, variables)
                for var in missing:
                    notes.append((command.start_line, f"{keyword}: ${var} has no value here"))
                expanded.append(value)
            words = tuple(expanded)
        stage["instructions"].append(Instruction(
            keyword=keyword, line=command.start_line, end_line=command.end_line, words=words,
            flags=tuple(command.flags), exec_form=bool(command.json), original=command.original,
            variables=tuple(variables.items()), unread=unread,
        ))
    if not stages:
        raise InputError(f"{name}: not a Dockerfile (no FROM instruction)")
    return Dockerfile(
        name=name,
        stages=tuple(
            Stage(s["index"], s["name"], s["image"], s["platform"], s["line"], tuple(s["instructions"]))
            for s in stages
        ),
        notes=tuple(notes),
    )


#: ``[sh|bash|ash|dash [-flags]] <<[-]["']NAME["'] [sh|bash... [-flags]]``: a heredoc the shell runs
_SHELL = r"(?:(?:/usr)?/bin/)?(?:ba|a|da)?sh(?:\s+-[A-Za-z]+)*"
_SHELL_HEREDOC_RE = re.compile(rf"^(?:{_SHELL}\s+)?<<(-?)([\"']?)(?P<name>[^\s\"']+)\2(?:\s+{_SHELL})?\s*$")


def heredoc_script(keyword: str, command) -> tuple[str | None, str | None]:
    """(the shell script a RUN heredoc is, None) or (None, why it is not read)."""
    if keyword != "RUN":
        return None, f"{keyword} <<{command.heredocs[0].name}: a file written from a heredoc is not read by apkneed check"
    match = _SHELL_HEREDOC_RE.match(command.value[0].strip()) if len(command.value) == 1 else None
    if match is None or len(command.heredocs) != 1 or match["name"] != command.heredocs[0].name:
        return None, "a heredoc fed to a program other than the shell (or several heredocs) is not followed"
    script = command.heredocs[0].content
    if match.group(1):  # <<-: leading tabs are dropped from every line
        script = "\n".join(line.lstrip("\t") for line in script.split("\n"))
    first = script.lstrip("\n").split("\n", 1)[0]
    if first.startswith("#!") and not re.search(r"\b(?:ba|a|da)?sh\b", first):
        return None, f"a heredoc script for {first[2:].strip()}, not the shell, is not followed"
    # comment lines go, as BuildKit drops them from a RUN line (a quote in one would end nothing)
    return "\n".join(line for line in script.split("\n") if not line.lstrip().startswith("#")), None


def _decoded(data: bytes | str, name: str) -> str:
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogatepass")
    if len(data) > MAX_BYTES:
        raise InputError(f"{name}: larger than {MAX_BYTES // 1024} KiB: not a Dockerfile apkneed will read")
    if b"\x00" in data:
        raise InputError(f"{name}: a binary file (NUL bytes), not a Dockerfile")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"{name}: not UTF-8 text (byte {exc.start}), not a Dockerfile") from None
    if not text.strip():
        raise InputError(f"{name}: empty file, not a Dockerfile")
    return text


def _split_arg(word: str) -> tuple[str, str | None]:
    key, sep, value = word.partition("=")
    return key, (_unquoted(value) if sep else None)


def _unquoted(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        try:
            return " ".join(shlex.split(value))
        except ValueError:
            return value[1:-1]
    return value


def _env_pairs(words: tuple[str, ...]) -> list[tuple[str, str]]:
    # BuildKit gives ENV as alternating key, value (both forms normalised).
    pairs = []
    for i in range(0, len(words) - 1, 2):
        pairs.append((words[i], _unquoted(words[i + 1])))
    return pairs


def _from(command, name: str, global_args, build_args, index: int, stages: list[dict]) -> dict:
    words = list(command.value)
    if not words:
        raise InputError(f"{name}:{command.start_line}: FROM without an image")
    variables = {k: v for k, v in global_args.items() if v is not None}
    image, missing = substitute(words[0], variables)
    if missing or not image:
        raise InputError(
            f"{name}:{command.start_line}: FROM {words[0]}: ${', $'.join(missing) or words[0]} has no value "
            "(give the ARG a default, or pass --build-arg)"
        )
    if "@" in image:
        raise InputError(
            f"{name}:{command.start_line}: FROM {image}: an image pinned by digest cannot be mapped to an "
            "Alpine release; use its tag, or pass --base"
        )
    stage_name = None
    if len(words) >= 3 and words[1].upper() == "AS":
        stage_name = words[2].lower()
    elif len(words) != 1:
        raise InputError(f"{name}:{command.start_line}: FROM {' '.join(words)}: expected FROM image [AS name]")
    platform = None
    for flag in command.flags:
        if flag.startswith("--platform="):
            platform, _ = substitute(flag[len("--platform="):], variables)
    # A stage built FROM an earlier stage inherits its variables.
    parent = next((s for s in stages if s["name"] == image.lower()), None)
    inherited = dict(parent["variables"]) if parent else {}
    return {
        "index": index, "name": stage_name, "image": image, "platform": platform or None,
        "line": command.start_line, "instructions": [], "variables": inherited,
    }
