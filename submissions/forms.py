"""Forms for proposals. Every error says what to fix."""

import ipaddress
import re
import unicodedata
from urllib.parse import urlsplit

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, URLValidator
from django.utils import timezone

from catalog.models import EARLIEST_YEAR, Category, ResearchGroup
from catalog.text import clean_multiline, validate_single_line
from submissions.models import MAX_TAG_LENGTH, MAX_TAGS, Submission, resource_values

TAG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
LOCAL_HOSTS = {"localhost", "localhost.localdomain"}


def validate_readable_text(value: str) -> None:
    """
    Refuse text that a person could not have typed: NUL and other control
    characters, lone surrogates, and the replacement character that a
    request in a wrong encoding decodes to.
    """
    for character in value:
        if character in "\t\n\r":
            continue
        category = unicodedata.category(character)
        if category in ("Cc", "Cs") or character == "\ufffd":
            raise ValidationError(
                "This text contains characters that could not be read (a control character "
                "or a wrong encoding). Retype it or paste it as plain text.",
                code="unreadable",
            )


class TextField(forms.CharField):
    """A CharField that strips, bounds its length and refuses unreadable characters."""

    default_validators = [validate_readable_text]

    def __init__(self, *, max_length: int, **kwargs):
        super().__init__(max_length=max_length, **kwargs)
        self.error_messages["max_length"] = (
            "Shorten this to at most %(limit_value)d characters (it has %(show_value)d)."
        )


def validate_one_line(value: str) -> None:
    """Readable text (wrong encodings say so first) on a single line (catalog.text)."""
    validate_readable_text(value)
    validate_single_line(value)


class LineField(TextField):
    """One line of text: a title, authors, tags."""

    default_validators = [validate_one_line]


class MultiLineField(TextField):
    """
    Several lines: line breaks become LF, and controls other than tab and LF are
    dropped (catalog.text). NUL is still refused: it means a broken request.
    """

    def to_python(self, value):
        text = super().to_python(value)
        if "\x00" in text:
            return text
        text = clean_multiline(text)
        return text.strip() if self.strip else text


class WebAddressField(forms.URLField):
    """An http(s) address of a public site."""

    default_error_messages = {
        "invalid": "Enter a full web address that starts with https:// or http://.",
    }
    default_validators = [
        validate_readable_text,
        URLValidator(
            schemes=["http", "https"],
            message="Enter a full web address that starts with https:// or http://.",
        ),
    ]

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 500)
        super().__init__(assume_scheme="https", **kwargs)
        self.error_messages["max_length"] = (
            "This address is too long: at most %(limit_value)d characters (it has %(show_value)d)."
        )

    def validate(self, value):
        super().validate(value)
        if not value:
            return
        host = (urlsplit(value).hostname or "").lower()
        try:
            local = not ipaddress.ip_address(host).is_global
        except ValueError:
            local = host in LOCAL_HOSTS or host.endswith((".localhost", ".local", ".internal"))
        if local:
            raise ValidationError(
                "Enter the public address of the work: addresses on a local or private "
                "network cannot be listed.",
                code="local",
            )


class TagsField(LineField):
    """Comma-separated tags, normalised to lowercase hyphenated words."""

    def __init__(self, **kwargs):
        super().__init__(max_length=500, **kwargs)

    def clean(self, value):
        text = super().clean(value)
        names = []
        for raw in text.split(","):
            name = "-".join(raw.strip().lower().split())
            if not name or name in names:
                continue
            if len(name) > MAX_TAG_LENGTH:
                raise ValidationError(
                    f"The tag “{name[:20]}…” is too long: keep each tag under "
                    f"{MAX_TAG_LENGTH} characters."
                )
            if not TAG_PATTERN.match(name):
                raise ValidationError(
                    f"“{raw.strip()}” is not a tag: use letters, digits and hyphens only, "
                    "e.g. sparse-autoencoders."
                )
            names.append(name)
        if len(names) > MAX_TAGS:
            raise ValidationError(f"Give at most {MAX_TAGS} tags (you gave {len(names)}).")
        return names


class ProposalForm(forms.Form):
    """A new resource, or the corrected values of a listed one."""

    url = WebAddressField(
        label="URL",
        help_text="Where the work lives: the paper's abstract page, the tool's repository or "
        "site, the article.",
    )
    title = LineField(max_length=300)
    description = MultiLineField(
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="What the work shows and why it is worth opening, in your own words. "
        "Markdown: *italic*, **bold**, [link](https://…); HTML is shown as text.",
    )
    category = forms.ModelChoiceField(
        queryset=Category.objects.all(),
        empty_label="Choose a category",
        error_messages={"required": "Choose the category the work belongs to."},
    )
    tags = TagsField(
        required=False,
        help_text=f"Up to {MAX_TAGS}, separated by commas, e.g. circuits, sparse-autoencoders.",
    )
    groups = forms.ModelMultipleChoiceField(
        queryset=ResearchGroup.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Research groups",
        help_text="Optional: the labs or communities behind the work.",
    )
    year = forms.IntegerField(
        required=False,
        min_value=EARLIEST_YEAR,
        help_text="Of publication or first release.",
        error_messages={
            "invalid": "Enter the year as four digits, e.g. 2024.",
            "min_value": "Enter a year from %(limit_value)s on.",
            "max_value": "Enter a year up to %(limit_value)s.",
        },
    )
    authors = LineField(
        max_length=1000, required=False, help_text="Comma-separated, as on the work."
    )
    code_url = WebAddressField(
        label="Code URL", required=False, help_text="Optional: the code that goes with a paper."
    )
    note = MultiLineField(
        max_length=2000,
        required=False,
        label="Note to the reviewers",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Optional, seen only by curators.",
    )

    def __init__(self, *args, resource=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.resource = resource
        latest = timezone.now().year + 1
        self.fields["year"].validators.append(MaxValueValidator(latest))
        self.fields["year"].widget.attrs["max"] = latest
        self.fields["title"].error_messages["required"] = "Give the work's title."
        self.fields["url"].error_messages["required"] = "Give the address of the work."
        self.fields["description"].error_messages["required"] = (
            "Describe the work in a sentence or two."
        )
        if resource is not None:
            self.fields["note"].help_text = "Optional: what you corrected and how you know."

    def values(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.fields if name != "note"}

    def clean(self):
        cleaned = super().clean()
        if self.resource is not None and not self.errors:
            original = resource_values(self.resource)
            proposed = {
                **cleaned,
                "category": cleaned["category"].pk,
                "tags": sorted(cleaned["tags"]),
                "groups": sorted(group.pk for group in cleaned["groups"]),
            }
            if all(proposed[name] == original[name] for name in original):
                raise ValidationError(
                    "Nothing has changed: edit the fields that are wrong, then send."
                )
        return cleaned

    @staticmethod
    def initial_from(values: dict) -> dict:
        """Form initial data from resource or proposal values (see resource_values)."""
        return {**values, "tags": ", ".join(values.get("tags") or [])}


class BrokenLinkForm(forms.Form):
    problem = forms.ChoiceField(
        label="What is wrong",
        choices=Submission.LinkProblem.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose what is wrong with the link."},
    )
    note = MultiLineField(
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="Note to the reviewers",
        help_text="Where the work moved, what the page shows now: anything that helps.",
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("problem") == Submission.LinkProblem.OTHER and not cleaned.get("note"):
            self.add_error("note", "Say what is wrong: you chose “Something else”.")
        return cleaned


class ModeratorNoteForm(forms.Form):
    note = MultiLineField(
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 5, "cols": 80}),
        help_text="Sent to the submitter by email and shown on their proposals page.",
    )
