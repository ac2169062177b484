"""The simulated platform: channels, videos, titles and what each thumbnail shows.

Planning is cheap and vectorised where it matters; it is always done for the whole
dataset from the seed alone, so the metadata never depends on which thumbnails were
already drawn (that is what makes an interrupted generation resumable byte for byte).
"""
from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

import numpy as np

from .compose import ThumbSpec
from .palette import HEADLINE_FONTS, TEXT_COLORS, hsv

#: Interpretable elements with a truth column ``true_<element>`` (0/1), in a fixed order.
ELEMENTS: tuple[str, ...] = (
    "face", "face_smiling", "face_shocked", "face_closeup", "text", "food", "sport_field", "vehicle",
    "animal", "arrow", "money", "indoor", "landscape", "warm_palette", "logo",
)
#: Worlds the generator can build (see ``views.py`` for what differs).
SCENARIOS: tuple[str, ...] = ("default", "null", "single_channel")

#: The day the simulated collector 'scraped' the platform; video ages are counted from it.
COLLECTED_AT = dt.date(2024, 6, 1)
PLATFORM_START = dt.date(2008, 1, 1)
SHORTS_START = dt.date(2021, 1, 1)

TOPICS: tuple[str, ...] = ("challenge", "food", "sport", "vlog", "cars", "pets", "finance", "travel")

# Probability of each object-like element for a video of the topic (before the channel's style).
_TOPIC_ELEMENTS: dict[str, dict[str, float]] = {
    "challenge": {"face": 0.9, "text": 0.75, "food": 0.2, "vehicle": 0.1, "animal": 0.08, "arrow": 0.45, "money": 0.35},
    "food": {"face": 0.6, "text": 0.55, "food": 0.9, "vehicle": 0.03, "animal": 0.05, "arrow": 0.2, "money": 0.08},
    "sport": {"face": 0.3, "text": 0.45, "food": 0.03, "vehicle": 0.05, "animal": 0.03, "arrow": 0.2, "money": 0.05},
    "vlog": {"face": 0.9, "text": 0.55, "food": 0.2, "vehicle": 0.12, "animal": 0.15, "arrow": 0.15, "money": 0.08},
    "cars": {"face": 0.45, "text": 0.55, "food": 0.02, "vehicle": 0.9, "animal": 0.03, "arrow": 0.3, "money": 0.15},
    "pets": {"face": 0.35, "text": 0.45, "food": 0.1, "vehicle": 0.03, "animal": 0.92, "arrow": 0.15, "money": 0.03},
    "finance": {"face": 0.75, "text": 0.8, "food": 0.02, "vehicle": 0.1, "animal": 0.02, "arrow": 0.5, "money": 0.8},
    "travel": {"face": 0.6, "text": 0.45, "food": 0.2, "vehicle": 0.15, "animal": 0.08, "arrow": 0.2, "money": 0.05},
}
# Background weights (studio, indoor, landscape, sport_field) per topic.
_TOPIC_BACKGROUND: dict[str, tuple[float, float, float, float]] = {
    "challenge": (0.5, 0.3, 0.15, 0.05), "food": (0.35, 0.55, 0.1, 0.0), "sport": (0.12, 0.05, 0.08, 0.75),
    "vlog": (0.3, 0.4, 0.3, 0.0), "cars": (0.35, 0.1, 0.5, 0.05), "pets": (0.25, 0.45, 0.3, 0.0),
    "finance": (0.7, 0.25, 0.05, 0.0), "travel": (0.1, 0.1, 0.8, 0.0),
}
BACKGROUND_NAMES = ("studio", "indoor", "landscape", "sport_field")
# Channel styles scale the 'clickbait' elements.
_STYLES: dict[str, dict[str, float]] = {
    "loud": {"face": 1.1, "text": 1.25, "arrow": 1.6, "shocked": 0.45, "smiling": 0.3, "closeup": 0.8},
    "friendly": {"face": 1.0, "text": 1.0, "arrow": 0.8, "shocked": 0.15, "smiling": 0.55, "closeup": 0.65},
    "clean": {"face": 0.8, "text": 0.55, "arrow": 0.3, "shocked": 0.05, "smiling": 0.35, "closeup": 0.5},
}
_LANGUAGES = ("en", "es", "pt", "ru", "ja", "ar", "hi")
_LANGUAGE_P = (0.72, 0.07, 0.04, 0.05, 0.05, 0.03, 0.04)


@dataclass
class Channel:
    """One simulated channel."""

    channel_id: str
    topic: str
    second_topic: str
    style: str
    language: str
    subscribers: int
    quality: float           # the channel's own random effect on log10 views
    start: dt.date
    end: dt.date
    archive: bool
    shorts_rate: float
    logo_rate: float
    warm_rate: float
    font_name: str
    text_color: tuple[int, int, int]
    logo_initials: str
    logo_color: tuple[int, int, int]
    logo_shape: str
    logo_corner: str


_ID_ALPHABET = np.array(list("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"))


def _ids(rng: np.random.Generator, n: int, length: int, prefix: str = "") -> list[str]:
    """``n`` distinct YouTube-style ids."""
    out: list[str] = []
    seen: set[str] = set()
    while len(out) < n:
        for row in rng.integers(0, 64, size=(n - len(out), length)):
            s = prefix + "".join(_ID_ALPHABET[row])
            if s not in seen:
                seen.add(s)
                out.append(s)
    return out


def _date(days: float) -> dt.date:
    return PLATFORM_START + dt.timedelta(days=int(days))


def make_channels(rng: np.random.Generator, n_channels: int, scenario: str) -> list[Channel]:
    """Channels with sizes, topics, styles, languages, logos and active periods."""
    total_days = (COLLECTED_AT - PLATFORM_START).days
    ids = _ids(rng, n_channels, 22, "UC")
    channels = []
    for k in range(n_channels):
        topic = TOPICS[rng.integers(len(TOPICS))]
        archive = topic == "sport" and rng.random() < 0.8  # the confound: old, small sport archives
        if scenario == "single_channel":
            topic, archive = "challenge", False
        log_subs = rng.normal(3.2, 0.5) if archive else rng.normal(4.4, 0.85)
        if scenario == "single_channel":
            log_subs = 6.3
        log_subs = float(np.clip(log_subs, 1.5, 7.5))
        # Big channels have learned the loud style; small ones are mixed.
        p_loud = 0.15 + 0.12 * (log_subs - 3.0)
        style = "loud" if rng.random() < p_loud else ("friendly" if rng.random() < 0.55 else "clean")
        if archive:
            start = float(rng.uniform(0, 5 * 365))
            end = min(total_days - 400, start + float(rng.uniform(2, 6)) * 365)
        elif scenario == "single_channel":
            start, end = float(total_days - 6.4 * 365), float(total_days)
        else:
            start = float(total_days * (1 - rng.beta(1.4, 2.2)))  # more young channels than old ones
            end = float(total_days)
        second = TOPICS[rng.integers(len(TOPICS))]
        lang = _LANGUAGES[rng.choice(len(_LANGUAGES), p=_LANGUAGE_P)] if scenario != "single_channel" else "en"
        channels.append(Channel(
            channel_id=ids[k], topic=topic, second_topic=second, style=style, language=lang,
            subscribers=int(round(10 ** log_subs * rng.uniform(0.8, 1.2))), quality=float(rng.normal(0, 0.18)),
            start=_date(start), end=_date(end), archive=archive,
            shorts_rate=0.0 if archive or scenario == "single_channel" else float(rng.uniform(0.05, 0.45)),
            logo_rate=float(rng.choice([0.05, 0.6, 0.95])), warm_rate=float(rng.beta(2, 2)),
            font_name=HEADLINE_FONTS[rng.integers(len(HEADLINE_FONTS))],
            text_color=TEXT_COLORS[rng.integers(len(TEXT_COLORS))],
            logo_initials="".join(rng.choice(list("ABCDEFGHIJKLMNOPRSTVWZ"), size=2)),
            logo_color=hsv(float(rng.random()), 0.8, 0.75), logo_shape=("circle", "square")[rng.integers(2)],
            logo_corner=("top-left", "top-right", "bottom-left", "bottom-right")[rng.integers(4)],
        ))
    return channels


def n_channels_for(n_videos: int, scenario: str) -> int:
    """How many channels a platform of ``n_videos`` videos has (about 35 videos per channel)."""
    return 1 if scenario == "single_channel" else max(3, int(round(n_videos / 35)))


# --------------------------------------------------------------------------- titles
_HEADLINES: dict[str, tuple[str, ...]] = {
    "challenge": ("NO WAY!", "24 HOURS", "I WON", "LAST ONE WINS", "DON'T LAUGH", "WOW", "IMPOSSIBLE?", "1 VS 100"),
    "food": ("SO GOOD", "SPICY!", "$1 VS $100", "EASY", "5 MIN", "YUM!", "NEVER AGAIN", "BEST BURGER"),
    "sport": ("GOAL!", "TOP 10", "FINAL", "1998", "REMATCH", "HIGHLIGHTS", "WHAT A SAVE", "LEGEND"),
    "vlog": ("MY LIFE", "STORY TIME", "HONEST", "WE MOVED", "DAY 1", "BIG NEWS", "I'M BACK", "VLOG"),
    "cars": ("0-100", "FAST!", "NEW CAR", "V8", "BROKEN?", "RACE!", "TOP 5", "CHEAP CAR"),
    "pets": ("CUTE!", "BAD DOG", "NEW PUPPY", "CAT VS DOG", "SO FUNNY", "RESCUE", "AWW", "HE DID IT"),
    "finance": ("$10,000", "I QUIT", "GET RICH?", "CRASH!", "+300%", "PASSIVE INCOME", "DEBT FREE", "BUY NOW?"),
    "travel": ("PARADISE", "DAY 3", "LOST?", "$10 HOTEL", "JAPAN", "WORTH IT?", "HIDDEN GEM", "ROAD TRIP"),
}
_RU_HEADLINES = ("ВАУ!", "ТОП 10", "ЧЕЛЛЕНДЖ", "НОВОЕ", "ШОК")
_TOPIC_PHRASES: dict[str, tuple[str, ...]] = {
    "challenge": ("Last To Leave The Circle Wins", "I Survived {n} Hours In A Box", "Extreme Hide And Seek",
                  "Trying {n} Viral Challenges", "I Spent {n} Days Without My Phone"),
    "food": ("I Made The Perfect Burger", "Trying {n} Street Foods", "Easy Pasta Recipe",
             "Cooking With Only {n} Ingredients", "Rating Every Fast Food Chain"),
    "sport": ("Classic Match Highlights", "Top {n} Goals Of The Season", "Full Match Replay",
              "Greatest Saves Ever", "Cup Final {y} Extended Highlights"),
    "vlog": ("A Week In My Life", "Moving To A New City", "Morning Routine", "Answering Your Questions",
             "What I Eat In A Day"),
    "cars": ("Driving The Cheapest Car", "{n} Mods That Changed Everything", "Track Day",
             "Buying A Car At Auction", "Is It Worth It After {n} Miles"),
    "pets": ("My Dog Meets A Cat", "Funny Pets Compilation", "Rescue Puppy First Day Home",
             "{n} Things Cats Hate", "Training My Dog"),
    "finance": ("How I Saved {k}", "Investing {k} For A Year", "Passive Income Ideas", "My Budget Explained",
                "{n} Money Mistakes To Avoid"),
    "travel": ("{n} Days In Japan", "The Cheapest Flight Ever", "Hidden Beach Nobody Knows",
               "Travelling With {k}", "Backpacking Alone"),
}
_ELEMENT_PHRASES: dict[str, tuple[str, ...]] = {
    "money": ("for {k}", "and I Won {k}"), "animal": ("with My Dog", "with a Cat"),
    "vehicle": ("in a Supercar", "by Car"), "food": ("and Ate Everything", "with Street Food"),
    "face_shocked": ("(I Was Shocked)", "GONE WRONG"),
}
_CAPS_HOOKS = ("INSANE", "GONE WRONG", "EXPOSED", "NEW", "WORST", "BEST", "REAL", "HUGE")
_EMOJI = ("😱", "🔥", "😂", "💰", "🚗", "🐶", "🍔", "⚽", "✈️", "❤️", "👀", "🤯")
_TOPIC_EMOJI = {"challenge": "😱", "food": "🍔", "sport": "⚽", "vlog": "❤️", "cars": "🚗", "pets": "🐶",
                "finance": "💰", "travel": "✈️"}
_FOREIGN: dict[str, tuple[str, ...]] = {
    "es": ("Probando {n} comidas callejeras", "Un día en mi vida", "Reto de {n} horas", "Mi primer coche",
           "Los mejores goles {y}"),
    "pt": ("Testei {n} receitas fáceis", "Minha rotina", "Desafio de {n} horas", "Viagem incrível"),
    "ru": ("Я попробовал {n} блюд", "Один день из моей жизни", "ЧЕЛЛЕНДЖ {n} часов", "Лучшие голы {y}",
           "Как я купил машину"),
    "ja": ("{n}日間の旅行", "最強のラーメンを食べてみた", "猫と犬の一日", "{n}時間チャレンジ", "新しい車を買いました"),
    "ar": ("تحدي {n} ساعة", "أفضل الأهداف {y}", "يوم في حياتي", "جربت {n} أكلات", "سيارتي الجديدة"),
    "hi": ("{n} घंटे का चैलेंज", "मेरी नई कार", "सबसे अच्छा खाना", "मेरा एक दिन", "टॉप {n} गोल"),
}


def make_title(rng: random.Random, channel: Channel, topic: str, flags: set[str], year: int) -> str:
    """A title from the topic's phrases, the elements shown, and the channel's habits."""
    loud = channel.style == "loud"
    fill = {"n": rng.choice((3, 5, 7, 10, 24, 50, 100, rng.randint(2, 99))), "y": year,
            "k": rng.choice(("$1,000", "$10,000", "$100", "$1,000,000"))}
    if channel.language != "en":
        title = rng.choice(_FOREIGN[channel.language]).format(**fill)
        if rng.random() < 0.35:
            title += f" #{rng.randint(1, 300)}"
        if rng.random() < (0.5 if loud else 0.2):
            title += " " + rng.choice(_EMOJI)
        return title
    phrase = rng.choice(_TOPIC_PHRASES[topic]).format(**fill)
    if not any(ch.isdigit() for ch in phrase) and rng.random() < 0.15:
        phrase = f"{fill['n']} " + phrase if rng.random() < 0.5 else phrase + f" ({year})"
    own = {"food": "food", "pets": "animal", "cars": "vehicle", "finance": "money"}.get(topic)
    extras = [e for e in _ELEMENT_PHRASES if e in flags and e != own]
    if extras and rng.random() < 0.5:
        phrase += " " + rng.choice(_ELEMENT_PHRASES[rng.choice(extras)]).format(**fill)
    if rng.random() < (0.55 if loud else 0.12):
        hook = rng.choice(_CAPS_HOOKS)
        phrase = f"{hook} {phrase}" if rng.random() < 0.5 else f"{phrase} ({hook})"
    if rng.random() < (0.35 if loud else 0.1):
        phrase = phrase.upper()
    if rng.random() < 0.15:
        phrase += "?"
    elif rng.random() < (0.4 if loud else 0.1):
        phrase += "!" * rng.randint(1, 3)
    if rng.random() < (0.55 if loud else 0.18):
        phrase += " " + (_TOPIC_EMOJI[topic] if rng.random() < 0.6 else rng.choice(_EMOJI))
    if rng.random() < 0.3:  # series: the same phrase comes back as episode after episode
        phrase += rng.choice((f" | Part {rng.randint(2, 40)}", f" #{rng.randint(1, 300)}", f" (Ep. {rng.randint(1, 120)})"))
    if channel.archive and rng.random() < 0.5:  # archive channels use long, catalogue-style titles
        phrase += f" | Full Match Archive | Season {year - 1}/{str(year)[-2:]}"
    return phrase


def make_headline(rng: random.Random, channel: Channel, topic: str) -> str:
    """1-3 words of thumbnail text."""
    if channel.language == "ru" and rng.random() < 0.6:
        return rng.choice(_RU_HEADLINES)
    return rng.choice(_HEADLINES[topic])


# --------------------------------------------------------------------------- videos
@dataclass
class Plan:
    """The whole platform before any pixel is drawn."""

    channels: list[Channel]
    rows: list[dict]             # one dict of metadata (no views yet) per video
    specs: list[ThumbSpec]       # how each thumbnail is drawn
    duplicates: dict[str, str]   # re-uploaded video id -> the video whose thumbnail it reuses


def _video_content(rng: random.Random, ch: Channel, topic: str) -> tuple[set[str], str, str]:
    """Which elements a video shows, its background and the face's expression."""
    probs = _TOPIC_ELEMENTS[topic]
    style = _STYLES[ch.style]
    flags: set[str] = set()
    for name, p in probs.items():
        p = min(0.97, p * style.get(name, 1.0))
        if rng.random() < p:
            flags.add(name)
    weights = _TOPIC_BACKGROUND[topic]
    background = rng.choices(BACKGROUND_NAMES, weights=weights)[0]
    if background != "studio":
        flags.add(background)
    expression = "neutral"
    if "face" in flags:
        u = rng.random()
        expression = "shocked" if u < style["shocked"] else "smiling" if u < style["shocked"] + style["smiling"] \
            else "neutral"
        if expression != "neutral":
            flags.add(f"face_{expression}")
        if rng.random() < style["closeup"]:
            flags.add("face_closeup")
    if rng.random() < ch.warm_rate:
        flags.add("warm_palette")
    if rng.random() < ch.logo_rate:
        flags.add("logo")
    return flags, background, expression


def plan_platform(n_videos: int, scenario: str, seed: int) -> Plan:
    """Channels, videos, titles and thumbnail specs for ``n_videos`` videos, from the seed alone.

    The plan does not depend on the scenario's view model: ``default`` and ``null`` share
    every channel, title and pixel; only their views differ.
    """
    world = "single" if scenario == "single_channel" else "multi"
    rng = np.random.default_rng(np.random.SeedSequence([seed, 20240601, 1 if world == "single" else 0]))
    channels = make_channels(rng, n_channels_for(n_videos, scenario), scenario)
    # Videos per channel: cadence (heavy-tailed) times active years; a few channels post rarely.
    active = np.array([max(30, (c.end - c.start).days) for c in channels], dtype=float)
    cadence = rng.lognormal(0.0, 1.0, size=len(channels))
    weights = cadence * active
    owner = rng.choice(len(channels), size=n_videos, p=weights / weights.sum())
    video_ids = _ids(rng, n_videos, 11)
    day_u = rng.random(n_videos)
    rows, specs, duplicates = [], [], {}
    last_of_channel: dict[int, int] = {}
    for i in range(n_videos):
        ch = channels[owner[i]]
        vrng = random.Random(f"thumbworld-plan:{seed}:{world}:{i}")
        span = (ch.end - ch.start).days
        upload = ch.start + dt.timedelta(days=int(day_u[i] * span))
        short = upload >= SHORTS_START and vrng.random() < ch.shorts_rate
        duration = vrng.randint(8, 59) if short else int(min(4 * 3600, max(61, vrng.lognormvariate(6.4, 0.7))))
        if scenario == "single_channel":
            duration = max(duration, 240)
        topic = ch.topic if vrng.random() < 0.8 else ch.second_topic
        if ch.archive:
            topic = "sport"
        flags, background, expression = _video_content(vrng, ch, topic)
        spec = ThumbSpec(
            rng_key=f"thumbworld-draw:{seed}:{world}:{i}", flags=tuple(e for e in ELEMENTS if e in flags),
            background=background, expression=expression, headline=make_headline(vrng, ch, topic),
            font_name=ch.font_name, text_color=ch.text_color, logo_initials=ch.logo_initials,
            logo_color=ch.logo_color, logo_shape=ch.logo_shape, logo_corner=ch.logo_corner)
        title = make_title(vrng, ch, topic, flags, upload.year)
        prev = last_of_channel.get(owner[i])
        if prev is not None and vrng.random() < 0.012 and scenario != "single_channel":
            # A re-upload: the same thumbnail again, sometimes re-compressed (a near duplicate).
            src = specs[prev]
            spec = ThumbSpec(**{**src.__dict__, "quality": 90 if vrng.random() < 0.5 else 70})
            flags = set(spec.flags)
            title = rows[prev]["title"]
            duplicates[video_ids[i]] = video_ids[prev]
        last_of_channel[owner[i]] = i
        specs.append(spec)
        rows.append({
            "file_name": f"images/{video_ids[i]}.jpg", "video_id": video_ids[i], "channel_id": ch.channel_id,
            "title": title, "upload_date": upload.isoformat(), "duration_s": int(duration),
            "channel_subscribers": ch.subscribers, "collected_at": COLLECTED_AT.isoformat() + "T00:00:00Z",
            "_channel": int(owner[i]), "_topic": topic,
            **{f"true_{e}": int(e in flags) for e in ELEMENTS},
        })
    return Plan(channels=channels, rows=rows, specs=specs, duplicates=duplicates)
