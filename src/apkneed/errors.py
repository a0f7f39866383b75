"""The errors apkneed reports to its user.

Every failure a user can cause or meet (bad input, an unsatisfiable request,
an unreachable network, a tampered file) is raised as an :class:`ApkneedError`
with a one-line message that names the problem. The CLI turns it into that
line on stderr (or ``{"error": ...}`` with ``--json``) and the exit status
below. Anything else escaping is a bug in apkneed.

Exit statuses:

* 0  success
* 1  a negative answer: unsatisfiable request, missing libraries found
* 2  bad input or usage
* 3  the environment failed us: network, integrity, a missing tool
"""

from __future__ import annotations


class ApkneedError(Exception):
    """An error with a user-facing, one-line message."""

    exit_code = 2

    def __init__(self, message: str, *, exit_code: int | None = None) -> None:
        # One line, always: a traceback-free message is the contract.
        super().__init__(" ".join(str(message).split("\n")).strip())
        if exit_code is not None:
            self.exit_code = exit_code

    @property
    def message(self) -> str:
        return str(self)


class InputError(ApkneedError):
    """The user gave us something we cannot read or use (exit 2)."""

    exit_code = 2


class UnsatisfiableError(ApkneedError):
    """The question has a well-defined negative answer (exit 1)."""

    exit_code = 1


class EnvironmentFailure(ApkneedError):
    """Network, tool or filesystem trouble outside the user's input (exit 3)."""

    exit_code = 3


class IntegrityError(EnvironmentFailure):
    """A signature or hash did not match: the data is refused (exit 3)."""
