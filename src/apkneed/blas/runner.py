"""Running the probe (``probe.py``) in the inspected interpreter: the IO edge.

Each question is one subprocess. Its stdout carries one JSON object per line,
handed to ``on_line`` as soon as it arrives, so a benchmark interrupted with
Ctrl-C still has every point measured so far. A probe killed by a signal
(SIGILL from a core type the CPU lacks, SIGSEGV from a bad library) is
reported with the signal's name, never raised.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Mapping

from apkneed.errors import InputError

PROBE = Path(__file__).with_name("probe.py")

#: how long a probe gets to exit after SIGINT before it is killed
INTERRUPT_GRACE_S = 5.0


@dataclass
class ProbeRun:
    lines: list[dict] = field(default_factory=list)
    returncode: int | None = None
    stderr: str = ""

    @property
    def error(self) -> dict | None:
        """The probe's own ``{"kind": "error", "code", "message"}`` line."""
        for line in self.lines:
            if line.get("kind") == "error":
                return line
        return None

    @property
    def signal_name(self) -> str | None:
        if self.returncode is not None and self.returncode < 0:
            try:
                return signal.Signals(-self.returncode).name
            except ValueError:
                return f"signal {-self.returncode}"
        return None

    @property
    def completed(self) -> bool:
        return any(line.get("kind") == "done" for line in self.lines)

    def of_kind(self, kind: str) -> list[dict]:
        return [line for line in self.lines if line.get("kind") == kind]

    def failure(self) -> str | None:
        """One line saying why the probe did not complete, or None."""
        if self.completed:
            return None
        if self.error:
            return self.error["message"]
        if self.signal_name:
            return f"crashed with {self.signal_name}"
        tail = self.stderr.strip().splitlines()[-1:] or ["no output"]
        if not self.lines:  # not one JSON line: whatever ran may not even be Python
            return f"no probe answer: is it a Python interpreter? (exit status {self.returncode}: {tail[0][:200]})"
        return f"exited with status {self.returncode}: {tail[0][:200]}"


def probe_environment(base: Mapping[str, str], set_vars: Mapping[str, str] | None = None,
                      unset: tuple[str, ...] = ()) -> dict[str, str]:
    env = {k: v for k, v in base.items() if k not in unset}
    env.update(set_vars or {})
    return env


def run_probe(
    python: str,
    request: dict,
    *,
    env: Mapping[str, str] | None = None,
    on_line: Callable[[dict], None] | None = None,
) -> ProbeRun:
    """Run one probe task; raise KeyboardInterrupt after stopping the child."""
    run = ProbeRun()
    argument = json.dumps(request)
    with tempfile.TemporaryFile("w+") as stderr:
        try:
            process = subprocess.Popen(
                [python, str(PROBE), argument],
                stdout=subprocess.PIPE,
                stderr=stderr,
                stdin=subprocess.DEVNULL,
                env=dict(env) if env is not None else None,
                text=True,
            )
        except (FileNotFoundError, PermissionError, NotADirectoryError) as exc:
            raise InputError(f"cannot run the Python interpreter {python}: {exc.strerror or exc}") from None
        except OSError as exc:
            raise InputError(f"cannot run the Python interpreter {python}: {exc}") from None
        try:
            assert process.stdout is not None
            for text in process.stdout:
                try:
                    line = json.loads(text)
                except json.JSONDecodeError:
                    continue  # not ours: the probe keeps its JSON on a clean channel
                if not isinstance(line, dict):
                    continue
                run.lines.append(line)
                if on_line:
                    on_line(line)
            run.returncode = process.wait()
        except KeyboardInterrupt:
            _stop(process)
            raise
        finally:
            if process.poll() is None:
                _stop(process)
        stderr.seek(0)
        # a program that is not Python may echo its arguments ("cannot access '{...}'"):
        # the request is apkneed's plumbing, never part of a message
        run.stderr = stderr.read().replace(argument, "<probe request>")
    return run


def _stop(process: subprocess.Popen) -> None:
    """SIGINT first (the probe exits cleanly), then kill."""
    try:
        process.send_signal(signal.SIGINT)
        process.wait(INTERRUPT_GRACE_S)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    except ProcessLookupError:
        pass


def threadpoolctl_path() -> str:
    """threadpoolctl's file in apkneed's own environment, for the probe."""
    import threadpoolctl

    return os.path.abspath(threadpoolctl.__file__)
