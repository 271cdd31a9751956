"""Identifiers found in a document's text: what a search for a MAC address, an IP, a serial or a ticket
reference matches (with or without its separators)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from escalade.search.text import IDENTIFIER, compact, fold, identifiers, is_identifier


def test_addresses_serials_and_references_are_found_with_and_without_separators():
    text = "Poste ESC-2025-000123 : carte AA:BB:CC:DD:EE:FF, IP 10.0.12.7, série SN4821X. Imprimante HS."
    found = identifiers(text).split()
    assert found == [
        "esc-2025-000123", "esc2025000123", "aa:bb:cc:dd:ee:ff", "aabbccddeeff", "10.0.12.7", "100127",
        "sn4821x",
    ]  # fmt: skip


def test_plain_words_and_short_tokens_are_not_identifiers():
    assert identifiers("Imprimante bloquée au 2e étage, mot-de-passe oublié") == "mot-de-passe motdepasse"
    assert identifiers("") == ""


def _by_definition(text: str) -> str:
    """The definition: each ``IDENTIFIER`` token holding a digit or a separator, of three characters or
    more without its separators, folded, and without separators (each kept once, in order)."""
    found: list[str] = []
    for token in IDENTIFIER.findall(text):
        if is_identifier(token) and len(compact(token)) >= 3:
            found += [fold(token), compact(token)]
    return " ".join(dict.fromkeys(found))


@given(st.text(alphabet="aZé09:.-/_ ,\n", max_size=40))
def test_identifiers_follow_their_definition(text):
    assert identifiers(text) == _by_definition(text)
