"""Word search without `$text`: normalised terms stored on each ticket, ranked by matches.

Both a real server and the in-process engine answer `{searchTerms: {$in: words}}` from a
multikey index; ranking counts the query words a ticket contains.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

_WORD = re.compile(r"[a-z0-9]+")
_ID_LIKE = re.compile(r"[a-z0-9]+(?:[-_.][a-z0-9]+)+")

# fmt: off
STOPWORDS = frozenset({
    "de", "la", "el", "en", "y", "que", "a", "los", "las", "por", "con", "un", "una", "para",
    "no", "se", "del", "al", "lo", "su", "sus", "es", "le", "o", "u", "mi",
    "the", "of", "and", "to", "in", "is", "for", "on", "it", "an", "or", "at", "be", "my",
})
# fmt: on
"""Words too common to say anything (Spanish first, then English); never indexed or searched."""

MAX_QUERY_TERMS = 12


def normalise(text: str) -> str:
    """Lowercase, accents dropped (NFKD, no combining marks): 'Iluminación' -> 'iluminacion'."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def words(text: str) -> list[str]:
    """Normalised words (letters and digits), in order, without stopwords or 1-letter words."""
    return [w for w in _WORD.findall(normalise(text)) if len(w) > 1 and w not in STOPWORDS]


def _id_like(text: str) -> list[str]:
    # Whole ids such as 'lux-2026-000001' are kept as one term too, so an exact id ranks first.
    return _ID_LIKE.findall(normalise(text))


def search_terms(ticket_id: str, subject: str, description: str) -> list[str]:
    """The distinct terms stored on a ticket (sorted, so the document is stable)."""
    terms: set[str] = set()
    for text in (ticket_id, subject, description):
        terms.update(words(text))
        terms.update(_id_like(text))
    return sorted(terms)


def query_terms(query: str) -> list[str]:
    """The distinct terms of a search query, in the order typed (at most MAX_QUERY_TERMS)."""
    seen: dict[str, None] = {}
    for term in [*_id_like(query), *words(query)]:
        seen.setdefault(term, None)
    return list(seen)[:MAX_QUERY_TERMS]


def score(terms: Iterable[str], query: Iterable[str]) -> int:
    """How many of the query's terms a ticket contains (the ranking)."""
    return len(set(terms) & set(query))
