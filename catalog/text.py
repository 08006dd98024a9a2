"""
What text the catalog accepts, and how every writer makes stored text safe.

The rules, in one place:

- Single-line fields (titles, authors, venues, names, tag names, link labels)
  refuse line breaks (CR, LF, U+2028, U+2029), every C0 and C1 control
  (tab included), lone surrogates and the Unicode non-characters (U+FDD0 to
  U+FDEF, and the last two code points of every plane).
- Multi-line fields (descriptions, notes) keep tab and LF among those: CRLF and
  lone CR become LF, the other forbidden characters are dropped.

Forms and models call ``validate_single_line`` and ``clean_multiline`` at the
door. Text stored before these rules may still hold anything, so each writer
(BibTeX, RIS, feeds, markdown) also passes what it writes through
``clean_single_line`` or ``clean_multiline``: the door is one defence, not the
only one.
"""

import re

from django.core.exceptions import ValidationError

# Character-class ranges, in re syntax.
_CONTROLS_BUT_TAB_AND_LF = "\x00-\x08\x0b-\x1f\x7f-\x9f"
_SURROGATES = "\ud800-\udfff"  # only a wrong decoding leaves one alone in a str
_NON_CHARACTERS = "\ufdd0-\ufdef" + "".join(
    chr(plane + 0xFFFE) + chr(plane + 0xFFFF) for plane in range(0, 0x110000, 0x10000)
)
# Everything a single-line field refuses.
FORBIDDEN = re.compile(
    f"[\t\n\u2028\u2029{_CONTROLS_BUT_TAB_AND_LF}{_SURROGATES}{_NON_CHARACTERS}]"
)
# What a multi-line field drops once its line breaks are normalised to LF.
_DROPPED_FROM_MULTILINE = re.compile(f"[{_CONTROLS_BUT_TAB_AND_LF}{_SURROGATES}{_NON_CHARACTERS}]")
_LINE_BREAK = re.compile("\r\n?|[\u2028\u2029]")
_SPACE_FOR = re.compile("\r\n|[\t\r\n\u2028\u2029]")

SINGLE_LINE_MESSAGE = (
    "Keep this to one line of plain text: it contains a line break or an invisible "
    "control character (%(character)s). Retype it or paste it as plain text."
)


def is_forbidden(character: str) -> bool:
    """Whether a single-line field refuses ``character``."""
    return FORBIDDEN.match(character) is not None


def validate_single_line(value: str) -> None:
    """Refuse a line break, control character, lone surrogate or non-character, naming it."""
    if match := FORBIDDEN.search(value or ""):
        raise ValidationError(
            SINGLE_LINE_MESSAGE,
            code="single_line",
            params={"character": f"U+{ord(match.group()):04X}"},
        )


def clean_single_line(value: str) -> str:
    """
    ``value`` as one line: each line break or tab becomes a space, the other
    forbidden characters are dropped. For writers of stored text.
    """
    return FORBIDDEN.sub("", _SPACE_FOR.sub(" ", value or ""))


def clean_multiline(value: str) -> str:
    """``value`` with LF line breaks: tab and LF kept, the other forbidden characters dropped."""
    return _DROPPED_FROM_MULTILINE.sub("", _LINE_BREAK.sub("\n", value or ""))
