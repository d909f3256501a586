"""Run a snippet under config.settings in a fresh interpreter with a chosen environment."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def settings_probe(
    probe: str, env: dict[str, str], *, drop: Callable[[str], bool]
) -> subprocess.CompletedProcess[str]:
    """Settings are read at import, so each environment needs its own process."""
    base = {k: v for k, v in os.environ.items() if not drop(k)}
    base["DJANGO_SETTINGS_MODULE"] = "config.settings"
    return subprocess.run(
        [sys.executable, "-c", probe],
        env={**base, **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
