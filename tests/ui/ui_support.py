"""Shared by the page's tests: the small test corpus and helpers (not fixtures)."""

from __future__ import annotations

import re
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# The editable install can expose `assistant` as a namespace package when the working
# directory is not the project root; put the project first so the real package loads.
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

APP = ROOT / "ui" / "app.py"

TPM = """---
title: Technical Program Manager
kind: path
family: business-process
aliases: [TPM, program manager]
next_steps: [Senior Technical Program Manager]
related: [engineering-manager]
---
# Technical Program Manager

## What the role is

A technical program manager coordinates several projects that span many teams.
The TPM keeps roadmaps clear, tracks dependencies between teams and removes friction
where teams collaborate.

## What it requires

A TPM needs strong communication, process and relationship skills.
"""

EM = """---
title: Engineering Manager
kind: path
family: management
aliases: [EM, people manager]
next_steps: [Director of Engineering]
---
# Engineering Manager

## What the role is

An engineering manager leads a team of engineers: hiring, coaching, one-on-ones and
performance reviews. The manager is responsible for the people and the delivery of the team.

## What it requires

Managers need empathy, patience and the wish to grow other people rather than write code.
"""

STAFF = """---
title: Staff Engineer
kind: path
family: individual-contributor
aliases: [staff, principal engineer]
next_steps: [Principal Engineer]
---
# Staff Engineer

## What the role is

A staff engineer stays on the technical track and influences several teams through
architecture, code reviews and technical direction rather than through management.

## What it requires

Staff engineers need deep technical skills plus the communication skills to lead
without authority.
"""

ARTICLE = """---
title: Growing after senior engineer
kind: article
---
# Growing after senior engineer

Senior engineers often ask what comes next in their career.

## Individual Contributor

### Staff Engineer

Writing more code is not enough to be promoted to staff engineer. A staff engineer
multiplies the output of the teams around them.

## Management

### Engineering Manager

Moving into management means your output is the output of your team, measured through
hiring, coaching and delivery.

## Office life

### Snacks

<script>alert(1)</script> The quarterly office snack budget pays for fruit, coffee and
biscuits. Read [the snack policy](javascript:alert(1)) before you spend $5 or $10 on
`cookies`; :red[never] buy **durian**.
"""

SMALL_CORPUS = {
    "paths/technical-program-manager.md": TPM,
    "paths/engineering-manager.md": EM,
    "paths/staff-engineer.md": STAFF,
    "articles/growing.md": ARTICLE,
}


@dataclass(frozen=True)
class Built:
    """A corpus directory and an index already built from it."""

    corpus: Path
    index: Path

    def copy(self, into: Path) -> Built:
        """An independent copy, for tests that add files or rebuild."""
        corpus, index = into / "corpus", into / "index"
        shutil.copytree(self.corpus, corpus)
        shutil.copytree(self.index, index)
        return Built(corpus, index)


def write_corpus(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def plain_text(shown: str) -> str:
    """Rendered or Markdown text → the plain text a reader sees, whitespace collapsed."""
    return " ".join(shown.replace("\u2060", "").split())


def unescape(markdown: str) -> str:
    """Undo :func:`ui.render.escape_inline`, to compare page Markdown with corpus text."""
    return plain_text(re.sub(r"\\(.)", r"\1", markdown))
