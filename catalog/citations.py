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
    return [name.strip() for name in resource.authors.split(",") if name.strip()]


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
