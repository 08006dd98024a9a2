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
