"""Which language a query is written in, and which languages each vocabulary word comes from.

Spelling corrections must stay in the query's language: a French query's unknown word is corrected
into French vocabulary, never into an English word that happens to be close ("connexion" is not a typo
of "connection"). Each word of the vocabulary (``SearchTerm``) carries the languages of the documents it
was read from as bits; a query's language comes from its function words ("le", "the"), then from the
known words it uses, and only then from the reader's language.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from escalade.search.text import words

FRENCH = 1
ENGLISH = 2
UNSPECIFIED = 4  # documents without a language (tickets): their words belong to no one language
BITS = {"fr": FRENCH, "en": ENGLISH}

# Words that say which language a sentence is in: frequent, short, and not words of the other language.
FRENCH_MARKERS = frozenset(
    """
    au aux avec ce ces cet cette de des du elle est et il ils je la le les leur lui mais mes moi mon ne nos
    notre nous ou par pas plus pour que qui sa ses son sur ta tes toi ton tu un une vos votre vous suis
    sont ai avons avez ont depuis chez arrive encore toujours bonjour merci mot quand comment pourquoi
    """.split()  # noqa: SIM905 - a paragraph of words reads better than a list of strings
)
ENGLISH_MARKERS = frozenset(
    """
    and are at be but by can do does for from had has have how in is it its my not of or our so that
    the this to was what when where which who why will with you your cannot cant dont get hello hi
    please thanks still again since any some all just very now would could should
    """.split()  # noqa: SIM905
)


def bit(language: str) -> int:
    """The vocabulary bit of a document's language (unspecified when it has none)."""
    return BITS.get(language, UNSPECIFIED)


@dataclass(frozen=True)
class QueryLanguage:
    """The language a query is written in; ``certain`` when the query itself says so (else it is the
    reader's language, a preference only)."""

    code: str
    certain: bool

    def choose(self, found: Iterable[tuple[str, int]], *, limit: int = 2) -> list[str]:
        """Corrections (best first, with their vocabulary bits) kept for this language: the words of the
        query's language (or of no language) first; when the language is certain, only those."""
        wanted = BITS.get(self.code, 0)
        if not wanted:
            return [term for term, _bits in found][:limit]
        same: list[str] = []
        other: list[str] = []
        for term, bits in found:
            (same if not bits or bits & (wanted | UNSPECIFIED) else other).append(term)
        return (same if self.certain else same + other)[:limit]


def query_language(text: str, *, known: Mapping[str, int], reader: str) -> QueryLanguage:
    """The language of ``text``: from its marker words, else from the languages of its words the
    vocabulary knows (``known``: word → bits), else the reader's language (not certain)."""
    tokens = words(text)
    french = sum(1 for token in tokens if token in FRENCH_MARKERS)
    english = sum(1 for token in tokens if token in ENGLISH_MARKERS)
    if french == english:
        for bits in known.values():
            only = bits & (FRENCH | ENGLISH)
            french += only == FRENCH
            english += only == ENGLISH
    if french > english:
        return QueryLanguage("fr", certain=True)
    if english > french:
        return QueryLanguage("en", certain=True)
    return QueryLanguage(reader if reader in BITS else "", certain=False)
