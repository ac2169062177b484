"""PosterWorld's platform: channels, titles, which elements each poster shows, and views.

The view model is ThumbWorld's in miniature, with effects of its own:

    log10(views) = channel + age + sum_e effect_e * element_e + noise

Two content elements raise views (``person``, ``rocket``), a background colour and a texture
lower them (``teal_background``, ``stripes``), two small effects (``badge``, ``caption``) and
two elements with none (``chart``, ``border``). Elements are drawn independently of each other
and of the channel, so a correct analysis recovers every sign without adjusting for anything.
"""
from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .draw import CAPTION_FONTS, PosterSpec

#: PosterWorld's elements, with a ``true_<element>`` column each, in a fixed order.
ELEMENTS: tuple[str, ...] = ("person", "rocket", "chart", "badge", "caption", "border", "teal_background", "stripes")
#: Planted effects on log10 views.
ELEMENT_EFFECTS: dict[str, float] = {"person": 0.15, "rocket": 0.12, "chart": 0.0, "badge": 0.04, "caption": 0.05,
                                     "border": 0.0, "teal_background": -0.12, "stripes": -0.10}
#: How often each element appears.
ELEMENT_RATES: dict[str, float] = {"person": 0.45, "rocket": 0.3, "chart": 0.3, "badge": 0.3, "caption": 0.55,
                                   "border": 0.25, "teal_background": 0.25, "stripes": 0.3}
NOISE_SD = 0.3
INTERCEPT, SUBS_SLOPE, QUALITY_SD = 3.2, 0.5, 0.15
COLLECTED_AT = dt.date(2024, 6, 1)
START = dt.date(2016, 1, 1)

_SUBJECTS = ("Design", "Startup", "Space", "Science", "Career", "Study", "Budget", "Coding", "Marketing", "Planning")
_TEMPLATES = ("{n} {s} Tips Nobody Tells You", "The {s} Guide For Beginners", "Why {s} Is Changing",
              "My {s} Workflow In {n} Steps", "{s} Explained In {n} Minutes", "Is {s} Worth It?",
              "What I Learned From {n} Years Of {s}", "{s}: The Honest Truth")
_CAPTIONS = ("LEARN FAST", "STEP BY STEP", "THE PLAN", "DAY ONE", "BIG IDEA", "HOW TO", "FULL GUIDE", "EXPLAINED")
_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


@dataclass
class PosterPlan:
    """The table (without views), the drawing specs and the channels' effects."""

    rows: list[dict]
    specs: list[PosterSpec]
    channel_quality: dict[str, float]


def _id(rng: random.Random, n: int, prefix: str = "") -> str:
    return prefix + "".join(rng.choice(_ALPHABET) for _ in range(n))


def plan_posters(n_videos: int, seed: int) -> PosterPlan:
    """Channels, titles, flags and specs for ``n_videos`` posters, from the seed alone."""
    rng = random.Random(f"posterworld-plan:{seed}")
    n_channels = max(3, round(n_videos / 30))
    channels = []
    for _ in range(n_channels):
        channels.append({"channel_id": _id(rng, 22, "PC"), "log_subs": min(7.0, max(2.5, rng.gauss(4.5, 0.7))),
                         "quality": rng.gauss(0.0, QUALITY_SD), "font": rng.choice(CAPTION_FONTS),
                         "hue": rng.random(), "start": rng.uniform(0, 6 * 365)})
    rows, specs, seen = [], [], set()
    total_days = (COLLECTED_AT - START).days
    for i in range(n_videos):
        ch = channels[rng.randrange(n_channels)]
        vid = _id(rng, 11)
        while vid in seen:
            vid = _id(rng, 11)
        seen.add(vid)
        flags = tuple(e for e in ELEMENTS if rng.random() < ELEMENT_RATES[e])
        upload = START + dt.timedelta(days=int(rng.uniform(ch["start"], total_days - 1)))
        title = rng.choice(_TEMPLATES).format(n=rng.choice((3, 5, 7, 10, 12)), s=rng.choice(_SUBJECTS))
        specs.append(PosterSpec(rng_key=f"posterworld-draw:{seed}:{i}", flags=flags, caption=rng.choice(_CAPTIONS),
                                font_name=ch["font"], accent_hue=ch["hue"]))
        rows.append({"file_name": f"images/{vid}.jpg", "video_id": vid, "channel_id": ch["channel_id"],
                     "title": title, "upload_date": upload.isoformat(), "duration_s": rng.randint(120, 2400),
                     "channel_subscribers": int(round(10 ** ch["log_subs"])),
                     "collected_at": COLLECTED_AT.isoformat() + "T00:00:00Z",
                     **{f"true_{e}": int(e in flags) for e in ELEMENTS}})
    return PosterPlan(rows, specs, {c["channel_id"]: c["quality"] for c in channels})


def simulate_views(plan: PosterPlan, seed: int) -> tuple[pd.DataFrame, dict]:
    """The metadata table with views and truth columns, and the truth file's content."""
    df = pd.DataFrame(plan.rows)
    rng = np.random.default_rng(np.random.SeedSequence([seed, 31]))
    channel = (INTERCEPT + SUBS_SLOPE * (np.log10(df["channel_subscribers"].to_numpy(float)) - 4.0)
               + df["channel_id"].map(plan.channel_quality).to_numpy(float))
    age_days = (pd.Timestamp(COLLECTED_AT) - pd.to_datetime(df["upload_date"])).dt.days.to_numpy(float)
    age = 0.8 * (1 - np.exp(-age_days / 60.0))
    content = sum(ELEMENT_EFFECTS[e] * df[f"true_{e}"].to_numpy(float) for e in ELEMENTS)
    noise = rng.normal(0.0, NOISE_SD, len(df))
    mean = channel + age + content
    df.insert(df.columns.get_loc("upload_date"), "views", np.floor(10 ** (mean + noise)).astype(np.int64))
    df["true_content_effect"] = content
    df["true_log_views_mean"] = mean
    truth = {"generator": "posterworld", "seed": seed, "n_videos": len(df), "elements": list(ELEMENTS),
             "element_effects": dict(ELEMENT_EFFECTS), "element_rates": dict(ELEMENT_RATES), "interactions": {},
             "title_effects": {}, "noise_sd": NOISE_SD,
             "channel_model": {"intercept": INTERCEPT, "subs_slope": SUBS_SLOPE, "quality_sd": QUALITY_SD},
             "age_model": {"formula": "0.8 * (1 - exp(-age_days / 60))", "collected_at": COLLECTED_AT.isoformat()},
             "planted": {"positive": ["person", "rocket"], "negative": ["teal_background", "stripes"]}}
    return df, truth
