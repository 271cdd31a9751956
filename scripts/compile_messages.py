"""Compile the gettext catalogs (.po -> .mo) with Babel, without GNU gettext.

Used by the package build (hatch_build.py) and by ``./run test`` before the suite.
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent


def compile_catalogs(root: Path = ROOT) -> list[Path]:
    """Compile every ``src/escalade/locale/*/LC_MESSAGES/*.po``; return the .mo paths written."""
    written = []
    for po_path in sorted(root.glob("src/escalade/locale/*/LC_MESSAGES/*.po")):
        with po_path.open("rb") as po_file:
            catalog = read_po(po_file)
        untranslated = [message.id for message in catalog if message.id and not message.string]
        if untranslated:
            sys.stderr.write(f"{po_path}: {len(untranslated)} untranslated messages: {untranslated[:5]}\n")
        mo_path = po_path.with_suffix(".mo")
        with mo_path.open("wb") as mo_file:
            write_mo(mo_file, catalog)
        written.append(mo_path)
    return written


if __name__ == "__main__":
    for path in compile_catalogs():
        sys.stdout.write(f"compiled {path.relative_to(ROOT)}\n")
