import bibtexparser
import pytest
import rispy

from catalog.citations import catalog_citation_keys, key_suffix
from catalog.models import Resource
from catalog.services.starting_catalog import catalog_load
from tests.factories import CategoryFactory, ResourceFactory, store_authors

pytestmark = pytest.mark.django_db


@pytest.fixture
def papers():
    return CategoryFactory(slug="papers", name="Papers")


@pytest.fixture
def namesakes(papers):
    """Three papers whose natural keys collide, a tool, and a draft that could leak."""
    first = ResourceFactory(
        title="Toy Models of Superposition", authors="Nelson Elhage, Tristan Hume",
        year=2022, category=papers, tags=["superposition"],
    )  # fmt: skip
    second = ResourceFactory(
        title="Toy Models of Memorization", authors="Nelson Elhage", year=2022,
        category=papers, tags=["superposition"],
    )  # fmt: skip
    third = ResourceFactory(
        title="Toy models, again", authors="N. Elhage", year=2022, category=papers,
        url="https://arxiv.org/abs/2209.10652", tags=["other"],
    )  # fmt: skip
    ResourceFactory(title="A tool", tags=["superposition"])
    ResourceFactory(
        title="Toy draft", authors="Nelson Elhage", year=2022, category=papers,
        draft=True, tags=["superposition"],
    )  # fmt: skip
    return first, second, third


def parse_bibtex(text):
    library = bibtexparser.parse_string(text)
    assert library.failed_blocks == []
    return library.entries


def test_colliding_keys_get_suffixes_in_order_of_addition(namesakes):
    first, second, third = namesakes

    keys = catalog_citation_keys()

    assert [keys[first.pk], keys[second.pk], keys[third.pk]] == [
        "elhage2022toya",
        "elhage2022toyb",
        "elhage2022toyc",
    ]


def test_key_suffixes_go_on_after_z():
    assert [key_suffix(n) for n in (0, 1, 25, 26, 27, 51, 52)] == [
        "a", "b", "z", "aa", "ab", "az", "ba",
    ]  # fmt: skip


def test_filtered_bibtex_parses_with_unique_keys_and_only_published_papers(client, namesakes):
    response = client.get("/resources/export.bib", {"tag": "superposition"})

    assert response["Content-Type"] == "application/x-bibtex; charset=utf-8"
    entries = parse_bibtex(response.content.decode())
    assert [entry.key for entry in entries] == ["elhage2022toyb", "elhage2022toya"]
    assert {entry["title"] for entry in entries} == {
        "{Toy Models of Memorization}",
        "{Toy Models of Superposition}",
    }
    assert "draft" not in response.content.decode().lower()
    assert "A tool" not in response.content.decode()


def test_bibtex_keys_are_the_same_in_every_file_and_on_the_page(client, namesakes):
    second = namesakes[1]

    tagged = parse_bibtex(client.get("/resources/export.bib?tag=superposition").content.decode())
    everything = parse_bibtex(client.get("/resources/export.bib").content.decode())
    single = parse_bibtex(client.get(f"/resources/{second.slug}/cite.bib").content.decode())

    key_of = {entry["title"]: entry.key for entry in everything}
    assert {entry["title"]: entry.key for entry in tagged}.items() <= key_of.items()
    assert single[0].key == key_of["{Toy Models of Memorization}"] == "elhage2022toyb"
    assert key_of["{Toy models, again}"] == "elhage2022toyc"
    arxiv = next(entry for entry in everything if entry.key == "elhage2022toyc")
    assert arxiv["eprint"] == "2209.10652"


def test_bibtex_of_the_whole_starting_catalog_parses_with_unique_keys(client):
    catalog_load()

    entries = parse_bibtex(client.get("/resources/export.bib").content.decode())

    keys = [entry.key for entry in entries]
    assert len(keys) == len(set(keys))
    assert (
        len(entries)
        == Resource.objects.published().filter(category__slug__in=["papers", "surveys"]).count()
    )


def test_bibtex_export_says_which_filters_it_ignored(client, namesakes):
    response = client.get("/resources/export.bib", {"year_min": "soon", "tag": "superposition"})

    text = response.content.decode()
    assert response.status_code == 200
    assert "% “soon” is not a year from 1900 to 2100" in text
    assert "% filters: tag=superposition\n" in text
    assert len(parse_bibtex(text)) == 2


@pytest.mark.parametrize(
    "injected",
    [
        "none @misc{injected, title = {Not in the catalog}}",
        "none\n@misc{injected,\n  title = {Not in the catalog}\n}\n",
    ],
)
def test_bibtex_export_quotes_an_ignored_value_without_starting_an_entry(
    client, namesakes, injected
):
    response = client.get("/resources/export.bib", {"year_min": injected, "tag": "superposition"})

    text = response.content.decode()
    assert "injected" in text
    assert all(line.startswith("%") for line in text.split("\n\n")[0].splitlines())
    assert len(parse_bibtex(text)) == 2


def test_bibtex_export_of_an_empty_list_is_a_valid_empty_file(client, namesakes):
    tools = Resource.objects.get(title="A tool").category
    response = client.get("/resources/export.bib", {"category": tools.slug, "tag": "superposition"})

    assert response.status_code == 200
    assert parse_bibtex(response.content.decode()) == []
    assert response.content.decode().startswith("% 0 paper(s) and survey(s)")


def test_ris_export_lists_the_same_works_with_the_same_keys(client, namesakes):
    response = client.get("/resources/export.ris", {"tag": "superposition"})

    assert response["Content-Type"] == "application/x-research-info-systems; charset=utf-8"
    records = rispy.loads(response.content.decode())
    assert [(record["id"], record["title"]) for record in records] == [
        ("elhage2022toyb", "Toy Models of Memorization"),
        ("elhage2022toya", "Toy Models of Superposition"),
    ]
    assert records[1]["authors"] == ["Nelson Elhage", "Tristan Hume"]
    assert records[1]["year"] == "2022"
    assert records[1]["type_of_reference"] == "UNPB"


def test_ris_of_one_paper_and_refusal_for_a_tool(client, namesakes):
    first, _, _ = namesakes
    tool = Resource.objects.get(title="A tool")

    record = rispy.loads(client.get(f"/resources/{first.slug}/cite.ris").content.decode())[0]

    assert record["title"] == "Toy Models of Superposition"
    assert record["urls"] == [first.url]
    assert client.get(f"/resources/{tool.slug}/cite.ris").status_code == 404


def test_resource_list_links_to_citations_of_the_filtered_list(client, namesakes):
    response = client.get("/resources/", {"tag": "superposition"})

    content = response.content.decode()
    assert 'href="/resources/export.bib?tag=superposition"' in content
    assert 'href="/resources/export.ris?tag=superposition"' in content


FORGED_BIBTEX = 'Nice paper}} @misc(injected2024, url = "https://evil.example/bib")'
FORGED_RIS = "Nice paper\r\nTY  - JOUR\r\nUR  - https://evil.example/\r\nER  - "


def test_bibtex_title_closing_braces_cannot_forge_an_entry(client, namesakes):
    # Issue 9, finding 5: "\}" still closes a brace for BibTeX, so the title ended early.
    first = namesakes[0]
    Resource.objects.filter(pk=first.pk).update(title=FORGED_BIBTEX)
    store_authors(first, ["A}", "B{ \\"])

    single = parse_bibtex(client.get(f"/resources/{first.slug}/cite.bib").content.decode())
    everything = parse_bibtex(client.get("/resources/export.bib").content.decode())

    assert len(single) == 1
    assert single[0]["title"] == (
        r'{Nice paper\textbraceright{}\textbraceright{} @misc(injected2024, url = "https://evil.example/bib")}'
    )
    assert single[0]["url"] == first.url
    assert len(everything) == 3
    assert not any("injected" in entry.key for entry in everything)


@pytest.mark.parametrize("field", ["title", "authors", "venue"])
def test_ris_line_breaks_cannot_forge_a_record(client, namesakes, field):
    # Issue 9, finding 6: CR LF in a single-line field started a new record.
    first = namesakes[0]
    if field == "authors":
        store_authors(first, [FORGED_RIS])
    else:
        Resource.objects.filter(pk=first.pk).update(**{field: FORGED_RIS})

    records = rispy.loads(client.get("/resources/export.ris").content.decode())
    single = rispy.loads(client.get(f"/resources/{first.slug}/cite.ris").content.decode())

    assert len(records) == 3
    assert len(single) == 1
    assert all(record["urls"] != ["https://evil.example/"] for record in records)
    key = {"title": "title", "authors": "authors", "venue": "secondary_title"}[field]
    expected = "Nice paper TY  - JOUR UR  - https://evil.example/ ER  -"
    if field == "authors":  # an author's name is stored with its spaces collapsed
        assert single[0][key] == [" ".join(expected.split())]
    else:
        assert single[0][key] == expected
