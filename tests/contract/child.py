"""Child processes for the contract suite (run as a script, not collected).

``python child.py kill-before-switch``: rebuild the index the environment names, and
SIGKILL this process at the moment the new build would become current (local: the
rename of the new ``CURRENT``; Milvus: the alias switch), after everything else exists.

``python child.py replica``: one page replica's engine. Reads commands on stdin, one per
line: ``ask <question>`` prints ``{"build": id, "passages": [chunk ids]}``;
``rebuild`` prints ``{"build": id}`` once the rebuild finished.
"""

from __future__ import annotations

import json
import os
import signal
import sys
from pathlib import Path
from typing import Any

from assistant import Assistant, Settings


def _kill_before(owner: Any, name: str, match: Any) -> None:
    original = getattr(owner, name)

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if match(*args, **kwargs):
            os.kill(os.getpid(), signal.SIGKILL)
        return original(*args, **kwargs)

    setattr(owner, name, wrapper)


def kill_before_switch(assistant: Assistant) -> None:
    if assistant.settings.backend == "milvus":
        from pymilvus import MilvusClient

        _kill_before(MilvusClient, "alter_alias", lambda *_, **__: True)
    else:
        _kill_before(os, "replace", lambda src, *_, **__: Path(src).name.startswith(".CURRENT."))
    assistant.rebuild()
    print("the rebuild was not killed", file=sys.stderr)
    sys.exit(1)


def replica(assistant: Assistant) -> None:
    for line in sys.stdin:
        command, _, argument = line.strip().partition(" ")
        if command == "ask":
            answer = assistant.ask(argument, k=3)
            reply = {"passages": [p.chunk_id for p in answer.passages]}
        elif command == "rebuild":
            assistant.rebuild()
            reply = {}
        else:
            raise SystemExit(f"unknown command {command!r}")
        reply["build"] = assistant.store().manifest.build_id
        print(json.dumps(reply), flush=True)


def main(argv: list[str]) -> int:
    assistant = Assistant(Settings.from_env())
    {"kill-before-switch": kill_before_switch, "replica": replica}[argv[1]](assistant)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
