"""The question's length limit, told as the person types rather than after sending.

``st.chat_input(max_chars=…)`` would silently drop a paste that is too long, so the box
has no limit of its own; this ``st.components.v2`` script (no iframe: it runs in the
page) counts the characters under the box — "1,234 / 2,000" — and past the limit says
so in red, disables the send button and ignores Enter. The library still refuses an
over-long question (:func:`assistant.engine.clean_question`), so nothing depends on
the browser. The script is ours and fixed; it receives only the limit.
"""

from __future__ import annotations

import streamlit as st

KEY = "question-limit"
#: The element the count is written to (also what the browser test looks for).
COUNTER_ID = "question-count"

_JS = """
const BOX = "[data-testid=stChatInputTextArea]";
const SEND = "[data-testid=stChatInputSubmitButton]";
const state = { limit: 0, counterId: "" };

function over() {
  const area = document.querySelector(BOX);
  return !!area && area.value.length > state.limit;
}

function update() {
  const area = document.querySelector(BOX);
  const holder = area?.closest("[data-testid=stChatInput]");
  if (!area || !holder) return;
  let counter = document.getElementById(state.counterId);
  if (!counter || !holder.contains(counter)) {
    counter?.remove();
    counter = document.createElement("div");
    counter.id = state.counterId;
    counter.setAttribute("aria-live", "polite");
    Object.assign(counter.style, {
      position: "absolute", right: "0.75rem", bottom: "100%", marginBottom: "0.2rem",
      fontSize: "0.8rem", padding: "0 0.4rem", borderRadius: "0.3rem",
      background: "var(--st-background-color, #fff)", pointerEvents: "none",
    });
    if (getComputedStyle(holder).position === "static") holder.style.position = "relative";
    holder.append(counter);
  }
  const n = area.value.length, fmt = (x) => x.toLocaleString("en-US");
  const tooLong = n > state.limit;
  counter.textContent = tooLong
    ? `${fmt(n)} / ${fmt(state.limit)} characters: shorten your question to send it`
    : `${fmt(n)} / ${fmt(state.limit)}`;
  counter.style.color = tooLong ? "#d6336c" : "rgba(49, 51, 63, 0.6)";
  counter.style.fontWeight = tooLong ? "600" : "400";
  counter.hidden = n === 0;
  const send = document.querySelector(SEND);
  if (send && tooLong) send.disabled = true;
}

// Sending empties the box without an input event: count again once it has.
function sent() {
  for (const ms of [0, 100, 400, 1000]) setTimeout(update, ms);
}

function refuse(event) {
  event.preventDefault();
  event.stopPropagation(); // caught on the document: Streamlit's React never sees it
}

export default function ({ data }) {
  state.limit = data.limit;
  state.counterId = data.counter_id;
  // Listen on the document, in the capture phase: the chat box may be re-created by
  // Streamlit at any rerun, and this runs before React's own handlers.
  if (!window.careerAssistantQuestionLimit) {
    window.careerAssistantQuestionLimit = true;
    document.addEventListener("input", (event) => {
      if (event.target.matches?.(BOX)) requestAnimationFrame(update); // after React's render
    }, true);
    document.addEventListener("keydown", (event) => {
      if (event.target.matches?.(BOX) && event.key === "Enter" && !event.shiftKey) {
        if (over()) refuse(event); else sent();
      }
    }, true);
    document.addEventListener("click", (event) => {
      if (event.target.closest?.(SEND)) { if (over()) refuse(event); else sent(); }
    }, true);
  }
  update();
}
"""

_LIMIT = st.components.v2.component("career_assistant.question_limit", js=_JS)


def watch(limit: int) -> None:
    """Count the chat box's characters against ``limit`` as the person types."""
    _LIMIT(key=KEY, data={"limit": limit, "counter_id": COUNTER_ID})
