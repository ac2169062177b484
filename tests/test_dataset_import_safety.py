"""import never loses or leaks data: --overwrite, destinations, killed runs, full disks, exit codes."""
from __future__ import annotations

import errno
import fcntl
import os
import pathlib
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from thumbnail_lab.__main__ import main
from thumbnail_lab.dataset import DatasetError, validate_dataset
from thumbnail_lab.dataset.importer import import_dataset
from thumbnail_lab.dataset.toy import make_toy_dataset

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def roots(tmp_path, monkeypatch):
    monkeypatch.setenv("THUMBNAIL_LAB_DATA", str(tmp_path / "data"))
    monkeypatch.setenv("THUMBNAIL_LAB_ARTIFACTS", str(tmp_path / "artifacts"))
    return tmp_path


@pytest.fixture
def src(roots):
    return make_toy_dataset(roots / "src", n_videos=6, n_channels=2, seed=3, size=(64, 36))


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


# ----- --overwrite refuses what is not a dataset ----------------------------------------------------------

def test_overwrite_refuses_a_folder_that_is_not_a_dataset(roots, src):
    victim = roots / "documents"
    victim.mkdir()
    (victim / "thesis.docx").write_bytes(b"years of work")
    with pytest.raises(DatasetError, match="not a dataset"):
        import_dataset(src, victim, overwrite=True, show_progress=False)
    assert _files(victim) == {"thesis.docx": b"years of work"}


def test_overwrite_refuses_a_dataset_holding_other_files(roots, src):
    dest = import_dataset(src, roots / "data" / "mine", show_progress=False).dest
    (dest / "my_notes.txt").write_text("keep me")
    (dest / "images" / "original_photo.png").write_bytes(b"not in metadata.csv")
    before = _files(dest)
    with pytest.raises(DatasetError, match="my_notes.txt.*not part of the dataset"):
        import_dataset(src, dest, overwrite=True, show_progress=False)
    assert _files(dest) == before


def test_overwrite_replaces_a_dataset_and_reimport_without_it_is_refused(roots, src):
    dest = import_dataset(src, roots / "data" / "mine", show_progress=False).dest
    with pytest.raises(DatasetError, match="already exists.*--overwrite"):
        import_dataset(src, dest, show_progress=False)
    again = import_dataset(src, dest, overwrite=True, show_progress=False)
    assert validate_dataset(again.dest, show_progress=False).ok
    assert sorted(p.name for p in dest.parent.iterdir()) == ["mine"]


# ----- destinations ---------------------------------------------------------------------------------------

def test_dest_inside_the_source_is_refused_and_the_source_untouched(roots, src):
    before = _files(src)
    with pytest.raises(DatasetError, match="inside the source folder"):
        import_dataset(src, src / "out", show_progress=False)
    assert _files(src) == before and sorted(p.name for p in src.iterdir()) == ["images", "metadata.csv"]


def test_dest_that_is_a_file_is_bad_input(roots, src, capsys):
    target = roots / "a_file"
    target.write_text("x")
    assert main(["import", str(src), "--dest", str(target), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "is a file" in err and "Traceback" not in err and err.count("\n") == 1
    assert target.read_text() == "x"


# ----- system failures: exit 1, one sentence, nothing half-written --------------------------------------------

def _inject(monkeypatch, method: str, code: int, under: Path) -> None:
    """Make ``Path.<method>`` fail with ``code`` for paths under ``under`` (a full or read-only disk)."""
    original = getattr(pathlib.Path, method)

    def failing(self, *args, **kwargs):
        if str(self).startswith(str(under)):
            raise OSError(code, os.strerror(code), str(self))
        return original(self, *args, **kwargs)

    monkeypatch.setattr(pathlib.Path, method, failing)


def test_disk_full_is_a_system_failure_with_one_sentence(roots, src, monkeypatch, capsys):
    _inject(monkeypatch, "write_bytes", errno.ENOSPC, roots / "data")
    assert main(["import", str(src), "--name", "full", "--quiet"]) == 1
    err = capsys.readouterr().err
    assert "disk is full" in err and "starts over" in err and "Traceback" not in err and err.count("\n") == 1
    assert not (roots / "data").exists() or list((roots / "data").iterdir()) == []  # no staging left behind


def test_read_only_destination_is_a_system_failure(roots, src, monkeypatch, capsys):
    _inject(monkeypatch, "mkdir", errno.EROFS, roots / "ro")
    assert main(["import", str(src), "--dest", str(roots / "ro" / "mine"), "--quiet"]) == 1
    err = capsys.readouterr().err
    assert "read-only" in err and str(roots / "ro") in err and "Traceback" not in err


def test_debug_shows_the_traceback(roots, src, monkeypatch):
    _inject(monkeypatch, "write_bytes", errno.ENOSPC, roots / "data")
    from thumbnail_lab.dataset.layout import DatasetSystemError

    with pytest.raises(DatasetSystemError, match="disk is full"):  # raised, so Python prints the traceback
        main(["--debug", "import", str(src), "--name", "full", "--quiet"])
    with pytest.raises(DatasetSystemError):
        main(["import", str(src), "--name", "full", "--quiet", "--debug"])


def test_unexpected_error_has_no_traceback(roots, src, monkeypatch, capsys):
    import thumbnail_lab.dataset.importer as importer

    def broken(*args, **kwargs):
        raise ZeroDivisionError("boom")

    monkeypatch.setattr(importer, "import_dataset", broken)
    assert main(["import", str(src), "--quiet"]) == 1
    err = capsys.readouterr().err
    assert "internal error" in err and "--debug" in err and "Traceback" not in err


def test_interrupted_import_says_it_starts_over(roots, src, monkeypatch, capsys):
    import thumbnail_lab.dataset.importer as importer

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(importer, "import_dataset", interrupted)
    assert main(["import", str(src), "--quiet"]) == 130
    err = capsys.readouterr().err
    assert "does not resume" in err and "from the start" in err


# ----- killed runs ----------------------------------------------------------------------------------------

def test_staging_folder_of_a_killed_run_is_removed_by_the_next(roots, src):
    data = roots / "data"
    stale = data / ".mine.partial-99999"
    (stale / "images").mkdir(parents=True)
    (stale / "images" / "half.jpg").write_bytes(b"\xff\xd8")
    live = data / ".mine.partial-88888"  # a run still going on: its lock is held, so it is left alone
    live.mkdir()
    lock = open(data / ".mine.partial-88888.lock", "w")
    fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
    try:
        result = import_dataset(src, name="mine", show_progress=False)
    finally:
        lock.close()
    assert not stale.exists() and live.is_dir()
    assert any("staging folder of an interrupted import" in note for note in result.cleaned)
    assert "removed .mine.partial-99999" in result.summary()


DRIVER = """
import sys, time
import thumbnail_lab.dataset.importer as importer
original = importer.write_bytes
def slow(path, data):
    time.sleep(0.03)
    original(path, data)
importer.write_bytes = slow
importer.import_dataset(sys.argv[1], sys.argv[2], show_progress=False)
"""


def test_sigkill_during_import_then_rerun(roots):
    source = make_toy_dataset(roots / "big", n_videos=60, n_channels=3, seed=4, size=(64, 36))
    reference = import_dataset(source, roots / "reference", show_progress=False).dest
    dest = roots / "data" / "killed"
    script = roots / "driver.py"
    script.write_text(DRIVER, encoding="utf-8")
    victim = subprocess.Popen([sys.executable, str(script), str(source), str(dest)], cwd=REPO,
                              env=dict(os.environ, PYTHONPATH=str(REPO)), stderr=subprocess.PIPE)
    staging = roots / "data" / f".killed.partial-{victim.pid}"
    deadline = time.time() + 30
    while time.time() < deadline and len(list((staging / "images").glob("*.jpg"))) < 10:
        time.sleep(0.01)
    victim.send_signal(signal.SIGKILL)
    victim.wait(timeout=10)
    assert staging.is_dir() and not dest.exists(), "the kill must land mid-import"

    result = import_dataset(source, dest, show_progress=False)  # the re-run starts over and cleans up
    assert not staging.exists() and sorted(p.name for p in (roots / "data").iterdir()) == ["killed"]
    assert any("interrupted import" in note for note in result.cleaned)
    assert _files(dest).keys() == _files(reference).keys()
    for name, data in _files(reference).items():
        if name != "import_report.json":  # it names the destination
            assert _files(dest)[name] == data, name


# ----- the importer's own output always validates, and its reports stay whole ---------------------------------

def test_an_id_with_a_trailing_newline_cannot_collide_in_the_output(roots, src):
    text = (src / "metadata.csv").read_text(encoding="utf-8").splitlines()
    first = text[1].split(",")
    (src / "images" / "twin.jpg").write_bytes((src / first[0]).read_bytes())
    twin = ",".join(["images/twin.jpg", f'"{first[1]}\n"'] + first[2:])  # the same id, a line break after it
    (src / "metadata.csv").write_text("\n".join(text + [twin]) + "\n", encoding="utf-8")
    result = import_dataset(src, name="twins", show_progress=False)
    assert list(result.rejections["column"]) == ["video_id"]
    assert "may only contain" in result.rejections["reason"].iat[0]
    check = validate_dataset(result.dest, extra_columns="error", show_progress=False)
    assert check.ok and len(check.metadata) == 6


def test_a_carriage_return_in_a_file_name_does_not_tear_rejections_csv(roots, src):
    import pandas as pd

    (src / "images" / "bad\rname.jpg").write_bytes(b"\xff\xd8\xff\xe0 truncated")
    with open(src / "metadata.csv", "a", encoding="utf-8", newline="") as fh:
        fh.write('"images/bad\rname.jpg",badname,UC1,"a\rtitle",10,2021-01-01,100,5,2024-06-01\n')
    result = import_dataset(src, name="torn", show_progress=False)
    saved = pd.read_csv(result.dest / "rejections.csv", dtype=str, keep_default_na=False)
    assert len(result.rejections) == 1 and len(saved) == 1 and saved["row"].iat[0] == "8"
