"""A fresh machine: `escalade init` and `escalade manage check` work before the data directory exists
(the queue's SQLite file is opened when the settings load, before either could create it)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ESCALADE = str(Path(sys.executable).with_name("escalade"))


def _run(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("ESCALADE_")}
    env |= {"ESCALADE_DATA_DIR": str(data_dir), "ESCALADE_SECRET_KEY": "fresh-machine-" + "k" * 50}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return subprocess.run(
        [ESCALADE, *args], env=env, capture_output=True, text=True, timeout=300, check=False
    )


@pytest.mark.parametrize(
    "args",
    [
        ("manage", "check"),
        ("init", "--admin-email", "admin@example.org", "--admin-password", "Correct-horse-42"),
    ],
    ids=["manage check", "init"],
)
def test_a_command_works_when_the_data_directory_does_not_exist_yet(tmp_path, args):
    data_dir = tmp_path / "not" / "there" / "yet"

    result = _run(data_dir, *args)

    assert result.returncode == 0, result.stderr[-2000:]
    assert data_dir.is_dir()
    assert (data_dir / "queue.sqlite3").exists()
