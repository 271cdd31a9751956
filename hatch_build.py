"""Hatch build hook: compile the gettext catalogs (.po -> .mo) with Babel.

Compiled catalogs are build artefacts, so they are not kept in git; this hook makes them for wheels and
for editable installs alike, without needing GNU gettext on the machine.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface


class CustomBuildHook(BuildHookInterface):  # type: ignore[type-arg]
    """Compile message catalogs before the package is assembled."""

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        root = Path(self.root)
        script = root / "scripts" / "compile_messages.py"
        spec = importlib.util.spec_from_file_location("compile_messages", script)
        if spec is None or spec.loader is None:
            raise RuntimeError(f"cannot load {script}")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        for mo_path in module.compile_catalogs(root):
            build_data.setdefault("artifacts", []).append(str(mo_path.relative_to(root)))
