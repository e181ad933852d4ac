"""One table model for every format: rows of cells, each cell quotable with its labels.

Markdown pipe tables, HTML tables (built pages, raw HTML inside Markdown) and PDF tables
all arrive here as a :class:`Table`: header rows and body rows on one grid, spans already
expanded so every cell knows its row and column. A cell alone ("Requires no direction to
manage their time") answers nothing; with its labels ("Planning — Senior Programmer (L3):
Requires no direction…") it answers "what is expected of a senior programmer when
planning?" and can be quoted as it stands.

- The row label is the row's first cell (or its leading header cells); a row whose only
  filled cell is its first labels a group of rows ("Skill › Mastery — …"). A table whose
  first column is prose (lists of expectations under level headers) has no row labels:
  the heading above it labels its rows ("Delivery — Beginner: …").
- Column labels join the header rows above a cell ("Level 3 › Security").
- A cell holding several paragraphs or list items gives one unit per item, each with the
  cell's labels, so items never run together and each reads on its own.

Cost stays linear in the table's size (the rule): every label is capped at
``INGESTION.cell_label_chars``, and a table's labelled units may hold at most
``INGESTION.table_label_factor`` times the table's own text; rows past that budget are
laid out once, unlabelled ("value — value — value"). A table wider than
``INGESTION.max_table_columns`` keeps its first columns and folds the rest of each row
into one last cell (labelled by the folded columns' labels), so 10,000 columns make 32
units per row, not 10,000.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..config import INGESTION
from ..documents import Block
from .budget import exhausted

GROUP_SEPARATOR = " › "
#: Joins the cells of the columns folded into a wide table's last cell.
FOLD_SEPARATOR = " · "
LABEL_SEPARATOR = " — "
#: Separates the paragraphs and list items of one cell in :attr:`Table.body`.
ITEM_SEPARATOR = "\n"
#: A first-column cell of this many words ending like a sentence is prose, not a label.
MIN_SENTENCE_WORDS = 2
#: Pieces of a cell that introduce the next one rather than say something themselves.
_LEAD_INS = frozenset({"e.g.", "eg", "e.g.,", "i.e.", "for example", "for example:", "such as"})


@dataclass
class Table:
    """A table on one grid: ``head`` rows label columns, ``body`` rows hold cells.

    ``label_columns`` is how many leading columns label their row (header cells in the
    body); 0 leaves it to :func:`table_blocks` (the first column, unless it is prose).
    ``context`` is the heading above the table.
    """

    head: list[list[str]] = field(default_factory=list)
    body: list[list[str]] = field(default_factory=list)
    label_columns: int = 0
    context: str = ""


def table_blocks(table: Table) -> list[Block]:
    """One ``table_row`` block per cell item of a labelled table, one per row of a bare one."""
    width = max((len(row) for row in table.head + table.body), default=0)
    if width == 0:
        return []
    head = [_fold(row + [""] * (width - len(row))) for row in table.head]
    body = [_fold(row + [""] * (width - len(row))) for row in table.body if any(row)]
    width = min(width, INGESTION.max_table_columns)
    if not body and len(head) > 1:  # every cell a header cell: the first row labels the rest
        head, body = head[:1], head[1:]
    if width == 1:
        cells = [row[0] for row in head + body]
        return [Block("paragraph", piece) for cell in cells for piece in _pieces(cell)]
    columns = [_column_label(head, column) for column in range(width)]
    labels = _label_columns(table, body, columns, width)
    if not any(columns[labels:]):
        return [_bare_row(row) for row in body]
    budget = INGESTION.table_label_factor * sum(len(cell) for row in head + body for cell in row)
    blocks: list[Block] = []
    spent = 0
    group = ""
    for row in body:
        if exhausted():  # the file is over a budget: whatever follows would be dropped
            break
        if labels and row[0] and not any(row[1:]):
            group = _cap(_inline(row[0]))
            continue
        if spent > budget:
            blocks.append(_bare_row(row))
            continue
        label = _row_label(row[:labels], group, table.context)
        for column, value in zip(columns[labels:], row[labels:], strict=True):
            shown = column if width - labels > 1 else ""
            for piece in _pieces(value):
                text = _labelled(label, shown, piece)
                spent += len(text)
                blocks.append(Block("table_row", text))
    return blocks


def _fold(row: list[str]) -> list[str]:
    """A row cut to ``INGESTION.max_table_columns`` cells, the last holding the rest."""
    keep = INGESTION.max_table_columns - 1
    if len(row) <= keep + 1:
        return row
    rest = [_inline(cell) for cell in row[keep:] if cell.strip()]
    return [*row[:keep], FOLD_SEPARATOR.join(rest)]


def _label_columns(table: Table, body: list[list[str]], columns: list[str], width: int) -> int:
    """Leading columns that label rows: as the format said, else the first one unless its
    cells are prose (a list, or mostly sentences or text longer than a label)."""
    if table.label_columns:
        return min(table.label_columns, width - 1)
    first = [row[0] for row in body if row[0]]
    if not columns[0] or not first:
        return 1
    if any(ITEM_SEPARATOR in cell for cell in first):
        return 0
    prose = sum(1 for cell in first if _is_prose(cell))
    return 0 if prose > len(first) / 2 else 1


def _is_prose(cell: str) -> bool:
    """A sentence ("Reads every review.") or more text than a label holds."""
    sentence = cell.endswith((".", "!", "?")) and len(cell.split()) >= MIN_SENTENCE_WORDS
    return sentence or len(cell) > INGESTION.cell_label_chars


def _column_label(head: list[list[str]], column: int) -> str:
    """The header rows' texts above ``column``, each once ("Level 3 › Security")."""
    parts: list[str] = []
    for row in head:
        text = _cap(_inline(row[column]))
        if text and text not in parts:
            parts.append(text)
    return _cap(GROUP_SEPARATOR.join(parts))


def _row_label(cells: list[str], group: str, context: str) -> str:
    parts = [group] if group else []
    for cell in cells:
        text = _cap(_inline(cell))
        if text and text not in parts:
            parts.append(text)
    if not cells:
        parts = [_cap(context)] if context else []
    return GROUP_SEPARATOR.join(parts)


def _pieces(cell: str) -> list[str]:
    """A cell's items; an item that introduces the next ("e.g.", "Such as:") joins it."""
    pieces: list[str] = []
    lead = ""
    for piece in cell.split(ITEM_SEPARATOR):
        if not any(ch.isalnum() for ch in piece):  # empty, or a "—" placeholder
            continue
        if piece.casefold() in _LEAD_INS or piece.endswith(":"):
            lead = f"{lead} {piece}".strip()
            continue
        pieces.append(f"{lead} {piece}".strip())
        lead = ""
    return pieces + ([lead] if lead else [])


def _inline(cell: str) -> str:
    return " ".join(cell.split(ITEM_SEPARATOR))


def _cap(text: str) -> str:
    """A label cut to ``INGESTION.cell_label_chars`` at a word boundary when possible."""
    limit = INGESTION.cell_label_chars
    if len(text) <= limit:
        return text
    cut = text[:limit]
    space = cut.rfind(" ")
    return (cut[:space] if space > limit // 2 else cut).rstrip() + "…"


def _labelled(row: str, column: str, value: str) -> str:
    label = LABEL_SEPARATOR.join(part for part in (row, column) if part)
    return f"{label}: {value}" if label else value


def _bare_row(row: list[str]) -> Block:
    cells = [_inline(cell) for cell in row if any(ch.isalnum() for ch in cell)]
    if len(cells) == 2:
        return Block("table_row", f"{cells[0]}: {cells[1]}")
    return Block("table_row", LABEL_SEPARATOR.join(cells))
