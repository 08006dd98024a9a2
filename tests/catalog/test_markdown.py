from html.parser import HTMLParser

from catalog.markdown import render_markdown


def parsed_elements(html):
    """The (tag, attributes) of every element a browser would build from ``html``."""
    elements = []

    class Collector(HTMLParser):
        def handle_starttag(self, tag, attrs):
            elements.append((tag, dict(attrs)))

    Collector().feed(html)
    return elements


def test_markdown_renders_emphasis_code_and_links():
    html = render_markdown(
        "Uses *sparse* `autoencoders`; see [the paper](https://arxiv.org/abs/2309.08600)."
    )
    assert "<em>sparse</em>" in html
    assert "<code>autoencoders</code>" in html
    assert 'href="https://arxiv.org/abs/2309.08600"' in html
    assert 'rel="nofollow noopener noreferrer"' in html


def test_markdown_script_tag_comes_out_as_text():
    html = render_markdown('Hello <script>alert("x")</script> world')
    assert "<script" not in html
    assert "&lt;script&gt;" in html


def test_markdown_javascript_and_data_links_lose_their_target():
    html = render_markdown(
        "[click](javascript:alert(1)) [data](data:text/html;base64,PHNjcmlwdD4=)"
    )
    hrefs = [attributes.get("href") for tag, attributes in parsed_elements(html) if tag == "a"]
    assert all(href is None for href in hrefs)
    assert "click" in html and "data" in html


def test_markdown_raw_html_with_event_handlers_stays_text():
    html = render_markdown(
        '<img src=x onerror="alert(1)"> <a href="https://x.org" onclick="alert(1)">x</a>'
    )
    elements = parsed_elements(html)
    assert [tag for tag, _ in elements] == ["p"]
    assert "&lt;img" in html


def test_markdown_images_are_dropped():
    assert "<img" not in render_markdown("![tracker](https://evil.example/pixel.png)")
