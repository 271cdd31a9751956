"""Check that the French catalog covers every translatable string in the code.

Runs Django's makemessages (needs GNU gettext's xgettext), then fails if any message is untranslated
or fuzzy. When gettext is missing, says so and, outside CI, passes (CI installs gettext).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "src" / "escalade"


def main() -> int:
    if shutil.which("xgettext") is None:
        sys.stdout.write("gettext is not installed: translation coverage not checked\n")
        return 1 if os.environ.get("CI") == "true" else 0
    catalogs = sorted(PACKAGE.glob("locale/*/LC_MESSAGES/django.po"))
    saved = {path: path.read_bytes() for path in catalogs}
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings", "ESCALADE_TEST_DB": "sqlite",
           "PYTHONPATH": str(ROOT)}  # fmt: skip
    subprocess.run(
        [sys.executable, "-m", "django", "makemessages", "--all", "--no-location", "--no-obsolete",
         "--ignore", "*/migrations/*"],
        cwd=PACKAGE, env=env, check=True, capture_output=True,
    )  # fmt: skip
    problems = []
    for path in catalogs:
        with path.open("rb") as po_file:
            catalog = read_po(po_file)
        problems.extend(
            f"{path.relative_to(ROOT)}: {message.id!r}"
            for message in catalog
            if message.id and (not message.string or message.fuzzy)
        )
        path.write_bytes(saved[path])  # keep the file as committed (makemessages rewrites dates)
    for problem in problems:
        sys.stdout.write(f"untranslated: {problem}\n")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
