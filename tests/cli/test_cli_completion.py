"""Shell completion, as README.md documents it (issue 11, item 13): the lines it gives
produce a completion script, and that script's protocol completes commands, options and paths."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
APKNEED = str(Path(sys.executable).parent / "apkneed")


def complete(*words: str, tmp_path: Path) -> list[str]:
    env = {**os.environ, "COMP_WORDS": " ".join(["apkneed", *words]), "COMP_CWORD": str(len(words)),
           "_APKNEED_COMPLETE": "bash_complete"}
    done = subprocess.run([APKNEED], env=env, capture_output=True, text=True, cwd=tmp_path, check=True)
    return done.stdout.splitlines()


def test_the_readme_documents_completion_for_bash_zsh_and_fish():
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    for shell in ("bash", "zsh", "fish"):
        assert f"_APKNEED_COMPLETE={shell}_source apkneed" in readme


def test_each_documented_shell_gets_a_script(tmp_path):
    for shell, marker in (("bash", "_apkneed_completion()"), ("zsh", "#compdef apkneed"), ("fish", "complete")):
        env = {**os.environ, "_APKNEED_COMPLETE": f"{shell}_source"}
        done = subprocess.run([APKNEED], env=env, capture_output=True, text=True, check=True)
        assert marker in done.stdout, (shell, done.stdout[:200])


def test_commands_options_and_paths_complete(tmp_path):
    (tmp_path / "APKINDEX.tar.gz").write_bytes(b"")
    assert "plain,plan" in complete("pl", tmp_path=tmp_path)
    assert "plain,--route" in complete("plan", "--ro", tmp_path=tmp_path)
    assert "plain,--mirror" in complete("scan", "--mi", tmp_path=tmp_path)
    assert any(re.fullmatch(r"file,.*", line) for line in complete("plan", "--index", "", tmp_path=tmp_path))
