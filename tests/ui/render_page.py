"""A bare Streamlit page for the browser test: renders $RENDER_CASES through ui.render.

Each case is ``[text, [[start, end], ...]]``, shown in a container keyed ``case-<i>``.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import streamlit as st

from ui.render import highlight_markdown

cases = json.loads(Path(os.environ["RENDER_CASES"]).read_text())
for i, (text, spans) in enumerate(cases):
    with st.container(key=f"case-{i}"):
        st.markdown(highlight_markdown(text, [(start, end) for start, end in spans]))
