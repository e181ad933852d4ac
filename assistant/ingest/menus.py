"""Navigation by shape, the same rule for HTML and Markdown: several links and next to
nothing else. Apart from :mod:`.html` so that reading Markdown does not load BeautifulSoup.
"""

from __future__ import annotations

#: A block is a menu when it holds at least this many links and next to nothing else…
MENU_MIN_LINKS = 3
#: …and a list when at least this many items are each nothing but a link ("See also").
LIST_MENU_MIN_LINKS = 2
#: Share of a block's characters inside links above which it is navigation…
MENU_LINK_SHARE = 0.9
#: …or at most this many characters outside its links ("Other pages: · ·").
MENU_MAX_LABEL_CHARS = 24


def is_menu(links: int, linked_chars: int, chars: int) -> bool:
    """Several links and next to nothing else: navigation, in HTML or Markdown."""
    return links >= MENU_MIN_LINKS and (
        linked_chars >= MENU_LINK_SHARE * chars or chars - linked_chars <= MENU_MAX_LABEL_CHARS
    )


def is_link_list(links: int, linked_chars: int, chars: int) -> bool:
    """A list of nothing but links, two or more: navigation, even without separators."""
    return links >= LIST_MENU_MIN_LINKS and linked_chars >= MENU_LINK_SHARE * chars
