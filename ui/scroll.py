"""Bring the newest question and its answer into view after it is asked.

Streamlit keeps a chat page scrolled to its bottom, so after a question the person sees
the last passage card of the new answer, and the answer itself lands hundreds of pixels
above the screen. This ``st.components.v2`` component (no iframe: its script runs in the
page) scrolls the newest question to the top of the view; the chat input stays pinned
at the bottom. It is rendered only on the run that asked, so a later rerun (a filter
change, a tab switch) never moves the page. Our script is fixed; it receives only the
CSS class of an element of ours.
"""

from __future__ import annotations

import streamlit as st

KEY = "scroll-to-newest"

_JS = """
export default function ({ data }) {
  // Streamlit keeps a chat scrolled to its bottom while the page grows, and lets go only
  // after a scroll event that finds the height as the previous one left it. So: scroll
  // to the question at once, and whenever the page has stopped growing and the question
  // is out of place, scroll to it again with a one-pixel nudge between (a second scroll
  // event, at a steady height) -- for hold_ms, until a newer question takes over, or until
  // the person scrolls, clicks or types. (Ending sooner, once the page seemed settled, let
  // a late rerun pull a slow machine's page back to the bottom.)
  let stop = false;
  const letGo = () => { stop = true; };
  for (const type of ["wheel", "touchmove", "keydown", "mousedown"]) {
    window.addEventListener(type, letGo, { once: true, capture: true });
  }
  const turn = (window.careerAssistantScrollTurn = (window.careerAssistantScrollTurn ?? 0) + 1);
  const box = () => document.querySelector("[data-testid=stAppScrollToBottomContainer]")
    ?? document.documentElement;
  const deadline = Date.now() + data.hold_ms;
  let height = -1, steadySince = Date.now(), first = true;
  const hold = () => {
    const el = document.querySelector("." + data.target), now = Date.now();
    if (stop || now > deadline || turn !== window.careerAssistantScrollTurn) return;
    const h = box().scrollHeight;
    if (h !== height) { height = h; steadySince = now; }
    if (el) {
      el.style.scrollMarginTop = "4.5rem"; // below the page's own top bar
      const off = Math.abs(el.getBoundingClientRect().top - parseFloat(el.style.scrollMarginTop)
        * parseFloat(getComputedStyle(document.documentElement).fontSize));
      if (off > 2 && (first || now - steadySince >= 300)) {
        el.scrollIntoView({ block: "start" });
        first = false;
        requestAnimationFrame(() => {
          box().scrollTop += 1;
          requestAnimationFrame(() => el.scrollIntoView({ block: "start" }));
        });
      }
    }
    setTimeout(hold, 100);
  };
  requestAnimationFrame(hold);
}
"""
#: How long the question is held in view while the rest of the page arrives and reruns,
#: unless the person scrolls, clicks or types first.
HOLD_MS = 20000

_SCROLL = st.components.v2.component("career_assistant.scroll_to_newest", js=_JS)


def question_key(turn_key: str) -> str:
    """The widget key of a turn's question (its CSS class is ``st-key-`` + this)."""
    return f"{turn_key}-question"


def bring_into_view(turn_key: str) -> None:
    """Scroll the question of turn ``turn_key`` to the top of the view, once."""
    _SCROLL(
        key=f"{KEY}-{turn_key}",
        data={"target": f"st-key-{question_key(turn_key)}", "hold_ms": HOLD_MS},
    )
