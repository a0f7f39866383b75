"""The simple commands of a ``RUN`` line, as ``/bin/sh -c`` would run them.

A RUN line is a POSIX shell script. The standard library's :mod:`shlex`
(POSIX mode, ``punctuation_chars``) tokenises it the way the shell does:
quotes, escapes, and the operators ``&&``, ``||``, ``;``, ``|``, ``&`` and
redirections as tokens of their own. That is all ``apkneed check`` needs: it
looks for a handful of commands (``apk``, ``pip``, ``python -m venv``,
``setup.py``, ``git clone``...), never evaluates a script. A full bash
parser (``bashlex``) was considered and not taken: its last release reads
bash, not busybox ``sh``, and what it adds (loops, functions, arithmetic) is
exactly what check must NOT pretend to follow.

Rules:

* commands are split at ``&&``, ``||``, ``;``, ``|``, ``&`` and newlines;
  ``set -e``/``set -x`` and the like change nothing here;
* the reserved words ``if then else elif do`` before a command are dropped
  (the command is still seen: it may run); ``fi done esac`` end nothing we
  track; ``for``/``while``/``until``/``case`` headers, functions, subshell
  parentheses and braces make the segment *opaque*;
* ``VAR=value cmd`` prefixes are kept apart (``PIP_BREAK_SYSTEM_PACKAGES=1 pip ...``);
* ``$NAME`` in a word is replaced from the RUN's environment (ARG/ENV);
  a word with ``$(...)``, backticks, or a variable without a value is marked
  unresolved, and a command that needs such a word is "not understood".

API::

    split_commands(script, environment) -> list[SimpleCommand]
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from typing import Mapping

SEPARATORS = frozenset({"&&", "||", ";", "|", "&", ";;", "\n"})
_PREFIX_WORDS = frozenset({"if", "then", "else", "elif", "do", "!", "exec", "command", "time", "nohup"})
_END_WORDS = frozenset({"fi", "done", "esac", "}"})
_OPAQUE_WORDS = frozenset({"for", "while", "until", "case", "function", "(", ")", "{", "select"})
_REDIRECTS = frozenset({">", ">>", "<", ">&", "<&", "&>", "2>", ">|", "<>"})
_ASSIGNMENT_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")
_VAR_RE = re.compile(r"\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))")


@dataclass(frozen=True)
class SimpleCommand:
    words: tuple[str, ...]
    assignments: tuple[tuple[str, str], ...] = ()
    #: words that hold a value the build alone knows ($(...), `...`, $UNSET)
    unresolved: tuple[str, ...] = ()
    #: inside a loop, function or subshell this reader does not follow
    opaque: bool = False
    text: str = ""

    @property
    def program(self) -> str:
        return self.words[0] if self.words else ""


def split_commands(script: str, environment: Mapping[str, str] | None = None) -> list[SimpleCommand]:
    """Raises ValueError when the quoting does not close (the caller reports "not understood")."""
    environment = environment or {}
    # A comment line inside a continued RUN is dropped by BuildKit already;
    # backslash-newline left by exec-form strings joins lines as the shell does.
    script = _drop_comments(script.replace("\\\n", " "))
    # Parameters with a value expand before word splitting, as in the shell: an unquoted
    # $BUILD holding "gcc musl-dev" is two words, "$BUILD" one.
    script = _substitute_known(script, environment)
    lexer = shlex.shlex(script, posix=True, punctuation_chars=";&|()<>")
    lexer.whitespace = " \t\r"  # newlines separate commands
    lexer.wordchars += "$`{}[]@%+,:=^~!*?#"
    lexer.commenters = ""
    tokens = _merge_substitutions(list(_tokens(lexer, script)))
    commands: list[SimpleCommand] = []
    current: list[str] = []
    depth = 0  # inside for/while/case/(...)
    for token in tokens + ["\n"]:
        if token in SEPARATORS:
            if current:
                commands.append(_command(current, environment, opaque=depth > 0))
                if current[0] in ("for", "while", "until", "case", "select"):
                    depth += 1
            current = []
            continue
        if not current and token in _END_WORDS:
            if token in ("done", "esac") and depth:
                depth -= 1
            continue
        if not current and token in _PREFIX_WORDS:
            continue
        if token in ("(", "{") and not current:
            depth += 1
            continue
        if token in (")", "}") and depth:
            if current:
                commands.append(_command(current, environment, opaque=True))
                current = []
            depth -= 1
            continue
        current.append(token)
    return commands


def _tokens(lexer: shlex.shlex, script: str):
    # shlex reports an unclosed quote as ValueError("No closing quotation"): let it propagate.
    while True:
        token = lexer.get_token()
        if token is None or token == lexer.eof:
            return
        # punctuation_chars groups runs like ";;" or "&&" or ">>"; "2>" arrives as "2" then ">"
        yield token


#: what may come right before a '#' that begins a comment: the start of a token
_TOKEN_STARTS = frozenset(" \t\r\n;&|()<>")


def _drop_comments(script: str) -> str:
    """The script without its comments: an unquoted ``#`` that starts a word runs to the end of its
    line (POSIX shell, token recognition). ``#`` inside a word (``pkg#egg=x``) or quoted is kept;
    so is one a variable's value brings (expansion comes after), as this runs before it."""
    out: list[str] = []
    i, quote, token_start = 0, None, True
    while i < len(script):
        char = script[i]
        if char == "\\" and quote != "'":  # an escaped character (a space too) is part of a word
            out.append(script[i:i + 2])
            i, token_start = i + 2, False
            continue
        if char == "#" and quote is None and token_start:
            end = script.find("\n", i)
            i = len(script) if end < 0 else end  # the newline stays: it still ends the command
            continue
        if char in "'\"" and quote in (None, char):
            quote = None if quote == char else char
        token_start = quote is None and char in _TOKEN_STARTS
        out.append(char)
        i += 1
    return "".join(out)


def _substitute_known(script: str, environment: Mapping[str, str]) -> str:
    """``$NAME``/``${NAME}`` with a value in ``environment`` replaced, outside single quotes."""
    out: list[str] = []
    i, quote = 0, None
    while i < len(script):
        char = script[i]
        if char == "\\" and quote != "'":
            out.append(script[i:i + 2])
            i += 2
            continue
        if char in "'\"" and quote in (None, char):
            quote = None if quote == char else char
        elif char == "$" and quote != "'":
            match = _VAR_RE.match(script, i)
            if match:
                name = match.group(1) or match.group(2)
                if name in environment:
                    out.append(environment[name])
                    i = match.end()
                    continue
        out.append(char)
        i += 1
    return "".join(out)


def _merge_substitutions(tokens: list[str]) -> list[str]:
    """``$`` ``(`` ... ``)`` back into one word ``$(...)`` (shlex splits it at the parenthesis)."""
    merged: list[str] = []
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token.endswith("$") and i + 1 < len(tokens) and tokens[i + 1].startswith("("):
            depth, j, parts = 0, i + 1, [token]
            while j < len(tokens):
                depth += tokens[j].count("(") - tokens[j].count(")")
                parts.append(tokens[j])
                j += 1
                if depth <= 0:
                    break
            merged.append(" ".join(parts).replace("$ (", "$("))
            i = j
            continue
        merged.append(token)
        i += 1
    return merged


def _command(tokens: list[str], environment: Mapping[str, str], *, opaque: bool) -> SimpleCommand:
    words: list[str] = []
    assignments: list[tuple[str, str]] = []
    unresolved: list[str] = []
    skip_next = False
    local = dict(environment)
    for index, token in enumerate(tokens):
        if skip_next:
            skip_next = False
            continue
        if token in _REDIRECTS or (token.endswith(">") and token[:-1].isdigit()):
            skip_next = True
            continue
        if token.isdigit() and index + 1 < len(tokens) and tokens[index + 1] in _REDIRECTS:
            continue  # "2" of "2>/dev/null"
        if not words and _ASSIGNMENT_RE.match(token):
            key, _, value = token.partition("=")
            value, bad = _expand(value, local)
            assignments.append((key, value))
            local[key] = value
            continue
        value, bad = _expand(token, local)
        if bad:
            unresolved.append(token)
        words.append(value)
    if words and words[0] in _OPAQUE_WORDS:
        opaque = True
    return SimpleCommand(tuple(words), tuple(assignments), tuple(unresolved), opaque, " ".join(tokens))


def _expand(word: str, environment: Mapping[str, str]) -> tuple[str, bool]:
    if "`" in word or "$(" in word:
        return word, True
    bad = False

    def value(match: re.Match) -> str:
        nonlocal bad
        name = match.group(1) or match.group(2)
        if name not in environment:
            bad = True
        # a known name was expanded before splitting (_substitute_known); one still here
        # was single-quoted: a literal "$NAME"
        return match.group(0)

    expanded = _VAR_RE.sub(value, word)
    if "$" in expanded.replace("$$", "") and not bad:
        bad = "${" in expanded  # ${VAR:-x} and friends: left to the shell
    return expanded, bad
