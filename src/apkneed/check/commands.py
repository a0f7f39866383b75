"""What one shell command of a RUN line does, for the commands ``check`` follows.

Each recogniser reads the argument syntax of the real tool (apk-tools'
``apk add``/``apk del`` options, pip's ``install`` options, ``python -m
venv``, ``setup.py``, ``git clone``) and returns an event; a command it
recognises but cannot read (an unresolved ``$(...)`` where a package name
should be, a loop variable) becomes :class:`NotUnderstood`, never a guess.
Every other command (``echo``, ``rm``, ``adduser``...) is :data:`None`.

API::

    classify(command: SimpleCommand) -> Event | None
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass

from apkneed.check.shell import SimpleCommand

# apk-tools 2.14/3.0 options that take a value (apk(8), apk-add(8), apk-del(8)).
_APK_VALUE_OPTIONS = frozenset({
    "-t", "--virtual", "-X", "--repository", "--repositories-file", "-p", "--root", "--arch",
    "--cache-dir", "--keys-dir", "--timeout", "--cache-max-age", "--wait",
})
# pip install options that take a value (pip 24/25 `pip install --help`).
_PIP_VALUE_OPTIONS = frozenset({
    "-r", "--requirement", "-c", "--constraint", "-e", "--editable", "-t", "--target", "--platform",
    "--python-version", "--implementation", "--abi", "--root", "--prefix", "--src", "--upgrade-strategy",
    "-C", "--config-settings", "--global-option", "--install-option", "--no-binary", "--only-binary",
    "--progress-bar", "--root-user-action", "--report", "-i", "--index-url", "--extra-index-url",
    "-f", "--find-links", "--log", "--log-file", "--proxy", "--retries", "--timeout", "--exists-action",
    "--trusted-host", "--cert", "--client-cert", "--cache-dir", "--python", "--keyring-provider",
    "--use-feature", "--use-deprecated", "--group",
    # uv pip install
    "-p", "--extra", "--index", "--default-index", "--index-strategy", "--resolution", "--prerelease",
    "--exclude-newer", "--link-mode", "--python-platform", "--overrides", "--build-constraints",
})
_PYTHON_RE = re.compile(r"^(?:.*/)?python(?:3(?:\.\d+)?)?$")
_PIP_RE = re.compile(r"^(?:.*/)?pip(?:3(?:\.\d+)?)?$")
_APK_NAME_RE = re.compile(r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._+-]*?)(?P<constraint>(?:[<>=~]+).*)?(?:@(?P<tag>[A-Za-z0-9_-]+))?$")


@dataclass(frozen=True)
class ApkName:
    written: str
    name: str
    tag: str | None = None


@dataclass(frozen=True)
class ApkAdd:
    names: tuple[ApkName, ...]
    virtual: str | None
    no_cache: bool
    text: str
    #: -X/--repository URLs: names may come from a repository apkneed has not loaded
    repositories: tuple[str, ...] = ()


@dataclass(frozen=True)
class ApkDel:
    names: tuple[str, ...]
    text: str


@dataclass(frozen=True)
class ApkUpdate:
    """``apk update``: downloads the repositories' indexes into /var/cache/apk."""

    no_cache: bool  # apk --no-cache update: nothing is kept
    text: str


@dataclass(frozen=True)
class PipInstall:
    tool: str  # "pip" | "uv"
    program: str  # "pip3", "/opt/venv/bin/pip", "python3" (python -m pip)
    requirements: tuple[str, ...]  # PEP 508 strings as written
    files: tuple[str, ...]  # -r FILE
    constraint_files: tuple[str, ...]
    not_planned: tuple[str, ...]  # paths, URLs, -e: pip installs them, apkneed cannot plan them
    no_binary: tuple[str, ...]  # ":all:" or names
    only_binary: tuple[str, ...]
    break_system_packages: bool
    user: bool
    elsewhere: bool  # --target/--prefix/--root: pip skips the PEP 668 check
    system: bool  # uv pip install --system
    no_cache: bool
    text: str
    #: -f/--find-links or --no-index: files from a directory apkneed does not see (wheels a builder made)
    local_files: bool = False
    #: --require-hashes: pip's hash-checking mode for every requirement of this command
    require_hashes: bool = False


@dataclass(frozen=True)
class VenvCreate:
    path: str
    system_site_packages: bool
    program: str
    text: str


@dataclass(frozen=True)
class VenvActivate:
    path: str
    text: str


@dataclass(frozen=True)
class SetupPy:
    action: str  # install, build, develop, bdist_wheel...
    script: str  # path of setup.py as written
    program: str
    text: str


@dataclass(frozen=True)
class GitClone:
    url: str
    directory: str | None
    branch: str | None
    text: str


@dataclass(frozen=True)
class ChangeDirectory:
    path: str
    text: str


@dataclass(frozen=True)
class Ensurepip:
    text: str


@dataclass(frozen=True)
class RemoveFiles:
    paths: tuple[str, ...]
    text: str


@dataclass(frozen=True)
class PipConfig:
    key: str
    value: str
    text: str


@dataclass(frozen=True)
class UvSync:
    """``uv sync``: installs the project's ``uv.lock`` (in the working directory) into its .venv."""

    extras: tuple[str, ...]
    groups: tuple[str, ...]
    no_dev: bool  # --no-dev: uv leaves out its default group "dev"
    install_project: bool  # False with --no-install-project
    program: str
    text: str


@dataclass(frozen=True)
class NotUnderstood:
    text: str
    why: str


Event = (
    ApkAdd | ApkDel | ApkUpdate | PipInstall | VenvCreate | VenvActivate | SetupPy | GitClone | ChangeDirectory
    | Ensurepip | RemoveFiles | PipConfig | UvSync | NotUnderstood
)


def classify(command: SimpleCommand) -> Event | None:
    words = list(command.words)
    if not words:
        return None
    program = posixpath.basename(words[0])
    event = _recognise(program, words, command.text)
    if event is None or isinstance(event, (ChangeDirectory, RemoveFiles)):
        return event
    if command.opaque:
        return NotUnderstood(command.text, "inside a loop, function or subshell that apkneed does not follow")
    if command.unresolved and not isinstance(event, (NotUnderstood, ChangeDirectory)):
        return NotUnderstood(command.text, f"{', '.join(command.unresolved)}: known only when the image is built")
    return event


def _recognise(program: str, words: list[str], text: str) -> Event | None:
    if program == "apk" and len(words) > 1:
        return _apk(words[1:], text)
    if _PIP_RE.match(words[0]):
        return _pip(words[1:], words[0], text, tool="pip")
    if program == "uv" and words[1:3] == ["pip", "install"]:
        return _pip(words[2:], words[0], text, tool="uv")
    if program in ("uv",) and words[1:2] == ["venv"]:
        path = next((w for w in words[2:] if not w.startswith("-")), ".venv")
        return VenvCreate(path, "--system-site-packages" in words, words[0], text)
    if program in ("virtualenv",):
        path = next((w for w in words[1:] if not w.startswith("-")), None)
        if path is None:
            return NotUnderstood(text, "virtualenv without a directory")
        return VenvCreate(path, "--system-site-packages" in words, words[0], text)
    if _PYTHON_RE.match(words[0]):
        return _python(words, text)
    if program in (".", "source") and len(words) == 2 and words[1].endswith("/bin/activate"):
        return VenvActivate(words[1][: -len("/bin/activate")], text)
    if program == "git" and "clone" in words[1:3]:
        return _git_clone(words[words.index("clone") + 1:], text)
    if program == "cd":
        return ChangeDirectory(words[1] if len(words) > 1 else "/root", text)
    if program == "rm":
        return RemoveFiles(tuple(w for w in words[1:] if not w.startswith("-")), text)
    if program == "uv" and words[1:3] == ["pip", "sync"]:
        # uv pip sync FILE...: installs exactly FILE's requirements (a requirements file or pylock.toml)
        args = _as_requirement_files(words[3:])
        if "-r" not in args:
            return NotUnderstood(text, "uv pip sync without a file")
        return _pip(["install", *args], words[0], text, tool="uv")
    if program == "uv" and words[1:2] == ["sync"]:
        return _uv_sync(words[2:], words[0], text)
    if (program, *words[1:2]) in _PROJECT_INSTALLERS:
        # what they install is a lock's or a project's, read from files apkneed check does not plan
        return NotUnderstood(text, f"{' '.join([program, *words[1:2]])} installs a project's (locked) dependencies: "
                                   "not planned by apkneed check (apkneed plan -r uv.lock or -r . plans them)")
    return None


#: commands that install a project's dependencies from its lock or pyproject (not pip's -r)
_PROJECT_INSTALLERS = frozenset({
    ("poetry", "install"), ("poetry", "sync"), ("pipenv", "install"), ("pipenv", "sync"),
    ("pdm", "install"), ("pdm", "sync"), ("hatch", "env"),
})


#: uv sync options (uv 0.9 `uv sync --help`) that change nothing planned: the pins are the lock's either way
_UV_SYNC_FLAGS = frozenset({
    "--frozen", "--locked", "--no-cache", "-n", "--compile-bytecode", "--quiet", "-q", "--verbose", "-v",
    "--no-progress", "--inexact", "--exact", "--no-editable", "--offline",
})
#: uv sync options with a value that change nothing planned
_UV_SYNC_VALUE_FLAGS = frozenset({"--cache-dir", "--link-mode", "--python", "-p"})


def _uv_sync(args: list[str], program: str, text: str) -> Event:
    """uv sync's options as far as a plan of the lock reads them; any other is not guessed."""
    extras: list[str] = []
    groups: list[str] = []
    no_dev = False
    install_project = True
    i = 0
    while i < len(args):
        key, eq, value = args[i].partition("=")
        if key in ("--extra", "--group") or key in _UV_SYNC_VALUE_FLAGS:
            if not eq:
                if i + 1 >= len(args):
                    return NotUnderstood(text, f"{key} without a value")
                value = args[i + 1]
                i += 1
            if key == "--extra":
                extras.append(value)
            elif key == "--group":
                groups.append(value)
        elif key == "--no-dev" and not eq:
            no_dev = True
        elif key == "--no-install-project" and not eq:
            install_project = False
        elif key not in _UV_SYNC_FLAGS or eq:
            return NotUnderstood(text, f"uv sync {args[i]}: an option apkneed check does not read; what this "
                                       "uv sync installs is not planned (apkneed plan -r uv.lock plans the lock)")
        i += 1
    return UvSync(tuple(extras), tuple(groups), no_dev, install_project, program, text)


def _as_requirement_files(args: list[str]) -> list[str]:
    """uv pip sync's positional files as pip install's -r FILE (its options are pip install's)."""
    out: list[str] = []
    i = 0
    while i < len(args):
        word = args[i]
        if word.startswith("-"):
            out.append(word)
            if "=" not in word and word in _PIP_VALUE_OPTIONS and i + 1 < len(args):
                out.append(args[i + 1])
                i += 1
        else:
            out += ["-r", word]
        i += 1
    return out


def _apk(args: list[str], text: str) -> Event | None:
    # global options may come before the applet: apk --no-cache add ...
    options: list[str] = []
    applet = None
    rest: list[str] = []
    i = 0
    while i < len(args):
        word = args[i]
        if applet is None and word.startswith("-"):
            options.append(word)
            if word in _APK_VALUE_OPTIONS:
                i += 1
            i += 1
            continue
        if applet is None:
            applet = word
        else:
            rest.append(word)
        i += 1
    if applet == "update":
        return ApkUpdate("--no-cache" in options or "--no-cache" in rest, text)
    if applet not in ("add", "del"):
        return None
    names: list[str] = []
    virtual = None
    no_cache = "--no-cache" in options
    repositories = [args[k + 1] for k, w in enumerate(args[:-1]) if w in ("-X", "--repository")]
    repositories += [w.partition("=")[2] for w in args if w.startswith("--repository=")]
    i = 0
    while i < len(rest):
        word = rest[i]
        if word.startswith("--") and "=" in word:
            key, _, value = word.partition("=")
            if key == "--virtual":
                virtual = value
            i += 1
            continue
        if word.startswith("-"):
            if word in ("-t", "--virtual"):
                if i + 1 >= len(rest):
                    return NotUnderstood(text, f"{word} without a name")
                virtual = rest[i + 1]
                i += 2
                continue
            if word == "--no-cache":
                no_cache = True
            if word in _APK_VALUE_OPTIONS:
                i += 1
            i += 1
            continue
        names.append(word)
        i += 1
    if applet == "del":
        return ApkDel(tuple(names), text)
    parsed = []
    for word in names:
        match = _APK_NAME_RE.match(word)
        if not match:
            return NotUnderstood(text, f"{word!r} is not an apk package name")
        parsed.append(ApkName(word, match.group("name"), match.group("tag")))
    return ApkAdd(tuple(parsed), virtual, no_cache, text, tuple(repositories))


def _python(words: list[str], text: str) -> Event | None:
    args = words[1:]
    # skip interpreter flags: python3 -u -m pip ...
    while args and args[0].startswith("-") and args[0] not in ("-m", "-c"):
        args = args[1:]
    if not args:
        return None
    if args[0] == "-m" and len(args) > 1:
        module = args[1]
        if module == "pip":
            return _pip(args[2:], words[0], text, tool="pip")
        if module in ("venv", "virtualenv"):
            path = next((w for w in args[2:] if not w.startswith("-")), None)
            if path is None:
                return NotUnderstood(text, "python -m venv without a directory")
            return VenvCreate(path, "--system-site-packages" in args, words[0], text)
        if module == "ensurepip":
            return Ensurepip(text)
        return None
    if posixpath.basename(args[0]) == "setup.py":
        action = next((w for w in args[1:] if not w.startswith("-")), "")
        return SetupPy(action, args[0], words[0], text)
    if posixpath.basename(args[0]) == "get-pip.py":
        return Ensurepip(text)
    return None


def _pip(args: list[str], program: str, text: str, *, tool: str) -> Event | None:
    if tool == "pip":
        # pip [global options] install ...
        while args and args[0].startswith("-"):
            args = args[1:]
        if not args:
            return None
        if args[0] == "config" and len(args) >= 4 and args[1] == "set":
            return PipConfig(args[2], args[3], text)
        if args[0] == "wheel":  # builds without installing: a builder stage's step whose needs are not planned
            return NotUnderstood(text, "pip wheel builds wheels without installing them: what their builds need is "
                                       "not planned by apkneed check")
        if args[0] != "install":
            return None
    args = args[1:]
    requirements, files, constraints, not_planned = [], [], [], []
    no_binary: list[str] = []
    only_binary: list[str] = []
    flags: set[str] = set()
    i = 0
    while i < len(args):
        word = args[i]
        if word.startswith("-"):
            key, eq, value = word.partition("=")
            if not eq and key in _PIP_VALUE_OPTIONS:
                if i + 1 >= len(args):
                    return NotUnderstood(text, f"{key} without a value")
                value = args[i + 1]
                i += 1
            elif not eq and len(key) > 2 and key[:2] in ("-r", "-c", "-e", "-t", "-i", "-f") and key[1] != "-":
                key, value = key[:2], key[2:]  # pip accepts -rrequirements.txt
            if key in ("-r", "--requirement"):
                files.append(value)
            elif key in ("-c", "--constraint"):
                constraints.append(value)
            elif key in ("-e", "--editable"):
                not_planned.append(f"-e {value}")
            elif key == "--no-binary":
                no_binary += [v for v in value.split(",") if v]
            elif key == "--only-binary":
                only_binary += [v for v in value.split(",") if v]
            else:
                flags.add(key)
            i += 1
            continue
        if _is_local_or_url(word):
            not_planned.append(word)
        else:
            requirements.append(word)
        i += 1
    return PipInstall(
        tool=tool, program=program, requirements=tuple(requirements), files=tuple(files),
        constraint_files=tuple(constraints), not_planned=tuple(not_planned), no_binary=tuple(no_binary),
        only_binary=tuple(only_binary), break_system_packages="--break-system-packages" in flags,
        user="--user" in flags, elsewhere=bool(flags & {"-t", "--target", "--prefix", "--root"}),
        system="--system" in flags, no_cache="--no-cache-dir" in flags or "--no-cache" in flags, text=text,
        local_files=bool(flags & {"-f", "--find-links", "--no-index"}),
        require_hashes="--require-hashes" in flags,
    )


def _is_local_or_url(word: str) -> bool:
    return word in (".", "..") or word.startswith(("./", "../", "/", "~", ".[", "..[")) or is_url_or_archive(word)


def is_url_or_archive(word: str) -> bool:
    """A URL, a VCS or direct reference (``name @ URL``), or a wheel/sdist file: not a directory."""
    return "://" in word or word.startswith("git+") or word.endswith((".whl", ".tar.gz", ".zip", ".tgz")) or " @ " in word


def _git_clone(args: list[str], text: str) -> Event:
    branch = None
    positional: list[str] = []
    i = 0
    while i < len(args):
        word = args[i]
        if word in ("-b", "--branch", "--depth", "-o", "--origin", "--reference", "-c", "--config",
                    "--separate-git-dir", "--shallow-since", "--shallow-exclude", "-j", "--jobs", "--filter"):
            if word in ("-b", "--branch") and i + 1 < len(args):
                branch = args[i + 1]
            i += 2
            continue
        if word.startswith("--branch="):
            branch = word.partition("=")[2]
        elif not word.startswith("-"):
            positional.append(word)
        i += 1
    if not positional:
        return NotUnderstood(text, "git clone without a repository")
    url = positional[0]
    directory = positional[1] if len(positional) > 1 else None
    return GitClone(url, directory, branch, text)
