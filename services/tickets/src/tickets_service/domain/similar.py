"""Similar open tickets: the same problem reported twice, told by its words and its place.

Words: a ticket's subject, description and address, accents folded, Spanish stop words dropped,
each word stemmed (Snowball's Spanish stemmer): "luminarias apagadas" and "luminaria apagada"
are the same stems. Words every report of this trade uses ("luz", "poste", "falla") weigh
little; the rest (street names, landmarks, the kind of failure) say which problem it is.

Place: coordinates within the configured radius, or the same normalised address; coordinates
far apart say two reports are about different things whatever their words.

Meaning: when the assistant's OpenAI key is configured, each ticket's text is also embedded
(`text-embedding-3-small`, by the ai-tools service) and two reports whose embeddings are close
enough (cosine) are alike even in different words; offline, words and place alone.

A ticket stores its stems, its geo cell and its address key while it is open (nothing once
resolved or closed), each indexed: the candidates of a new ticket are read from those indexes,
never by walking the open tickets.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

import snowballstemmer

from tickets_service.domain.search import normalise
from uts_shared.contracts.config import SimilarTickets

_WORD = re.compile(r"[a-z0-9]+")


def _listed(text: str) -> frozenset[str]:
    return frozenset(text.split())


# fmt: off
STOP = _listed("""
a al algo algun alguna alguno ante antes aqui asi aun bien cada casi como con contra cual
cuando de del desde donde dos el ella ellas ellos en entre era es esa ese eso esta estaba
estan estas este esto estos fue ha hace hacen han hasta hay la las le les lo los mas me mi
mis mucho muy nada ni no nos nosotros o otra otro para pero poco por porque que quien se
sea ser si sin sobre son su sus tambien te tiene tienen todo todos tu un una uno unos y ya
yo favor hola buenas buenos dias tardes noches gracias usted ustedes ayuda apoyo
ayer hoy anoche manana semana rato horas hora mismo misma toda todas
""")
GENERIC_WORDS = _listed("""
luz luces poste postes lampara lamparas luminaria luminarias foco focos falla fallas
reporte reportar reporto problema calle colonia servicio funciona funcionan sirve
electrico electrica energia frente cerca esquina casa numero lado zona cuadra cuadras
banqueta noche noches semana lleva llevamos van dias rato constante molesta mucho bien
peligro peligroso miedo parece pasan pasa ninos queda quedo sigue siempre todavia altura
afuera junto enfrente entrada despues lluvia viento dano danado hizo echa aventaron piedra
punto casi tocando muy todo toda todos hace desde parece
""")
KIND_WORDS: dict[str, frozenset[str]] = {
    "dark": _listed("""apagada apagado apagadas apagados oscuro oscura oscurisimo enciende
        encienden prende prenden fundido fundio alumbra alumbrado"""),
    "flicker": _listed("""parpadea parpadeando parpadeo intermitente"""),
    "cable": _listed("""cable cables cableado caido caidos tirado tirados colgando cuelga
        suelo piso"""),
    "leaning": _listed("""inclinado inclinada chueco caer caerse ladeo doblado pegaron"""),
    "daylight": _listed("""encendida encendido prendida prendido dia"""),
    "solar": _listed("""panel paneles solar quebro quebrado roto rota estrellado vidrios"""),
    "transformer": _listed("""transformador trono exploto explosion humo"""),
}
"""The kinds of fault a lighting utility is told of, by the words that name them: two reports
naming only different kinds are never the same problem (a cable down and a dark lamp on one
street are two jobs)."""
# fmt: on
GENERIC_WEIGHT = 0.1
"""What a word every report uses (or one naming the kind of fault) weighs beside a place's."""
CELL_DEGREES = 0.002
"""A geo cell's side (about 220 m north-south): a radius up to a cell is read from 3x3 cells."""
EARTH_M = 6_371_000.0
MAX_STEMS = 40
_ADDRESS_NOISE = _listed(
    "calle c av avenida col colonia no num numero n fracc fraccionamiento blvd boulevard "
    "esq esquina entre y cp"
)


@lru_cache(maxsize=1)
def _stemmer() -> Any:
    return snowballstemmer.stemmer("spanish")


@lru_cache(maxsize=20_000)
def _stem(word: str) -> str:
    stemmed: str = _stemmer().stemWord(word)
    return stemmed


def stems(*texts: str | None) -> list[str]:
    """The distinct stems of `texts` (sorted; numbers kept as they are: "poste 14")."""
    found: set[str] = set()
    for text in texts:
        if not text:
            continue
        for word in _WORD.findall(normalise(text)):
            if word in STOP or (len(word) < 3 and not word.isdigit()):
                continue
            found.add(word.lstrip("0") or "0" if word.isdigit() else _stem(word))
    return sorted(found)[:MAX_STEMS] if len(found) > MAX_STEMS else sorted(found)


KINDS: dict[str, frozenset[str]] = {}
for _kind, _words in KIND_WORDS.items():
    for _word in _words:
        KINDS[_stem(_word)] = KINDS.get(_stem(_word), frozenset()) | {_kind}
GENERIC = frozenset(_stem(w) for w in GENERIC_WORDS) | frozenset(KINDS)


def kinds(stem_set: Iterable[str]) -> frozenset[str]:
    """The kinds of fault a report's stems name."""
    return frozenset().union(*(KINDS[s] for s in stem_set if s in KINDS))


def weight(stem: str) -> float:
    return GENERIC_WEIGHT if stem in GENERIC else 1.0


def telling(stem_list: Iterable[str]) -> list[str]:
    """The stems worth a look-up of their own (the generic ones would list half the tickets)."""
    return [s for s in stem_list if s not in GENERIC]


def address_key(address: str | None) -> str | None:
    """An address as compared: folded, its words in order without 'calle', 'col.', 'no.'."""
    if not address:
        return None
    kept = [w for w in _WORD.findall(normalise(address)) if w not in _ADDRESS_NOISE]
    return " ".join(kept) or None


def cell(latitude: float, longitude: float) -> str:
    return f"{math.floor(latitude / CELL_DEGREES)}:{math.floor(longitude / CELL_DEGREES)}"


def cells_around(latitude: float, longitude: float, radius_m: float) -> list[str]:
    """The cells a circle of `radius_m` around the point may touch."""
    lat_cells = math.ceil(radius_m / (CELL_DEGREES * 111_000)) or 1
    cos = max(math.cos(math.radians(latitude)), 0.01)
    lon_cells = math.ceil(radius_m / (CELL_DEGREES * 111_000 * cos)) or 1
    row, col = math.floor(latitude / CELL_DEGREES), math.floor(longitude / CELL_DEGREES)
    return [
        f"{row + dr}:{col + dc}"
        for dr in range(-lat_cells, lat_cells + 1)
        for dc in range(-lon_cells, lon_cells + 1)
    ]


def distance_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance (haversine) in metres."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_M * math.asin(min(1.0, math.sqrt(h)))


@dataclass(frozen=True)
class Profile:
    """What of a ticket similarity looks at."""

    ticket_id: str
    stems: frozenset[str]
    point: tuple[float, float] | None = None
    address: str | None = None
    created_at: datetime | None = None
    vector: tuple[float, ...] | None = None


@dataclass(frozen=True)
class Match:
    ticket_id: str
    score: float
    words: list[str]
    """The telling stems both share."""
    distance_m: float | None
    same_address: bool
    meaning: float | None = None
    """The cosine of their embeddings, when both have one."""


def cosine(a: Sequence[float], b: Sequence[float]) -> float | None:
    """How alike two embeddings point (-1 to 1); None when they cannot be compared (another
    model's length, or a zero vector)."""
    if len(a) != len(b):
        return None
    dot = sum(x * y for x, y in zip(a, b, strict=True))
    norms = math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b))
    return dot / norms if norms else None


@lru_cache(maxsize=20_000)
def _traits(stem_set: frozenset[str]) -> tuple[frozenset[str], float]:
    """The kinds of fault a report names and the weight of its words (a report is compared
    with many: each worked out once)."""
    return kinds(stem_set), sum(map(weight, stem_set))


def compare(a: Profile, b: Profile, rules: SimilarTickets) -> Match | None:
    """How alike two tickets are, if alike enough to be the same problem (else None)."""
    (named_a, weight_a), (named_b, weight_b) = _traits(a.stems), _traits(b.stems)
    if named_a and named_b and not named_a & named_b:
        return None  # two different faults
    common = a.stems & b.stems
    total = weight_a + weight_b
    words_score = 2 * sum(map(weight, common)) / total if total else 0.0
    distance = distance_m(a.point, b.point) if a.point and b.point else None
    same_address = a.address is not None and a.address == b.address
    if distance is not None and distance > rules.radius_meters and not same_address:
        return None  # somewhere else: another post, another street
    near = same_address or distance is not None
    meaning = cosine(a.vector, b.vector) if a.vector and b.vector else None
    by_meaning = meaning is not None and meaning >= rules.min_meaning_score
    base = 0.5 if near else 0.0
    least = rules.min_words_score_near if near else rules.min_words_score
    if words_score >= least:
        score = base + (1 - base) * words_score
    elif by_meaning:
        score = 0.0
    else:
        return None
    if by_meaning:
        assert meaning is not None
        score = max(score, base + (1 - base) * meaning)
    words = sorted(s for s in common if s not in GENERIC) or sorted(common)
    shown = None if meaning is None else round(meaning, 3)
    return Match(b.ticket_id, round(min(score, 1.0), 3), words, distance, same_address, shown)


def rank(new: Profile, candidates: Iterable[Profile], rules: SimilarTickets) -> list[Match]:
    """The candidates alike enough, most alike first."""
    found = [m for c in candidates if c.ticket_id != new.ticket_id if (m := compare(new, c, rules))]
    return sorted(found, key=lambda m: (-m.score, m.ticket_id))
