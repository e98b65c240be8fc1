"""Word search without `$text`: normalised terms stored on each ticket; a query finds the
tickets holding every one of its words.

Both a real server and the in-process engine answer `{searchTerms: {$all: words}}` from a
multikey index. A ticket's terms are the words of its id, subject, description, location
address and customer name, plus what agents type to find a ticket by number or phone: its
number without the zeros and each beginning of it ("142", "14" for LUX-2026-000142), and each
ending of the customer's phone digits from four digits on ("1476", "10001476"). A quoted
phrase needs its words adjacent and in order in one of the texts (checked on the candidates the
words found).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

_WORD = re.compile(r"[a-z0-9]+")
_ID_LIKE = re.compile(r"[a-z0-9]+(?:[-_.][a-z0-9]+)+")
_PHRASE = re.compile(r'"([^"]*)"')
_PHONE_LIKE = re.compile(r"^[\s\d+()./-]+$")
_DIGITS = re.compile(r"\d+")

# fmt: off
STOPWORDS = frozenset({
    "de", "la", "el", "en", "y", "que", "a", "los", "las", "por", "con", "un", "una", "para",
    "no", "se", "del", "al", "lo", "su", "sus", "es", "le", "o", "u", "mi",
    "the", "of", "and", "to", "in", "is", "for", "on", "it", "an", "or", "at", "be", "my",
})
# fmt: on
"""Words too common to say anything (Spanish first, then English); never indexed or searched."""

MAX_QUERY_TERMS = 12
NUMBER_PREFIX_MIN = 2
"""The shortest beginning of a ticket's number that finds it."""
PHONE_SUFFIX_MIN = 4
"""The fewest last digits of a phone that find its customer's tickets."""
PHONE_QUERY_MIN = 7
"""A query of only digits and phone punctuation with at least this many digits is one phone
number ("+52 1 55 1000 1476"), not several words."""

VERSION = 2
"""The terms' recipe: a store whose tickets were indexed by an earlier one reindexes them."""


def normalise(text: str) -> str:
    """Lowercase, accents dropped (NFKD, no combining marks): 'Iluminación' -> 'iluminacion'."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def words(text: str) -> list[str]:
    """Normalised words (letters and digits), in order, without stopwords or single letters
    (a single digit stays: "poste 5")."""
    return [
        w
        for w in _WORD.findall(normalise(text))
        if (len(w) > 1 or w.isdigit()) and w not in STOPWORDS
    ]


def _id_like(text: str) -> list[str]:
    # Whole ids such as 'lux-2026-000001' are kept as one term too.
    return _ID_LIKE.findall(normalise(text))


def _number_prefixes(ticket_id: str) -> list[str]:
    """The ticket's number without its zeros, and each of its beginnings."""
    numbers = _DIGITS.findall(ticket_id)
    number = numbers[-1].lstrip("0") if numbers else ""
    return [number[:n] for n in range(NUMBER_PREFIX_MIN, len(number) + 1)]


def _phone_suffixes(phone: str) -> list[str]:
    digits = "".join(_DIGITS.findall(phone))
    return [_term(digits[-n:]) for n in range(PHONE_SUFFIX_MIN, len(digits) + 1)]


class _Located(Protocol):
    @property
    def address(self) -> str | None: ...


class _Named(Protocol):
    @property
    def name(self) -> str | None: ...
    @property
    def phone_number(self) -> str | None: ...


class TicketLike(Protocol):
    """The fields search reads of a ticket (the aggregate's state, a summary)."""

    @property
    def ticket_id(self) -> str: ...
    @property
    def subject(self) -> str: ...
    @property
    def description(self) -> str: ...
    @property
    def location(self) -> _Located | None: ...
    @property
    def customer(self) -> _Named | None: ...


@dataclass(frozen=True)
class Searchable:
    """What of a ticket is searched."""

    ticket_id: str
    subject: str = ""
    description: str = ""
    address: str | None = None
    customer_name: str | None = None
    phone: str | None = None

    @classmethod
    def of(cls, ticket: TicketLike) -> Searchable:
        """What is searched of a ticket as the aggregate, a list item or an export row has it."""
        customer, location = ticket.customer, ticket.location
        return cls(
            ticket.ticket_id,
            ticket.subject,
            ticket.description,
            address=location.address if location else None,
            customer_name=customer.name if customer else None,
            phone=customer.phone_number if customer else None,
        )

    def texts(self) -> list[str]:
        """The texts a phrase may be found in."""
        found = [self.subject, self.description, self.address, self.customer_name]
        return [t for t in found if t]

    def terms(self) -> list[str]:
        """The distinct terms stored on the ticket (sorted, so the document is stable)."""
        terms: set[str] = set(_number_prefixes(self.ticket_id))
        for text in (self.ticket_id, *self.texts()):
            terms.update(_term(w) for w in words(text))
            terms.update(_id_like(text))
        if self.phone:
            terms.update(_phone_suffixes(self.phone))
        return sorted(terms)


NAME_PREFIX_MIN = 2
"""The shortest beginning of a customer's name that finds them (a picker searches as one
types)."""


def customer_terms(
    first_name: str | None, last_name: str | None, email: str | None, phone: str
) -> list[str]:
    """The terms a customer is found by: each word of their names and each beginning of it,
    their email and its words, and the endings of their phone digits."""
    terms: set[str] = set(_phone_suffixes(phone))
    for name in (first_name, last_name):
        for word in words(name or ""):
            terms.update(word[:n] for n in range(NAME_PREFIX_MIN, len(word) + 1))
    if email:
        terms.add(normalise(email))
        terms.update(words(email))
        terms.update(_id_like(email))  # how a typed email is asked: "ana.paz", "correo.mx"
    return sorted(terms)


def search_terms(ticket_id: str, subject: str, description: str) -> list[str]:
    """The terms of a ticket known only by its id, subject and description."""
    return Searchable(ticket_id, subject, description).terms()


@dataclass(frozen=True)
class Query:
    """A parsed search: every term must be held; every phrase found in one text."""

    terms: tuple[str, ...]
    phrases: tuple[tuple[str, ...], ...] = ()

    def __bool__(self) -> bool:
        return bool(self.terms)

    def matches(self, texts: Iterable[str]) -> bool:
        """Whether each phrase's words stand together, in order, in one of `texts`."""
        if not self.phrases:
            return True
        said = [[_term(w) for w in words(t)] for t in texts]
        return all(any(_contains(w, phrase) for w in said) for phrase in self.phrases)


def _contains(text: Sequence[str], phrase: Sequence[str]) -> bool:
    n = len(phrase)
    return any(list(text[i : i + n]) == list(phrase) for i in range(len(text) - n + 1))


def _term(word: str) -> str:
    """A word as stored and asked: a number without its leading zeros ("014" is "14")."""
    return (word.lstrip("0") or "0") if word.isdigit() else word


def parse(query: str) -> Query:
    """The terms (in the order typed, at most MAX_QUERY_TERMS) and quoted phrases of `query`."""
    asked = (tuple(_term(w) for w in words(m)) for m in _PHRASE.findall(query))
    phrases = tuple(p for p in asked if len(p) > 1)
    text = query.replace('"', " ")
    digits = "".join(_DIGITS.findall(text))
    if _PHONE_LIKE.match(text) and len(digits) >= PHONE_QUERY_MIN:
        return Query((_term(digits),))
    ids = _id_like(text)
    inside_ids = {w for i in ids for w in _WORD.findall(i)}  # an id is asked as a whole
    seen: dict[str, None] = {}
    for term in [*ids, *(w for w in words(text) if w not in inside_ids)]:
        seen.setdefault(_term(term), None)
    return Query(tuple(list(seen)[:MAX_QUERY_TERMS]), phrases)


def query_terms(query: str) -> list[str]:
    """The distinct terms of a search query, in the order typed (at most MAX_QUERY_TERMS)."""
    return list(parse(query).terms)


def score(terms: Iterable[str], query: Iterable[str]) -> int:
    """How many of the query's terms a ticket contains."""
    return len(set(terms) & set(query))
