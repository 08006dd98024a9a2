"""Small pieces shared by the services that write catalog records from files and proposals."""

from django.core.exceptions import ValidationError


def validation_summary(error: ValidationError) -> str:
    """One line naming each invalid field and what is wrong with it."""
    return "; ".join(
        f"{name}: {' '.join(messages)}" for name, messages in error.message_dict.items()
    )


def links_differ(manager, links) -> bool:
    """Whether a record's extra links differ from ``links``, (label, url) pairs in order."""
    return list(manager.order_by("id").values_list("label", "url")) != list(links)
