"""Text from a register or a file shown by Streamlit as itself, never as Markdown.

st.markdown, st.caption, st.info/warning/error/success, st.toast and widget labels all read
Markdown: a branch a township named `[点此核对](http://…)` would be a live link in the page,
`![](http://…)` an image the reader's browser fetches, `**已核实**` bold, `:red[…]` coloured,
`$…$` a formula. Every value that comes from a register, a file name
or a sheet goes through `plain` before it is put into such text.
"""

from __future__ import annotations

import re

# What starts an inline construct: links and images ([ ]), emphasis (* _), code (`), strike-
# through (~), math ($), raw HTML (<), an entity (&), a table cell (|), an escape (\\).
_INLINE = re.compile(r"([\\`*_\[\]<>$~|&])")
# What starts a block when it opens the text: a heading, quote, list item or rule.
_BLOCK = re.compile(r"^(\s*|\s*\d+(?=[.)]))([#>+=-]|(?<=\d)[.)])")
_LINE_BREAK = re.compile(r"[\r\n\u2028\u2029]+")
# A bare http://…, www.… or name@host becomes a link after parsing (remark-gfm finds them in
# the text itself, escapes or not): an invisible WORD JOINER breaks each pattern.
_AUTOLINK = re.compile(r"(?<=:)(?=//)|(?<=www)(?=\.)|(?<=@)", re.IGNORECASE)
JOINER = "\u2060"


def plain(text: object) -> str:
    """`text` as Markdown that shows exactly `text` (line breaks read as spaces)."""
    text = _AUTOLINK.sub(JOINER, _LINE_BREAK.sub(" ", str(text)))
    text = _INLINE.sub(r"\\\1", text)
    return _BLOCK.sub(r"\1\\\2", text, count=1)
