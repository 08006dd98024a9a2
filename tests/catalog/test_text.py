"""The text rules at the door: single-line fields refuse, multi-line fields clean."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st
from taggit.models import Tag

from catalog.models import Author, Category, ResearchGroup, Resource, ResourceLink
from catalog.text import (
    FORBIDDEN,
    clean_multiline,
    clean_single_line,
    is_forbidden,
    validate_single_line,
)
from submissions.models import Submission
from tests.factories import CategoryFactory, ResourceFactory

REFUSED = [
    "\r", "\n", "\t", "\x00", "\x08", "\x1b", "\x7f", "\x85", "\x9f", "\u2028", "\u2029",
    "\ud800", "\udfff", "\ufdd0", "\ufdef", "\ufffe", "\uffff", "\U0001fffe", "\U0010ffff",
]  # fmt: skip
ACCEPTED = ["é", "\u202e", "\u2066", "\u200b", "\ufeff", "\ufffd", "\U0001f600", "\u0430", "{", "&"]


@pytest.mark.parametrize("character", REFUSED)
def test_single_line_refuses_line_breaks_controls_surrogates_and_non_characters(character):
    with pytest.raises(ValidationError) as refused:
        validate_single_line(f"before{character}after")

    assert f"U+{ord(character):04X}" in refused.value.messages[0]
    assert "one line" in refused.value.messages[0]


@pytest.mark.parametrize("character", ACCEPTED)
def test_single_line_accepts_other_unicode(character):
    validate_single_line(f"before{character}after")
    assert not is_forbidden(character)


def test_multiline_keeps_tab_and_lf_and_normalises_line_breaks():
    text = "one\r\ntwo\rthree\u2028four\u2029five\tsix\x08\x00\x85\ufffe\ud800\n"

    assert clean_multiline(text) == "one\ntwo\nthree\nfour\nfive\tsix\n"


def test_single_line_cleaning_makes_breaks_spaces_and_drops_the_rest():
    assert clean_single_line("one\r\ntwo\tthree\nfour\x08\ufffe five") == "one two three four five"


@settings(max_examples=100, deadline=None, database=None)
@given(st.text(st.characters(exclude_categories=())))
def test_cleaning_any_text_leaves_it_acceptable(text):
    single, multi = clean_single_line(text), clean_multiline(text)

    validate_single_line(single)
    assert not FORBIDDEN.search(multi.replace("\n", "").replace("\t", ""))
    assert clean_single_line(single) == single and clean_multiline(multi) == multi


@pytest.mark.django_db
def test_models_refuse_a_line_break_in_a_single_line_field():
    category = CategoryFactory()
    resource = Resource(
        title="Two\nlines", url="https://example.org/a", category=category, venue="Six\rseven",
        slug="two-lines",
    )  # fmt: skip
    with pytest.raises(ValidationError) as refused:
        resource.full_clean()
    assert set(refused.value.message_dict) == {"title", "venue"}

    for instance, field in [
        (Category(name="Pa\x08pers", slug="papers"), "name"),
        (ResearchGroup(name="Lab\u2028", slug="lab"), "name"),
        (Author(name="Ada\rLovelace", slug="ada-lovelace"), "name"),
        (ResourceLink(resource=ResourceFactory(), label="Code\t", url="https://a.org/"), "label"),
    ]:
        with pytest.raises(ValidationError) as refused:
            instance.full_clean()
        assert list(refused.value.message_dict) == [field]


@pytest.mark.django_db
def test_models_store_descriptions_with_clean_line_breaks():
    resource = ResourceFactory(description="One\r\ntwo\x08 \ufffethree")

    resource.refresh_from_db()

    assert resource.description == "One\ntwo three"


@pytest.mark.django_db
def test_admin_refuses_a_line_break_in_a_title_with_a_message(staff_client):
    resource = ResourceFactory(title="Before")
    url = reverse("admin:catalog_resource_change", args=[resource.pk])
    data = {
        "title": "Forged\r\nTY  - JOUR",
        "slug": resource.slug,
        "url": resource.url,
        "status": "published",
        "description": "",
        "category": resource.category.pk,
        "year": "2023",
        "authors": "",
        "venue": "",
        "code_url": "",
        "links-TOTAL_FORMS": "0",
        "links-INITIAL_FORMS": "0",
    }

    response = staff_client.post(url, data)

    assert response.status_code == 200
    assert "Keep this to one line" in response.content.decode()
    resource.refresh_from_db()
    assert resource.title == "Before"


@pytest.mark.django_db
def test_admin_refuses_a_control_character_in_a_tag_name(staff_client):
    response = staff_client.post(
        reverse("admin:taggit_tag_add"), {"name": "circ\x08uits", "slug": "circuits"}
    )

    assert response.status_code == 200
    assert "Keep this to one line" in response.content.decode()
    assert not Tag.objects.exists()


@pytest.fixture
def papers(db):
    return CategoryFactory(name="Papers", slug="papers")


def proposal(papers, **overrides):
    return {
        "url": "https://example.org/work",
        "title": "A work",
        "description": "About it.",
        "category": papers.pk,
        "tags": "circuits",
        "year": "2024",
        "authors": "A. Author",
        "code_url": "",
        "note": "",
    } | overrides


@pytest.mark.parametrize("field", ["title", "authors", "tags"])
@pytest.mark.parametrize("text", ["a\r\nb", "a\nb", "a\u2028b", "a\ufffeb", "a\x85b"])
def test_proposal_refuses_a_line_break_or_invisible_character_in_a_single_line_field(
    user_client, papers, field, text
):
    response = user_client.post(reverse("submissions:create"), proposal(papers, **{field: text}))

    page = response.content.decode()
    assert f'id="id_{field}_error"' in page
    assert "one line" in page or "could not be read" in page
    assert not Submission.objects.exists()


def test_proposal_cleans_a_multi_line_description_and_note(user_client, papers):
    user_client.post(
        reverse("submissions:create"),
        proposal(
            papers, description="First\r\nsecond\x08 &#8;\x1b[0m \ufffe", note="Note\rnext\x07"
        ),
    )

    submission = Submission.objects.get()
    assert submission.description == "First\nsecond &#8;[0m"
    assert submission.note == "Note\nnext"
