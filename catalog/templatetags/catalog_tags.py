import html
from urllib.parse import urlsplit

from django import template
from django.utils.safestring import mark_safe

from catalog.links import slug_url
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


@register.simple_tag(name="slug_url")
def slug_url_tag(viewname, slug):
    """``{% url viewname slug %}`` for the pages named by a slug, cheap enough for every row."""
    return slug_url(viewname, slug)


# The list's facets have hundreds of options: built here, where each costs a
# string format, rather than in the template, where each cost a few dozen nodes.


@register.simple_tag
def select_options(options):
    """A facet's <option>s (categories, groups): chosen ones selected, empty ones disabled."""
    return mark_safe(  # noqa: S308 -- every value is escaped
        "".join(
            f'<option value="{html.escape(option.slug)}"{_state(option, " selected")}>'
            f"{html.escape(option.name)} ({option.count})</option>"
            for option in options
        )
    )


@register.simple_tag
def tag_checkboxes(options):
    """The tag facet: one checkbox per tag, named in lower case for the tag filter's search."""
    items = []
    for option in options:
        slug = html.escape(option.slug)
        items.append(
            f'<li data-tag-name="{html.escape(option.name.lower())}"><input type="checkbox" '
            f'id="tag-{slug}" name="tag" value="{slug}"{_state(option, " checked")}>'
            f'<label for="tag-{slug}">{html.escape(option.name)} '
            f'<span class="tag__count">{option.count}</span></label></li>'
        )
    return mark_safe("\n".join(items))  # noqa: S308 -- every value is escaped


def _state(option, chosen: str) -> str:
    if option.selected:
        return chosen
    return "" if option.count else " disabled"
