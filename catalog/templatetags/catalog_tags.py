from urllib.parse import urlsplit

from django import template

from catalog.markdown import markdown_text, render_markdown

register = template.Library()


@register.filter(name="markdown")
def markdown_filter(text):
    """Render curator-written markdown as sanitised HTML."""
    return render_markdown(text)


@register.filter(name="markdown_text")
def markdown_text_filter(text):
    """Curator-written markdown as plain text, for attributes such as meta descriptions."""
    return markdown_text(text)


@register.filter
def hostname(url):
    """The host a link leads to, without "www.": shown so readers know where they go."""
    return (urlsplit(url).hostname or "").removeprefix("www.")


@register.filter
def duration_words(duration):
    """A timedelta in the unit a reader wants: "40 minutes", "5 hours", "3.5 days"."""
    hours = duration.total_seconds() / 3600
    if hours < 1:
        return f"{max(1, round(hours * 60))} minutes"
    if hours < 48:
        return f"{hours:.0f} hours" if hours >= 1.5 else "1 hour"
    return f"{hours / 24:.1f} days".replace(".0 days", " days")


@register.filter
def loaded_repository(resource):
    """
    The resource's repository facts when the view loaded them
    (``with_related()`` or ``select_related("repository")``), else None: a
    template never costs a query per resource for them.
    """
    descriptor = type(resource).repository
    if not descriptor.related.is_cached(resource):
        return None
    return descriptor.related.get_cached_value(resource)


@register.filter
def compact_number(value):
    """2874 → "2.9k", 12400 → "12k": a count read at a glance."""
    if value is None:
        return ""
    if value < 1000:
        return str(value)
    if value < 10000:
        return f"{value / 1000:.1f}k".replace(".0k", "k")
    return f"{round(value / 1000)}k"
