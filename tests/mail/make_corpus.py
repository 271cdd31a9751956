"""Writes tests/mail/corpus/*.eml and expected.json: real-world-shaped messages and what each must become.

Run ``python -m tests.mail.make_corpus`` after changing a case; the files are committed. The thread root
(``<thread-root@a.example>``, ticket ESC-2026-000001, requester req.a@a.example) is created by the test.
"""

from __future__ import annotations

import json

from tests.mail.corpus_content import attachments, charsets, structures
from tests.mail.corpus_kit import CASES, HERE
from tests.mail.corpus_threads import noise, replies


def main() -> None:
    charsets()
    structures()
    attachments()
    replies()
    noise()
    for old in HERE.glob("*.eml"):
        old.unlink()
    expected = {}
    for name, (data, outcome) in sorted(CASES.items()):
        (HERE / f"{name}.eml").write_bytes(data)
        expected[f"{name}.eml"] = outcome
    (HERE / "expected.json").write_text(
        json.dumps(expected, indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    print(f"{len(CASES)} messages written to {HERE}")  # noqa: T201


if __name__ == "__main__":
    main()
