"""Small pieces shared by the services that write catalog records from files and proposals."""

import gc
from contextlib import contextmanager

from django.core.exceptions import ValidationError


def validation_summary(error: ValidationError) -> str:
    """One line naming each invalid field and what is wrong with it."""
    return "; ".join(
        f"{name}: {' '.join(messages)}" for name, messages in error.message_dict.items()
    )


def links_differ(manager, links) -> bool:
    """Whether a record's extra links differ from ``links``, (label, url) pairs in order."""
    return list(manager.order_by("id").values_list("label", "url")) != list(links)


@contextmanager
def collector_paused():
    """
    Pause Python's cyclic garbage collector for the length of a large load.
    A load keeps hundreds of thousands of objects (tokens, items, rows) alive
    until it ends, and the collector would walk them all again and again: a
    third of the time of reading 100,000 items. Reference counting still frees
    everything dropped; the collector runs again afterwards.
    """
    if not gc.isenabled():  # paused by an outer block
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
