"""collect never loses an existing dataset's rows, and never hangs, gives up early or takes bad dates.

Offline, like test_dataset_collect.py: the fake yt-dlp client and the local thumbnail server from there."""
from __future__ import annotations

import errno
import sys
import threading
from pathlib import Path

import pytest

from thumbnail_lab.dataset import DatasetError, validate_dataset
from thumbnail_lab.dataset.collect import FAILURES_FILE, JOURNAL_FILE, CollectError, Collector, RetryPolicy, collect
from thumbnail_lab.dataset.importer import import_dataset
from thumbnail_lab.dataset.layout import format_csv, read_csv_rows
from thumbnail_lab.dataset.toy import make_toy_dataset

sys.path.insert(0, str(Path(__file__).parent))
import test_dataset_collect  # noqa: E402
from test_dataset_collect import FAST, FaultyThumbnailServer  # noqa: E402
from test_dataset_collect_fakes import FakeYDL  # noqa: E402

server, offline = test_dataset_collect.server, test_dataset_collect.offline  # the local thumbnail server and the network guard


def _collect(out, ids, server, **kwargs):
    options = dict(ydl_factory=FakeYDL, thumbnail_base=server, workers=2, retry=FAST, collected_at="2024-05-01",
                   sleep=lambda s: None, show_progress=False)
    return collect(out, video_ids=ids, **dict(options, **kwargs))


def _rows(path: Path) -> dict[str, dict]:
    table = read_csv_rows(path, extra_columns="keep")
    return {row[table.header.index("video_id")]: dict(zip(table.header, row)) for row in table.rows}


@pytest.fixture
def imported(tmp_path):
    """An imported dataset with an extra column, i.e. rows the collector never wrote."""
    src = make_toy_dataset(tmp_path / "src", n_videos=5, n_channels=2, seed=1, size=(64, 36))
    text = (src / "metadata.csv").read_text(encoding="utf-8").splitlines()
    text = [text[0] + ",note"] + [line + ",mine" for line in text[1:]]
    (src / "metadata.csv").write_text("\n".join(text) + "\n", encoding="utf-8")
    return import_dataset(src, tmp_path / "dataset", extra_columns="keep", show_progress=False).dest


def test_collect_into_an_existing_dataset_keeps_every_row(imported, server, offline):
    before = _rows(imported / "metadata.csv")
    images_before = {p.name: p.read_bytes() for p in (imported / "images").iterdir()}
    present = next(iter(before))
    FaultyThumbnailServer.hits = {}
    report = _collect(imported, ["okmaxres001", "onlyhq00002", present], server)
    assert (report.collected, report.skipped, report.rows) == (2, 1, len(before) + 2)
    after = _rows(imported / "metadata.csv")
    for vid, row in before.items():  # every earlier row, every value (the extra column too), unchanged
        assert {k: after[vid][k] for k in row} == row
    assert after["okmaxres001"]["note"] == "" and after["okmaxres001"]["collected_at"] == "2024-05-01"
    assert not any(present in path for path in FaultyThumbnailServer.hits)  # nothing asked for the present id
    for name, data in images_before.items():
        assert (imported / "images" / name).read_bytes() == data
    assert validate_dataset(imported, show_progress=False).ok


def test_an_edited_row_is_kept_and_the_conflict_reported(tmp_path, server, offline):
    out = tmp_path / "c"
    _collect(out, ["okmaxres001", "onlyhq00002"], server)
    path = out / "metadata.csv"
    table = read_csv_rows(path)  # the user corrects a title in a spreadsheet
    title_at, id_at = table.header.index("title"), table.header.index("video_id")
    rows = [[("My corrected title" if i == title_at and row[id_at] == "okmaxres001" else v)
             for i, v in enumerate(row)] for row in table.rows]
    path.write_text(format_csv(table.header, rows), encoding="utf-8")
    report = _collect(out, ["okmaxres001", "limited0003"], server)
    after = _rows(path)
    assert after["okmaxres001"]["title"] == "My corrected title" and "limited0003" in after
    assert [c.video_id for c in report.conflicts] == ["okmaxres001"] and "title" in report.conflicts[0].columns
    conflicts = (out / "collect_conflicts.csv").read_text(encoding="utf-8")
    assert "okmaxres001" in conflicts and "My corrected title" in conflicts and "kept" in report.summary()


def test_an_id_differing_only_in_case_is_not_collected_over_another(imported, server, offline):
    present = next(iter(_rows(imported / "metadata.csv")))
    report = _collect(imported, [present.upper()], server)
    assert report.collected == 0 and "letter case" in report.failures[0]["reason"]


@pytest.mark.parametrize("setup, fragment", [("file", "is a file"), ("foreign", "holds no dataset"),
                                             ("torn", "row 3 cannot be read")])
def test_collect_refuses_a_folder_it_could_damage(tmp_path, server, offline, setup, fragment):
    out = tmp_path / "out"
    if setup == "file":
        out.write_text("not a folder")
    elif setup == "foreign":
        out.mkdir()
        (out / "holiday.jpg").write_bytes(b"mine")
    else:
        out.mkdir()
        (out / "metadata.csv").write_text("file_name,video_id,channel_id,title,views,upload_date,duration_s\n"
                                          "images/a.jpg,a,UC1,t,1,2021-01-01,100\nonly,three,fields\n",
                                          encoding="utf-8")
    before = sorted(p.name for p in out.iterdir()) if out.is_dir() else None
    with pytest.raises(DatasetError, match=fragment):
        _collect(out, ["okmaxres001"], server)
    assert (sorted(p.name for p in out.iterdir()) if out.is_dir() else None) == before


@pytest.mark.parametrize("value, fragment", [("2024-13-01", "not a date"), ("yesterday", "not a date"),
                                             ("2999-01-01", "in the future"), ("1850-01-01", "before 1990")])
def test_collected_at_is_validated(tmp_path, value, fragment):
    with pytest.raises(DatasetError, match=f"--collected-at.*{fragment}"):
        Collector(tmp_path / "x", collected_at=value)
    assert Collector(tmp_path / "x", collected_at="20240501").collected_at == "2024-05-01"


def test_cli_bad_collected_at_exits_2(tmp_path, offline, capsys):
    from thumbnail_lab.__main__ import main

    assert main(["collect", "--out", str(tmp_path / "x"), "--video-id", "abc", "--collected-at", "2024-02-30",
                 "--quiet"]) == 2
    assert "--collected-at" in capsys.readouterr().err and not (tmp_path / "x").exists()


def test_falls_back_to_hqdefault_on_403_and_on_a_non_image(tmp_path, server, offline):
    report = _collect(tmp_path / "c", ["forbid00001", "maxhtml0002"], server)
    assert (report.collected, report.failed) == (2, 0)
    meta = validate_dataset(tmp_path / "c", show_progress=False).metadata
    assert set(meta["image_width"]) == {480}  # the always-present hqdefault.jpg


def test_total_timeout_holds_against_a_trickling_server(tmp_path, server):
    policy = RetryPolicy(retries=0, backoff_s=0.001, timeout_s=1.0, total_timeout_s=0.5)
    collector = Collector(tmp_path / "c", thumbnail_base=server, retry=policy, sleep=lambda s: None)
    outcome: list = []

    def fetch():
        try:
            outcome.append(collector.fetch(f"{server}/trickle0001/maxresdefault.jpg"))
        except CollectError as err:
            outcome.append(err)

    worker = threading.Thread(target=fetch, daemon=True)
    worker.start()
    worker.join(timeout=20)  # the server would take over an hour; the collector must stop after ~0.5 s
    assert not worker.is_alive(), "the total timeout was not enforced"
    assert isinstance(outcome[0], CollectError) and "total timeout" in str(outcome[0])


def test_upload_date_in_the_future_is_a_failure_not_a_row(tmp_path, server, offline):
    report = _collect(tmp_path / "c", ["premiere001", "okmaxres001"], server)
    assert report.collected == 1 and "in the future" in report.failures[0]["reason"]


def test_disk_full_stops_collect_with_exit_1_and_resumes(tmp_path, server, offline, monkeypatch, capsys):
    import thumbnail_lab.dataset.collect as collect_module
    from thumbnail_lab.__main__ import main

    monkeypatch.setattr(collect_module, "default_ydl_factory", FakeYDL)
    out = tmp_path / "c"
    argv = ["collect", "--out", str(out), "--video-id", "okmaxres001", "--video-id", "onlyhq00002",
            "--thumbnail-base", server, "--collected-at", "2024-05-01", "--quiet", "--workers", "1"]
    original = collect_module.write_bytes

    def full(path, data):
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr(collect_module, "write_bytes", full)
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert "disk is full" in err and "resumes" in err and "Traceback" not in err
    assert not (out / FAILURES_FILE).exists() or "okmaxres001" not in (out / FAILURES_FILE).read_text()
    monkeypatch.setattr(collect_module, "write_bytes", original)
    assert main(argv) == 0
    assert len(_rows(out / "metadata.csv")) == 2 and (out / JOURNAL_FILE).read_text().count("\n") == 2
