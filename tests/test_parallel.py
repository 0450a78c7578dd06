"""Areas run in parallel (local processes, Dask) give the same results as one after another."""

from __future__ import annotations

import importlib.util
import json

import pytest

from islandcare.cli import main


def _summary(folder, key):
    data = json.loads((folder / key / "summary.json").read_text(encoding="utf-8"))
    data.pop("generated", None)
    return data


@pytest.fixture(scope="module")
def serial(tmp_path_factory):
    out = tmp_path_factory.mktemp("serial")
    assert main(["run", "--area", "shengsi", "--out", str(out), "-q"]) == 0
    return out


def test_workers_run_areas_in_processes(tmp_path, serial):
    assert main(["run", "--area", "shengsi,putuo", "--workers", "2", "--out", str(tmp_path), "-q"]) == 0
    assert _summary(tmp_path, "shengsi") == _summary(serial, "shengsi")
    assert (tmp_path / "putuo" / "places.csv").exists()
    index = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert "shengsi" in index and "putuo" in index


def test_workers_must_be_a_positive_count(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["run", "--area", "shengsi", "--workers", "0"])
    assert exc.value.code == 2
    assert "whole number of processes" in capsys.readouterr().err


@pytest.mark.skipif(importlib.util.find_spec("distributed") is None,
                    reason="Dask distributed not installed (pip install islandcare[dask])")
def test_dask_runs_two_areas_on_a_local_cluster(tmp_path, serial):
    from distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        code = main(["run", "--area", "shengsi,putuo", "--dask", cluster.scheduler_address,
                     "--out", str(tmp_path), "-q"])
    assert code == 0
    assert _summary(tmp_path, "shengsi") == _summary(serial, "shengsi")
    assert (tmp_path / "putuo" / "summary.json").exists()
