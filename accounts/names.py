"""
Usernames: which characters one may hold, and when two look alike.

Two names look alike when their confusables skeletons are equal (Unicode
Technical Standard #39, section 4): Cyrillic “\u0430” and Latin “a” both become “a”,
“m” and “rn” both become “rn”. The table of look-alike characters is the one
Unicode publishes, as packaged by confusable-homoglyphs.
"""

import unicodedata
from functools import cache

from confusable_homoglyphs.confusables import confusables_data
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError

# Names nobody may take, nor anything that looks like them.
RESERVED_NAMES = (
    "admin",
    "administrator",
    "awesome",
    "curator",
    "moderator",
    "moderators",
    "root",
    "staff",
    "support",
    "system",
)
# Characters that never belong in a name: controls, invisible formatting
# (zero-width joiners, bidi overrides), surrogates, private use, unassigned,
# and every kind of space or line separator.
REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zs", "Zl", "Zp"})
# Direction marks the data file wraps right-to-left characters in, for display.
_DISPLAY_MARKS = str.maketrans("", "", "\u200e\u200f")


def validate_username_characters(value: str) -> None:
    """Refuse a name holding a control, invisible or space character."""
    for character in value:
        if unicodedata.category(character) in REFUSED_CATEGORIES:
            raise ValidationError(
                "Use letters, digits and @ . + - _ only: this name holds an invisible or "
                "control character.",
                code="invisible_character",
            )


USERNAME_VALIDATORS = [validate_username_characters, UnicodeUsernameValidator()]


@cache
def _prototypes() -> dict[str, str]:
    """Each confusable character's prototype, the character (or characters) it stands for."""
    table = {
        key.translate(_DISPLAY_MARKS): [glyph["c"].translate(_DISPLAY_MARKS) for glyph in glyphs]
        for key, glyphs in confusables_data.items()
    }
    prototypes = {}
    for character, glyphs in table.items():
        # The data lists each pair both ways: a character whose only glyph lists
        # it back is a source of that glyph, its prototype.
        if len(character) != 1 or len(glyphs) != 1:
            continue
        target = glyphs[0]
        if table.get(target) == [character] and _preferred(character) < _preferred(target):
            continue  # a pair that names only each other: the ASCII or lower one is the prototype
        prototypes[character] = target
    return prototypes


def _preferred(text: str) -> tuple[bool, str]:
    return (not text.isascii(), text)


def skeleton(name: str) -> str:
    """
    The form two look-alike names share: compatibility-normalised and
    case-folded, each character replaced by its prototype, until stable.
    """
    prototypes = _prototypes()
    text = unicodedata.normalize("NFKC", name).casefold()
    for _ in range(4):
        decomposed = unicodedata.normalize("NFD", text)
        mapped = "".join(
            prototypes.get(character, character)
            for character in decomposed
            if unicodedata.category(character) != "Cf"  # invisible: looks like nothing
        )
        mapped = unicodedata.normalize("NFD", mapped).casefold()
        if mapped == text:
            break
        text = mapped
    return text
