"""The generated discussion follows the numbers it is given."""
from thumbnail_lab.generative.narrative import ablation_verdict, comparison_verdict

BASE = {"fd": 10.0, "kid": 0.5, "precision": 0.5, "recall": 0.4, "coverage": 0.8, "diversity_ratio": 0.9}


def test_ablation_verdict_names_collapse_only_when_measured():
    collapsed = {**BASE, "diversity_ratio": 0.2, "coverage": 0.3, "fd": 30.0}
    text = ablation_verdict(BASE, collapsed)
    assert "collapsed" in text and "fewer" in text and "worse" in text
    text = ablation_verdict(BASE, {**BASE, "diversity_ratio": 1.0, "fd": 5.0})
    assert "did not lose diversity" in text and "better" in text


def test_comparison_verdict_picks_the_winner_and_reports_copies():
    better = {**BASE, "fd": 2.0, "kid": 0.1}
    text = comparison_verdict(BASE, better, copy_share_gan=0.0, copy_share_diffusion=0.05)
    assert text.startswith("On this run the diffusion model") and "5.0 times as far" in text
    assert "5% of the diffusion model's samples" in text and "No GAN sample" in text
    text = comparison_verdict(better, BASE, 0.0, 0.0)
    assert text.startswith("On this run the GAN") and "autoencoder" not in text
    text = comparison_verdict(BASE, better, 0.0, 0.0, decoder_ceiling={"fd": 1.5, "kid": 0.05})
    assert "distance of 1.50 (KID 0.050), 75% of the diffusion model's: its decoder's blur alone sets" in text
