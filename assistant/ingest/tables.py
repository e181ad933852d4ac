"""Table rows → readable units that carry their labels, for Markdown and HTML alike.

A table cell alone ("Requires no direction to manage their time") answers nothing; with
its row and column labels ("Planning — Senior Programmer (L3): Requires no direction…")
it answers "what is expected of a senior programmer when planning?" and can be quoted
as it stands. A row whose only filled cell is its first one labels a group of rows
("Skill"), and its label is carried into the rows under it.
"""

from __future__ import annotations

from ..documents import Block

GROUP_SEPARATOR = " › "
LABEL_SEPARATOR = " — "


def table_blocks(header: list[str] | None, rows: list[list[str]]) -> list[Block]:
    """One ``table_row`` block per cell of a labelled table, one per row of a bare one."""
    width = max([len(header or [])] + [len(row) for row in rows], default=0)
    if width == 0:
        return []
    if width == 1:
        cells = ([*(header or [])] if header else []) + [row[0] for row in rows if row]
        return [Block("paragraph", cell) for cell in cells if cell]
    if header is None or not any(header[1:]):
        return [_bare_row(row) for row in rows if any(row)]
    blocks: list[Block] = []
    group = ""
    for row in rows:
        cells = row + [""] * (width - len(row))
        label, values = cells[0], cells[1:]
        if label and not any(values):
            group = label
            continue
        if group and label:
            label = group + GROUP_SEPARATOR + label
        for column, value in zip(header[1:] + [""] * width, values, strict=False):
            if not any(ch.isalnum() for ch in value):  # empty, or a "—" / "n/a"-less dash
                continue
            blocks.append(Block("table_row", _labelled(label, column if width > 2 else "", value)))
    return blocks


def _labelled(row: str, column: str, value: str) -> str:
    label = LABEL_SEPARATOR.join(part for part in (row, column) if part)
    return f"{label}: {value}" if label else value


def _bare_row(row: list[str]) -> Block:
    cells = [cell for cell in row if cell]
    if len(cells) == 2:
        return Block("table_row", f"{cells[0]}: {cells[1]}")
    return Block("table_row", LABEL_SEPARATOR.join(cells))
