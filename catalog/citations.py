"""
BibTeX entries and RIS records for the catalog's papers and surveys.

Both are written from stored text that may predate the rules of catalog.text,
so neither trusts it. In BibTeX every brace comes from this module: the ones
around each field and key, and the balanced ``{}`` of the escapes below. No
text can close a field early, and so none can start an entry of its own. In
RIS every value is put on one line, so none can start a tag or a record.
"""

import re
import unicodedata

from catalog.canonical import canonical_key
from catalog.text import clean_single_line

CITABLE_CATEGORIES = frozenset({"papers", "surveys"})
# Characters that mean something to LaTeX, and what stands for each of them.
# Braces are spelt out: BibTeX counts "\}" as a closing brace like any other.
LATEX_ESCAPES = {
    "\\": r"\textbackslash{}",
    "{": r"\textbraceleft{}",
    "}": r"\textbraceright{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}
# In a URL or identifier, written verbatim: what would unbalance braces is percent-encoded.
VERBATIM_ESCAPES = {"\\": "%5C", "{": "%7B", "}": "%7D"}
KEY_UNSAFE = re.compile(r"[^A-Za-z0-9_:.+-]")
STOP_WORDS = frozenset({"a", "an", "the", "on", "of", "in", "to", "for", "and", "do", "does", "is"})


def is_citable(resource) -> bool:
    return resource.category.slug in CITABLE_CATEGORIES


def latex_escape(text: str) -> str:
    """``text`` on one line, with LaTeX's special characters escaped and no unbalanced brace."""
    return "".join(LATEX_ESCAPES.get(character, character) for character in clean_single_line(text))


def verbatim(text: str) -> str:
    """A URL or identifier on one line, its braces and backslashes percent-encoded."""
    return "".join(
        VERBATIM_ESCAPES.get(character, character) for character in clean_single_line(text)
    )


def one_line(text: str) -> str:
    """A RIS value: one line, without the spaces around it that readers strip."""
    return clean_single_line(text).strip()


def ascii_word(text: str) -> str:
    return re.sub(
        r"[^a-z0-9]",
        "",
        unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower(),
    )


def author_names(resource) -> list[str]:
    return written_names(resource.author_names())


def written_names(names) -> list[str]:
    """``names`` as one line each, without the empty ones."""
    names = (one_line(name) for name in names)
    return [name for name in names if name]


def citation_key(resource) -> str:
    """``lastnameYEARfirstword``, e.g. ``bricken2023towards``; stable while those facts are."""
    return key_of(resource.title, resource.year, resource.slug, author_names(resource))


def key_of(title: str, year: int | None, slug: str, authors: list[str]) -> str:
    """``citation_key`` from a work's facts, its authors' names written as ``author_names``."""
    surname = ascii_word(authors[0].split()[-1]) if authors else ""
    first_word = next(
        (ascii_word(word) for word in title.split() if ascii_word(word) not in STOP_WORDS),
        "",
    )
    return f"{surname or 'anon'}{year or ''}{first_word}" or slug


def bibtex(resource, key: str | None = None) -> str:
    """One BibTeX entry for ``resource``; arXiv papers carry their eprint identifier."""
    key_identity = canonical_key(resource.url)
    fields = [("title", "{" + latex_escape(resource.title) + "}")]
    authors = [
        "others" if name.lower() in {"et al.", "et al", "others"} else latex_escape(name)
        for name in author_names(resource)
    ]
    if authors:
        fields.append(("author", " and ".join(authors)))
    if resource.year:
        fields.append(("year", str(resource.year)))
    if venue := one_line(resource.venue):
        fields.append(("note", latex_escape(venue)))
    if key_identity.startswith("arxiv:"):
        fields += [
            ("eprint", verbatim(key_identity.removeprefix("arxiv:"))),
            ("archiveprefix", "arXiv"),
        ]
    if key_identity.startswith("doi:"):
        fields.append(("doi", verbatim(key_identity.removeprefix("doi:"))))
    fields.append(("url", verbatim(resource.url)))
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
    key = KEY_UNSAFE.sub("", key or citation_key(resource)) or "entry"
    return f"@misc{{{key},\n{body}\n}}\n"


def key_suffix(number: int) -> str:
    """a, b, ..., z, aa, ab, ...: the letters told apart colliding keys."""
    letters = ""
    number += 1
    while number:
        number, remainder = divmod(number - 1, 26)
        letters = chr(ord("a") + remainder) + letters
    return letters


def catalog_citation_keys() -> dict[int, str]:
    """
    The citation key of every published paper and survey, by primary key:
    ``citation_key`` where it is unique, and with a, b, ... appended, in order
    of addition to the catalog, where several works share it. Computed over the
    whole catalog, so a work has the same key in every file and on its page.
    """
    from catalog.models import Resource, ResourceAuthor  # models import this module's neighbours

    # Plain rows rather than model instances: this runs over the whole catalog
    # after every change, on the first request for a page that shows a key.
    citable = Resource.objects.published().filter(category__slug__in=CITABLE_CATEGORIES)
    works = citable.order_by("pk").values_list("pk", "title", "year", "slug")
    names: dict[int, list[str]] = {}
    credits = (
        ResourceAuthor.objects.filter(resource__in=citable)
        .order_by("resource_id", "position")
        .values_list("resource_id", "author__name")
    )
    for resource_id, name in credits:
        names.setdefault(resource_id, []).append(name)
    by_base: dict[str, list[int]] = {}
    for pk, title, year, slug in works:
        base = key_of(title, year, slug, written_names(names.get(pk, ())))
        by_base.setdefault(base, []).append(pk)
    keys, used = {}, set(by_base)
    for base, pks in by_base.items():
        if len(pks) == 1:
            keys[pks[0]] = base
            continue
        number = 0
        for pk in pks:
            while (key := base + key_suffix(number)) in used:
                number += 1
            keys[pk] = key
            used.add(key)
            number += 1
    return keys


def bibtex_file(resources, keys: dict[int, str], header: list[str]) -> str:
    """BibTeX entries for ``resources``, under a header of ``%`` comment lines."""
    # A header line may quote what a visitor typed. BibTeX starts an entry at any "@",
    # comment or not, so none is let through, and each line stays one line.
    lines = "".join(
        f"% {' '.join(clean_single_line(line).split()).replace('@', '(at)')}\n" for line in header
    )
    entries = "\n".join(bibtex(resource, key=keys.get(resource.pk)) for resource in resources)
    return f"{lines}\n{entries}" if entries else lines


def ris(resource, key: str | None = None) -> str:
    """One RIS record for ``resource`` (a journal article when it has a venue, else a preprint)."""
    key_identity = canonical_key(resource.url)
    fields = [
        ("TY", "JOUR" if (venue := one_line(resource.venue)) else "UNPB"),
        ("ID", key or citation_key(resource)),
        ("TI", resource.title),
    ]
    fields += [("AU", name) for name in author_names(resource)]
    if resource.year:
        fields.append(("PY", str(resource.year)))
    if venue:
        fields.append(("T2", venue))
    if key_identity.startswith("doi:"):
        fields.append(("DO", key_identity.removeprefix("doi:")))
    # Readers split UR at ";" into several addresses: one address keeps its own.
    fields.append(("UR", one_line(resource.url).replace(";", "%3B")))
    fields.append(("ER", ""))
    # RIS wants "TAG  - value" lines ending in CR LF.
    return "".join(f"{tag}  - {one_line(value)}".rstrip() + "\r\n" for tag, value in fields)


def ris_file(resources, keys: dict[int, str]) -> str:
    return "".join(ris(resource, key=keys.get(resource.pk)) for resource in resources)
