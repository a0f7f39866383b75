""""Did you mean numpy?" (issue 11, item 10): ``apkneed numpyy`` said only that numpyy does not
exist. The names one typing slip away are asked of the index itself (HEAD on its simple pages)."""

from __future__ import annotations

import json
import os

import pytest
from click.testing import CliRunner

from apkneed.cli import main
from apkneed.python.suggest import MAX_NAME_LENGTH, did_you_mean, typo_candidates


def test_candidates_are_one_slip_away_likeliest_first():
    assert typo_candidates("numpyy")[0] == "numpy"  # a doubled letter
    assert "numpy" in typo_candidates("nupmy")[:4]  # two neighbours swapped
    assert "pyyaml" in typo_candidates("pyyamll")
    assert "numpyy" not in typo_candidates("numpyy")
    candidates = typo_candidates("Sci_Kit-Learn")
    assert all(c == c.lower() and "_" not in c for c in candidates)  # canonical names
    assert typo_candidates("x" * (MAX_NAME_LENGTH + 1)) == []


def test_the_index_answers_which_candidates_exist(httpserver):
    httpserver.expect_request("/simple/numpy/", method="HEAD").respond_with_data("", status=200)
    httpserver.expect_request("/simple/nupy/", method="HEAD").respond_with_data("", status=200)
    httpserver.no_handler_status_code = 404
    index = httpserver.url_for("/simple")
    assert did_you_mean("numpyy", index) == ["numpy"]
    assert did_you_mean("nupmy", index) == ["numpy", "nupy"]  # a swap before a dropped letter
    assert did_you_mean("xqzwv", index) == []


def test_an_unreachable_index_gives_no_suggestion_and_no_error():
    assert did_you_mean("numpyy", "http://127.0.0.1:9/simple") == []


@pytest.mark.network
def test_apkneed_numpyy_suggests_numpy(tmp_path, v316_index_path):
    env = {"APKNEED_CACHE_DIR": str(tmp_path), "PIP_CONFIG_FILE": os.devnull}
    result = CliRunner(env=env).invoke(main, ["numpyy", "--index", str(v316_index_path), "--arch", "x86_64", "--json"])
    assert result.exit_code == 2, result.stderr
    error = json.loads(result.stdout)["error"]
    assert error.startswith("no such project on https://pypi.org/simple: numpyy")
    assert error.endswith("did you mean numpy?")
