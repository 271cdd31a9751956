"""Text handling shared by both search backends: normalising, light stemming, stop words, synonyms,
identifiers (MAC and IP addresses, serial numbers, ticket references) and highlighted snippets.

Both backends parse a query the same way (:func:`parse_query`), so they differ only in how they find
candidates, never in what a query means.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from dataclasses import dataclass, field

from django.utils.html import escape

from escalade.search.synonyms import SYNONYMS

WORD = re.compile(r"[^\W_]+", re.UNICODE)
# A token holding a digit, or hex pairs joined by ':' / '-': MAC and IP addresses, serials, references.
IDENTIFIER = re.compile(r"[0-9A-Za-z]+(?:[:.\-/_][0-9A-Za-z]+)*")
SEPARATORS = re.compile(r"[:.\-/_]")
SUFFIXES = (
    "ements", "ement", "ations", "ation", "ings", "ing", "ees", "ee", "es", "er", "ed", "s", "e",
)  # fmt: skip
MIN_STEM = 4
STOP_TEXT = """
a au aux avec ce ces cet cette d de des du elle en est et il ils j je l la le les leur lui ma mais me mes moi
mon n ne nos notre nous on ou par pas plus pour qu que qui sa se ses son sur ta te tes toi ton tu un une vos
votre vous y c s t m tres comment quoi faire fait marche marcher veux peux peut
an and are as at be but by can do does for from had has have how i in is it its me my no not of on or our so
that the this to was what when where which who why will with you your cannot cant dont get
"""
STOP_WORDS = frozenset(STOP_TEXT.split())
# Everyday words of a request, in French and English: they say how the person feels about the problem,
# not what it is, so they are never evidence that an article answers ("depuis", "chez", "arrive",
# "still", "anymore"...). Left out of queries only: documents keep them, a phrase may use them.
EVERYDAY_TEXT = """
depuis chez arrive arriver arrivons narrive narrivons encore toujours aujourd hui aujourdhui hier matin soir
demain bonjour bonsoir merci cordialement svp stp besoin aide aider probleme problemes souci soucis rien tout
tous toute toutes quand alors donc car comme avoir etre suis sont ai as avons avez ont cela ca ceci ici bien
mal peu beaucoup faut dois doit pourquoi quel quelle quels quelles lorsque apres avant pendant sans sous
entre vers autre autres meme deja jamais vraiment puis fois jour jours semaine moment savoir voudrais
voulais souhaite souhaiterais pourriez pouvez pourrais possible impossible fonctionne fonctionner
fonctionnait ete etait avait aussi non oui dont quelqu quelque chose personne
hello hi hey dear thanks thank please pls need needs help problem problems issue issues still again anymore
today yesterday morning tonight some any all just also very really now only there here been being would
could should im ive id youre doesnt didnt wont isnt wasnt keep keeps keeping trying tried try want wanted
know like got getting able unable ago every everything nothing something anything thing things way lot
much many time times day days since
"""
EVERYDAY_WORDS = frozenset(EVERYDAY_TEXT.split())
QUERY_LENGTH = 2_000  # characters read from a query (a paragraph typed in the portal)
MAX_TERMS = 16  # meaningful words kept from a long description: its first ones


class _Folding(dict[int, str]):
    """What each character folds to (case folded, decomposed, combining marks dropped), computed once per
    character: folding is character by character, so ``str.translate`` folds a text in one C loop."""

    def __missing__(self, code: int) -> str:
        decomposed = unicodedata.normalize("NFKD", chr(code).casefold())
        folded = self[code] = "".join(char for char in decomposed if not unicodedata.combining(char))
        return folded


FOLDING = _Folding()


def fold(text: str) -> str:
    """Lower-case without accents: « Oublié » → "oublie"."""
    if text.isascii():  # the same result, sooner
        return text.lower()
    return text.translate(FOLDING)


def words(text: str) -> list[str]:
    """The folded words of ``text``."""
    return WORD.findall(fold(text))


def stem(word: str) -> str:
    """A deliberately light French/English stem used as a prefix: "imprimantes" → "imprimant"."""
    for suffix in SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= MIN_STEM:
            return word[: -len(suffix)]
    return word


def compact(identifier: str) -> str:
    """An identifier without separators, so "AA:BB:CC" finds "aa-bb-cc-dd-ee-ff"."""
    return SEPARATORS.sub("", fold(identifier))


HEXADECIMAL = re.compile(r"[0-9a-f]{6,}")


def is_identifier(token: str) -> bool:
    return any(char.isdigit() for char in token) or bool(SEPARATORS.search(token))


def is_query_identifier(token: str) -> bool:
    """In a query, a run of six or more hex digits is also looked up as an identifier fragment
    ("ccddee" in a MAC address), besides being a word."""
    return is_identifier(token) or bool(HEXADECIMAL.fullmatch(fold(token)))


# The tokens of ``IDENTIFIER``, cut at the same places, but plain words (letters only, most tokens)
# come out empty: only the identifiers (a digit or a separator inside) reach Python.
_IDENTIFIER_TOKENS = re.compile(r"[A-Za-z]+(?![0-9A-Za-z]|[:.\-/_][0-9A-Za-z])|(" + IDENTIFIER.pattern + ")")


def identifiers(text: str) -> str:
    """The identifier-like tokens of ``text``, folded, each also without separators (space-separated)."""
    found: list[str] = []
    for token in _IDENTIFIER_TOKENS.findall(text):
        if token:
            folded = fold(token)
            joined = SEPARATORS.sub("", folded)  # compact(token)
            if len(joined) >= 3:
                found += [folded, joined]
    return " ".join(dict.fromkeys(found))


@dataclass
class Term:
    """One meaningful word of the query and what may stand for it (synonyms, spelling corrections).

    Each alternative is a tuple of stems that must all be present ("mot de passe" → ("mot", "pass")).
    """

    word: str
    alternatives: list[tuple[str, ...]] = field(default_factory=list)
    corrected: bool = False  # unknown to the vocabulary: found, if at all, through spelling corrections

    def add(self, phrase: str) -> None:
        stems = tuple(stem(w) for w in words(phrase) if w not in STOP_WORDS and w not in EVERYDAY_WORDS)
        if stems and stems not in self.alternatives:
            self.alternatives.append(stems)

    @property
    def stems(self) -> set[str]:
        return {s for alternative in self.alternatives for s in alternative}


@dataclass
class ParsedQuery:
    """A query as both backends read it: terms (OR-ed, ranked by coverage) and identifier fragments."""

    text: str
    terms: list[Term]
    identifiers: list[str]

    @property
    def is_empty(self) -> bool:
        return not self.terms and not self.identifiers


def parse_query(text: str) -> ParsedQuery:
    """Split a query into terms (stop words and everyday words dropped, synonyms added, at most
    :data:`MAX_TERMS`) and identifier fragments."""
    text = text.strip()[:QUERY_LENGTH]
    fragments = [
        compact(t) for t in IDENTIFIER.findall(text) if is_query_identifier(t) and len(compact(t)) >= 3
    ]
    folded = " ".join(w for w in words(text))
    terms: list[Term] = []
    for phrase, expansions in SYNONYMS.items():
        if re.search(rf"\b{re.escape(phrase)}\b", folded) and " " in phrase:
            term = Term(word=phrase)
            for expansion in (phrase, *expansions):
                term.add(expansion)
            terms.append(term)
            folded = re.sub(rf"\b{re.escape(phrase)}\b", " ", folded)
    seen = {term.word for term in terms}
    for word in folded.split():
        if (
            word in STOP_WORDS
            or word in EVERYDAY_WORDS
            or word in seen
            or (len(word) < 2 and not word.isdigit())
        ):
            continue
        seen.add(word)
        term = Term(word=word)
        for expansion in (word, *SYNONYMS.get(word, ()), *_singular(word)):
            term.add(expansion)
        terms.append(term)
    return ParsedQuery(
        text=text, terms=terms[:MAX_TERMS], identifiers=list(dict.fromkeys(fragments))[:MAX_TERMS]
    )


def _singular(word: str) -> tuple[str, ...]:
    """A short plural that stemming leaves whole ("clés", "pcs", "macs"), as its singular."""
    if len(word) >= 4 and word[-1] in "sx" and stem(word) == word and word[:-1].isalpha():
        return (word[:-1],)
    return ()


def matches(stems: set[str], text: str) -> set[str]:
    """The stems that start some word of ``text``."""
    return matches_sorted(stems, sorted(set(words(text))))


def matches_sorted(stems: set[str], ordered_words: list[str]) -> set[str]:
    """The stems that start one of ``ordered_words`` (sorted: the first word not below a stem is the
    one that would start with it)."""
    found = set()
    for s in stems:
        index = bisect.bisect_left(ordered_words, s)
        if index < len(ordered_words) and ordered_words[index].startswith(s):
            found.add(s)
    return found


SNIPPET_LENGTH = 180


def snippet(text: str, query: ParsedQuery, length: int = SNIPPET_LENGTH) -> str:
    """A window of ``text`` around the first matched word, HTML-escaped, matches wrapped in <mark>."""
    stems = tuple(sorted({s for term in query.terms for s in term.stems}))
    fragments = set(query.identifiers)
    spans: list[tuple[int, int]] = []
    limit = len(text)
    for match in IDENTIFIER.finditer(text):  # read until the window around the first match is full
        if match.start() > limit:
            break
        token = match.group()
        if fold(token).startswith(stems) or (fragments and any(f in compact(token) for f in fragments)):
            if not spans:
                limit = match.start() + length
            spans.append(match.span())
    start = max(0, spans[0][0] - 40) if spans else 0
    if start:
        space = text.find(" ", start)
        start = space + 1 if 0 <= space < spans[0][0] else start
    end = min(len(text), start + length)
    parts: list[str] = ["…" if start else ""]
    cursor = start
    for span_start, span_end in spans:
        if span_start < cursor or span_end > end:
            continue
        parts += [escape(text[cursor:span_start]), "<mark>", escape(text[span_start:span_end]), "</mark>"]
        cursor = span_end
    parts += [escape(text[cursor:end]), "…" if end < len(text) else ""]
    return " ".join("".join(parts).split())
