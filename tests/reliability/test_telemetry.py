"""Issue 12, item 5: nothing phones home.

ONNX Runtime wrote a device id, the Python path, OS and CPU to
``~/.cache/Microsoft/DeveloperTools/.onnxruntime/onnxruntime.db`` on every ask (and
long-running processes looked up its collector). The package switches that telemetry off
before the library loads; a real ``ask`` under an empty HOME must leave HOME empty.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from assistant.config import PROJECT_ROOT

from .conftest import Copy

TELEMETRY_DB = Path(".cache/Microsoft/DeveloperTools/.onnxruntime/onnxruntime.db")
#: Variables that would switch telemetry off (or move the cache) from outside: removed,
#: so only the package's own setting is tested.
OUTSIDE_SWITCHES = ("ORT_DISABLE_TELEMETRY", "XDG_CACHE_HOME", "HF_HUB_DISABLE_TELEMETRY")


def test_an_ask_writes_no_telemetry_database(copy_old: Copy, tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in OUTSIDE_SWITCHES} | {"HOME": str(home)}
    done = subprocess.run(
        [sys.executable, "-m", "assistant.cli", "ask", "what does a TPM do?", *copy_old.argv],
        env=env,
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "TPM" in done.stdout
    assert not (home / TELEMETRY_DB).exists()
    assert not [p.relative_to(home).as_posix() for p in home.rglob("*")]


def test_the_switch_is_set_before_onnxruntime_can_load() -> None:
    """Importing the package sets it; ONNX Runtime reads it only when it loads."""
    env = {k: v for k, v in os.environ.items() if k not in OUTSIDE_SWITCHES}
    code = (
        "import sys, assistant, os; "
        "assert 'onnxruntime' not in sys.modules; "
        "print(os.environ['ORT_DISABLE_TELEMETRY'])"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=PROJECT_ROOT, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "1"
