"""The Markdown of ticket messages: sanitised, and each text converted on its own."""

from __future__ import annotations

import threading

from escalade.workspace.templatetags.desk import _converter, markdown


def test_messages_are_sanitised():
    assert markdown("<script>alert(1)</script>**gras**\nligne") == "\n<p><strong>gras</strong><br>\nligne</p>"
    assert markdown("```\ncode\n```") == "<pre><code>code\n</code></pre>"


def test_a_text_does_not_inherit_the_previous_ones_link_references():
    """One converter serves every message of a thread: it must forget each text once converted."""
    first = markdown("[doc][1]\n\n[1]: https://example.org/doc")
    second = markdown("[doc][1]")

    assert first == '<p><a href="https://example.org/doc" rel="noopener noreferrer">doc</a></p>'
    assert second == "<p>[doc][1]</p>"


def test_each_thread_has_its_own_converter():
    theirs = []
    thread = threading.Thread(target=lambda: theirs.append(_converter()))
    thread.start()
    thread.join()

    assert theirs[0] is not _converter()
    assert _converter() is _converter()
