"""The ``rank`` command on a folder of images, and its one-sentence refusals (exit 2)."""
import numpy as np
import pytest
from PIL import Image

from thumbnail_lab.__main__ import main
from thumbnail_lab.choosing import rankers
from thumbnail_lab.popularity.image_models import Regressor, SmallCNN


@pytest.fixture()
def ranker(tmp_path):
    reg = Regressor(SmallCNN(1, width=4).eval(), np.array([3.0]), np.array([1.0]), outputs=["log_views"])
    cal = {"error_sd": 0.1, "p_best": 0.5, "p_best_chance": 0.2, "uplift_share": 0.6, "k": 5, "n_videos": 100}
    return rankers.save_ranker(tmp_path / "ranker.pt", reg, 0, 32, 18, 4, cal)


def _folder(tmp_path, n=3):
    folder = tmp_path / "cands"
    folder.mkdir()
    rng = np.random.default_rng(0)
    for i in range(n):
        Image.fromarray(rng.integers(0, 255, (90, 160, 3), dtype=np.uint8)).save(folder / f"c{i}.jpg")
    return folder


def test_rank_prints_every_image_with_an_interval_and_the_caveat(tmp_path, ranker, capsys):
    assert main(["rank", str(_folder(tmp_path)), "--title", "My video", "--model", str(ranker)]) == 0
    out = capsys.readouterr().out
    assert all(f"c{i}.jpg" in out for i in range(3)) and "caveat" in out and "50%" in out
    assert out.count("[") == 3


@pytest.mark.parametrize("case", ["missing_folder", "empty", "broken", "no_model"])
def test_rank_refuses_bad_input_with_one_sentence(tmp_path, ranker, capsys, case):
    folder, model = tmp_path / "cands", ranker
    if case == "empty":
        folder.mkdir()
    elif case == "broken":
        _folder(tmp_path)
        (folder / "bad.png").write_bytes(b"not an image")
    elif case == "no_model":
        _folder(tmp_path)
        model = tmp_path / "none.pt"
    assert main(["rank", str(folder), "--model", str(model)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and err.count("\n") == 0
    named = {"missing_folder": folder, "empty": folder, "broken": folder / "bad.png", "no_model": model}[case]
    assert str(named) in err
