"""BibTeX entries for the catalog's papers and surveys."""

import re
import unicodedata

from catalog.canonical import canonical_key

CITABLE_CATEGORIES = frozenset({"papers", "surveys"})
# Characters that mean something to LaTeX, and what stands for each of them.
LATEX_ESCAPES = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}
STOP_WORDS = frozenset({"a", "an", "the", "on", "of", "in", "to", "for", "and", "do", "does", "is"})


def is_citable(resource) -> bool:
    return resource.category.slug in CITABLE_CATEGORIES


def latex_escape(text: str) -> str:
    return "".join(LATEX_ESCAPES.get(character, character) for character in text)


def ascii_word(text: str) -> str:
    return re.sub(
        r"[^a-z0-9]",
        "",
        unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower(),
    )


def author_names(resource) -> list[str]:
    return resource.author_names()


def citation_key(resource) -> str:
    """``lastnameYEARfirstword``, e.g. ``bricken2023towards``; stable while those facts are."""
    authors = author_names(resource)
    surname = ascii_word(authors[0].split()[-1]) if authors else ""
    first_word = next(
        (ascii_word(word) for word in resource.title.split() if ascii_word(word) not in STOP_WORDS),
        "",
    )
    return f"{surname or 'anon'}{resource.year or ''}{first_word}" or resource.slug


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
    if resource.venue:
        fields.append(("note", latex_escape(resource.venue)))
    if key_identity.startswith("arxiv:"):
        fields += [("eprint", key_identity.removeprefix("arxiv:")), ("archiveprefix", "arXiv")]
    if key_identity.startswith("doi:"):
        fields.append(("doi", key_identity.removeprefix("doi:")))
    fields.append(("url", resource.url))
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
    return f"@misc{{{key or citation_key(resource)},\n{body}\n}}\n"


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
    from catalog.models import Resource  # models import this module's neighbours

    works = (
        Resource.objects.published()
        .filter(category__slug__in=CITABLE_CATEGORIES)
        .only("pk", "title", "year", "slug")
        .prefetch_related("authorships__author")
        .order_by("pk")
    )
    by_base: dict[str, list[int]] = {}
    for work in works:
        by_base.setdefault(citation_key(work), []).append(work.pk)
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
    lines = "".join(f"% {' '.join(line.split()).replace('@', '(at)')}\n" for line in header)
    entries = "\n".join(bibtex(resource, key=keys.get(resource.pk)) for resource in resources)
    return f"{lines}\n{entries}" if entries else lines


def ris(resource, key: str | None = None) -> str:
    """One RIS record for ``resource`` (a journal article when it has a venue, else a preprint)."""
    key_identity = canonical_key(resource.url)
    fields = [
        ("TY", "JOUR" if resource.venue else "UNPB"),
        ("ID", key or citation_key(resource)),
        ("TI", resource.title),
    ]
    fields += [("AU", name) for name in author_names(resource)]
    if resource.year:
        fields.append(("PY", str(resource.year)))
    if resource.venue:
        fields.append(("T2", resource.venue))
    if key_identity.startswith("doi:"):
        fields.append(("DO", key_identity.removeprefix("doi:")))
    fields.append(("UR", resource.url))
    fields.append(("ER", ""))
    # RIS wants "TAG  - value" lines ending in CR LF.
    return "".join(f"{tag}  - {value}".rstrip() + "\r\n" for tag, value in fields)


def ris_file(resources, keys: dict[int, str]) -> str:
    return "".join(ris(resource, key=keys.get(resource.pk)) for resource in resources)
