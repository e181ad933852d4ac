"""Which conversation is this browser's: a private id kept in a cookie, never in the URL.

The id is a capability (whoever holds it reads and extends the conversation), so it is
not shown in the address bar, where it would be copied into links, screenshots and
history. The browser keeps it in a first-party cookie that this ``st.components.v2``
component writes (no iframe: its script runs in the page); the server reads it back
from the request that opens each browser session (``st.context.cookies``), so a reload
brings the conversation back on its first run, and another browser, without the
cookie, starts empty. Our script is fixed; it receives only the id and its lifetime.
"""

from __future__ import annotations

import streamlit as st

from ui.history import KEEP_DAYS, new_session_id, valid_session_id

COOKIE = "career_assistant_session"
#: The old address form (``?session=…``): a bookmark of it is adopted once, then dropped.
LEGACY_PARAM = "session"

_JS = """
export default function ({ data }) {
  // SameSite=Strict: never sent with a request another site starts; Secure over HTTPS.
  const secure = location.protocol === "https:" ? "; Secure" : "";
  document.cookie = `${data.name}=${data.value}; Path=/; Max-Age=${data.max_age}`
    + `; SameSite=Strict${secure}`;
}
"""
_REMEMBER = st.components.v2.component("career_assistant.private_session", js=_JS)


def session_id() -> str:
    """This browser's conversation id: the cookie's, else an old ``?session=`` link's,
    else a new one. The URL never keeps it; call once per browser session."""
    legacy = st.query_params.get(LEGACY_PARAM, "")
    if LEGACY_PARAM in st.query_params:
        del st.query_params[LEGACY_PARAM]
    for candidate in (st.context.cookies.get(COOKIE), legacy):
        # (str: AppTest, which has no browser, answers with a stand-in object)
        if isinstance(candidate, str) and valid_session_id(candidate):
            return candidate
    return new_session_id()


def remember(session: str) -> None:
    """Have the browser keep ``session`` (renewed for :data:`KEEP_DAYS` on each visit,
    as long as the conversation itself is kept)."""
    _REMEMBER(
        key="private-session",
        data={"name": COOKIE, "value": session, "max_age": KEEP_DAYS * 86400},
    )
