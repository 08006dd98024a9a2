"""
Hostile input: markup and script in every text field comes out inert, unsafe
link schemes are refused, and oversized fields or bad encodings give a form
error, never a server error.
"""

from html.parser import HTMLParser
from urllib.parse import urlencode

import pytest
from django.urls import reverse

from submissions.models import Submission
from submissions.services import submission_approve
from tests.factories import CategoryFactory, ResourceFactory, SubmissionFactory

pytestmark = pytest.mark.django_db

SCRIPT = "<script>alert('x')</script>"
HANDLER = '<img src=x onerror="alert(1)">'
HOSTILE = f"Title {SCRIPT} {HANDLER}"
RAW_MARKUP = ("<script>alert", "<img src=x")
TEXT_FIELDS = ["title", "description", "authors", "note"]


@pytest.fixture
def papers(db):
    return CategoryFactory(name="Papers", slug="papers")


def proposal(papers, **overrides):
    data = {
        "url": "https://example.org/work",
        "title": "A work",
        "description": "About it.",
        "category": papers.pk,
        "tags": "circuits",
        "year": "2024",
        "authors": "A. Author",
        "code_url": "",
        "note": "",
    }
    return data | overrides


def assert_inert(page):
    for markup in RAW_MARKUP:
        assert markup not in page
    elements = Elements()
    elements.feed(page)
    assert elements.handlers == []
    assert not any(href.lower().startswith(("javascript:", "data:")) for href in elements.links)


class Elements(HTMLParser):
    """What a browser would see as elements: event-handler attributes and link targets."""

    def __init__(self):
        super().__init__()
        self.handlers, self.links = [], []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name.startswith("on"):
                self.handlers.append((tag, name, value))
            if name in ("href", "src", "action") and value:
                self.links.append(value.strip())


def test_markup_in_every_text_field_is_shown_as_text_everywhere(client, user, moderator, papers):
    hostile = {name: HOSTILE for name in TEXT_FIELDS}
    hostile["description"] = f"{HOSTILE}\n\n[click](javascript:alert(1)) [data](data:text/html,x)"
    client.force_login(user)
    client.post(reverse("submissions:create"), proposal(papers, **hostile))
    submission = Submission.objects.get()
    assert submission.title == HOSTILE  # kept as typed, shown escaped

    mine = client.get(reverse("submissions:mine")).content.decode()
    assert_inert(mine)
    assert "&lt;script&gt;" in mine

    client.force_login(moderator)
    admin_page = client.get(
        reverse("admin:submissions_submission_change", args=[submission.pk])
    ).content.decode()
    assert_inert(admin_page)
    assert 'href="javascript:' not in admin_page and 'href="data:' not in admin_page
    queue = client.get(reverse("admin:submissions_submission_changelist")).content.decode()
    assert_inert(queue)

    resource = submission_approve(submission=submission, reviewer=moderator).resource
    public = client.get(resource.get_absolute_url()).content.decode()
    assert_inert(public)
    assert 'href="javascript:' not in public and 'href="data:' not in public
    home = client.get("/").content.decode()
    assert_inert(home)


def test_markup_in_a_moderator_note_is_shown_as_text_to_the_submitter(client, user):
    SubmissionFactory(submitter=user, changes_requested=True, moderator_note=HOSTILE)
    client.force_login(user)
    assert_inert(client.get(reverse("submissions:mine")).content.decode())


@pytest.mark.parametrize("field", ["url", "code_url"])
@pytest.mark.parametrize(
    "address",
    [
        "javascript:alert(1)",
        "JaVaScRiPt:alert(1)",
        "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
        "ftp://example.org/file",
        "http://127.0.0.1:8000/admin/",
        "http://localhost/",
        "http://10.0.0.5/internal",
        "https://[::1]/",
    ],
)
def test_unsafe_or_local_addresses_are_refused(user_client, papers, field, address):
    response = user_client.post(reverse("submissions:create"), proposal(papers, **{field: address}))
    assert response.status_code == 200
    assert not Submission.objects.exists()
    assert 'id="id_' + field + '_error"' in response.content.decode()


def test_markup_in_tags_is_refused(user_client, papers):
    response = user_client.post(
        reverse("submissions:create"), proposal(papers, tags=f"circuits, {SCRIPT}")
    )
    page = response.content.decode()
    assert "is not a tag" in page
    assert_inert(page)
    assert not Submission.objects.exists()


@pytest.mark.parametrize(
    ("field", "size"),
    [
        ("url", 501),
        ("title", 301),
        ("description", 5001),
        ("authors", 1001),
        ("note", 2001),
        ("tags", 501),
        ("code_url", 501),
    ],
)
def test_oversized_fields_give_a_form_error(user_client, papers, field, size):
    value = "x" * size
    if field.endswith("url"):
        value = "https://example.org/" + "a" * size
    response = user_client.post(reverse("submissions:create"), proposal(papers, **{field: value}))
    assert response.status_code == 200
    assert f'id="id_{field}_error"' in response.content.decode()
    assert not Submission.objects.exists()


def test_a_huge_request_body_is_refused_without_a_server_error(user_client, papers):
    response = user_client.post(
        reverse("submissions:create"), proposal(papers, description="x" * 3_000_000)
    )
    assert response.status_code in (200, 400)
    assert not Submission.objects.exists()


@pytest.mark.parametrize("field", ["url", "title", "description", "tags", "authors", "note"])
def test_nul_bytes_give_a_form_error(user_client, papers, field):
    value = "https://example.org/a\x00b" if field == "url" else "before\x00after"
    response = user_client.post(reverse("submissions:create"), proposal(papers, **{field: value}))
    assert response.status_code == 200
    assert f'id="id_{field}_error"' in response.content.decode()
    assert not Submission.objects.exists()


@pytest.mark.parametrize("field", ["category", "year", "groups"])
def test_nul_bytes_in_choices_and_numbers_give_a_form_error(user_client, papers, field):
    response = user_client.post(reverse("submissions:create"), proposal(papers, **{field: "1\x00"}))
    assert response.status_code == 200
    assert f'id="id_{field}_error"' in response.content.decode()


@pytest.mark.parametrize(
    "encoded",
    [
        "%ED%A0%80",  # a lone surrogate, as UTF-8 would encode one
        "%FF%FE",  # bytes that are not UTF-8 at all
        "%C3%28",  # a broken two-byte sequence
    ],
)
@pytest.mark.parametrize("field", ["title", "description", "authors"])
def test_bad_encodings_give_a_form_error(user_client, papers, field, encoded):
    data = proposal(papers)
    data[field] = "PLACEHOLDER"
    body = urlencode(data).replace("PLACEHOLDER", f"before{encoded}after")
    response = user_client.post(
        reverse("submissions:create"), body, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert f'id="id_{field}_error"' in page
    assert "could not be read" in page
    assert not Submission.objects.exists()


def test_broken_link_note_with_nul_bytes_gives_a_form_error(user_client):
    resource = ResourceFactory()
    response = user_client.post(
        reverse("submissions:report", args=[resource.slug]),
        {"problem": "moved", "note": "a\x00b"},
    )
    assert response.status_code == 200
    assert 'id="id_note_error"' in response.content.decode()


@pytest.mark.parametrize("field", ["username", "email", "password1"])
def test_signup_with_nul_bytes_gives_a_form_error(client, field):
    data = {
        "username": "grace",
        "email": "grace@example.org",
        "password1": "correct horse battery staple",
        "password2": "correct horse battery staple",
    }
    data[field] = data[field][:3] + "\x00" + data[field][3:]
    response = client.post(reverse("account_signup"), data)
    assert response.status_code == 200
    assert f'id="id_{field}_error"' in response.content.decode()


def test_login_with_nul_bytes_is_refused_without_a_server_error(client):
    response = client.post(reverse("account_login"), {"login": "ad\x00a", "password": "x\x00y"})
    assert response.status_code == 200
    assert 'aria-invalid="true"' in response.content.decode()


def test_moderator_note_with_nul_bytes_is_refused_in_the_admin(moderator_client):
    submission = SubmissionFactory()
    response = moderator_client.post(
        reverse("admin:submissions_submission_changelist"),
        {
            "action": "reject",
            "_selected_action": [submission.pk],
            "index": 0,
            "apply": "1",
            "note": "bad\x00note",
        },
    )
    assert response.status_code == 200
    assert "could not be read" in response.content.decode()
    submission.refresh_from_db()
    assert submission.state == "pending"
