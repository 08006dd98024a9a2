from urllib.parse import urlsplit

from django import template

from catalog.markdown import render_markdown

register = template.Library()


@register.filter(name="markdown")
def markdown_filter(text):
    """Render curator-written markdown as sanitised HTML."""
    return render_markdown(text)


@register.filter
def hostname(url):
    """The host a link leads to, without "www.": shown so readers know where they go."""
    return (urlsplit(url).hostname or "").removeprefix("www.")
