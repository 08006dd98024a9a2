"""Forms for proposals. Every error says what to fix."""

import ipaddress
import json
import re
import unicodedata
from urllib.parse import urlsplit

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, URLValidator
from django.utils import timezone
from taggit.models import Tag

from catalog.models import EARLIEST_YEAR, Category, ResearchGroup, Resource
from catalog.text import clean_multiline, validate_single_line
from submissions.models import (
    MAX_EXTRA_LINKS,
    MAX_TAG_LENGTH,
    MAX_TAGS,
    PROPOSED_FIELDS,
    Submission,
    resource_values,
)

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
    venue = LineField(
        max_length=200,
        required=False,
        help_text="Optional: where the work appeared, e.g. NeurIPS 2023 or ICLR 2024 Spotlight.",
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
        initial_links = [
            {"label": label, "url": url} for label, url in self.initial.get("extra_links") or []
        ]
        links_sent = self.is_bound and "links-TOTAL_FORMS" in self.data
        self.links = ExtraLinkFormSet(
            self.data if links_sent else None, prefix="links", initial=initial_links
        )
        vocabulary = tag_vocabulary()
        self.fields["tags"].widget.attrs.update(
            {
                "list": "tag-vocabulary",
                "autocomplete": "off",
                "data-vocabulary": json.dumps(vocabulary),
            }
        )
        self.tag_vocabulary = vocabulary
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
        values = {name: self.cleaned_data[name] for name in self.fields if name != "note"}
        return values | {"extra_links": self.links.pairs()}

    def is_valid(self):
        # Both, always, so that every error shows at once.
        return all([super().is_valid(), self.links.is_valid()])

    def clean(self):
        cleaned = super().clean()
        if self.resource is not None and not self.errors and self.links.is_valid():
            original = resource_values(self.resource)
            proposed = {
                **cleaned,
                "category": cleaned["category"].pk,
                "tags": sorted(cleaned["tags"]),
                "groups": sorted(group.pk for group in cleaned["groups"]),
                "extra_links": [list(pair) for pair in self.links.pairs()],
            }
            if all(proposed[name] == original[name] for name in original):
                raise ValidationError(
                    "Nothing has changed: edit the fields that are wrong, then send."
                )
        return cleaned

    def new_tags(self) -> list[str]:
        """The tags given that the vocabulary lacks (marked as new for the curators)."""
        known = set(self.tag_vocabulary)
        return [name for name in self.cleaned_data.get("tags") or [] if name not in known]

    @staticmethod
    def initial_from(values: dict) -> dict:
        """Form initial data from resource or proposal values (see resource_values)."""
        return {**values, "tags": ", ".join(values.get("tags") or [])}


def tag_vocabulary() -> list[str]:
    """The tags of published resources, for autocomplete: nothing unreviewed is offered."""
    return sorted(
        Tag.objects.filter(
            catalog_taggedresource_items__content_object__status=Resource.Status.PUBLISHED
        )
        .values_list("name", flat=True)
        .distinct()
    )


class ExtraLinkForm(forms.Form):
    label = LineField(max_length=50, required=False, help_text="e.g. OpenReview, Code, Thread.")
    url = WebAddressField(label="URL", required=False)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("url") and not cleaned.get("label"):
            self.add_error("label", "Say what the link is, e.g. OpenReview.")
        if cleaned.get("label") and not cleaned.get("url") and "url" not in self.errors:
            self.add_error("url", "Give the address of this link, or clear its label.")
        return cleaned


class BaseExtraLinkFormSet(forms.BaseFormSet):
    # A post without the links' rows (a script, an older page) simply gives no extra links.
    def is_valid(self):
        return not self.is_bound or super().is_valid()

    def pairs(self) -> list[tuple[str, str]]:
        if not self.is_bound:
            return []
        return [
            (form.cleaned_data["label"], form.cleaned_data["url"])
            for form in self.forms
            if form.cleaned_data.get("url")
        ]


ExtraLinkFormSet = forms.formset_factory(
    ExtraLinkForm, formset=BaseExtraLinkFormSet, extra=2, max_num=MAX_EXTRA_LINKS,
    absolute_max=MAX_EXTRA_LINKS, validate_max=True,
)  # fmt: skip


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


# Canned reasons a moderator starts a note from; the text stays editable.
CANNED_REASONS = {
    "duplicate": "This work is already in the catalog, or someone proposed it before you: "
    "thank you all the same.",
    "off_topic": "This is not about understanding what happens inside large language models, "
    "which is what the catalog lists.",
    "needs_metadata": "Please complete the proposal: the year, the authors and the venue "
    "where it appeared help readers find and cite the work.",
    "broken_link": "The link does not lead to the work: please give an address that opens it.",
}
CANNED_REASON_CHOICES = [
    ("", "Start from a reason…"),
    ("duplicate", "Duplicate"),
    ("off_topic", "Off-topic"),
    ("needs_metadata", "Needs metadata"),
    ("broken_link", "Broken link"),
]


class ExtraLinksField(forms.CharField):
    """Extra links as lines of text, "Label https://…" each: typed quickly by a moderator."""

    widget = forms.Textarea(attrs={"rows": 3})

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault(
            "help_text",
            "One link a line: a label, a space, the address (e.g. “OpenReview https://…”).",
        )
        super().__init__(**kwargs)

    def prepare_value(self, value):
        if isinstance(value, list):
            return "\n".join(f"{label} {url}" for label, url in value)
        return value

    def to_python(self, value):
        text = super().to_python(value)
        links = []
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            label, _, url = line.strip().rpartition(" ")
            try:
                url = WebAddressField().clean(url)
            except ValidationError:
                raise ValidationError(
                    f"Line {number} does not end with a web address: write “Label https://…”."
                ) from None
            links.append([label.strip()[:50] or "Link", url])
        if len(links) > MAX_EXTRA_LINKS:
            raise ValidationError(f"Give at most {MAX_EXTRA_LINKS} extra links.")
        return links


class ModeratorProposalForm(forms.ModelForm):
    """
    A moderator's change page for a pending proposal: its fields, editable, and
    the note that goes with a decision. Saving goes through
    ``submissions.services.submission_edit``, never through the model form.
    """

    tags = TagsField(required=False, help_text="Comma-separated; new tags are marked below.")
    extra_links = ExtraLinksField()
    groups = forms.ModelMultipleChoiceField(
        queryset=ResearchGroup.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Research groups",
    )
    reason = forms.ChoiceField(choices=CANNED_REASON_CHOICES, required=False, label="Canned reason")
    decision_note = MultiLineField(
        max_length=2000,
        required=False,
        label="Note to the submitter",
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text="Mailed with the decision. Needed to ask for changes; a canned reason "
        "fills it when left empty.",
    )

    class Meta:
        model = Submission
        fields = [
            "title", "url", "description", "category", "tags", "groups", "year", "authors",
            "venue", "code_url", "extra_links",
        ]  # fmt: skip
        field_classes = {"url": WebAddressField, "code_url": WebAddressField}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and "tags" in self.fields:
            self.initial["tags"] = ", ".join(self.instance.tag_names)
        self.fields["reason"].widget.attrs["data-texts"] = json.dumps(CANNED_REASONS)

    def _post_clean(self):
        # The instance changes only through the service, which cleans and logs.
        pass

    def values(self) -> dict:
        return {name: self.cleaned_data[name] for name in PROPOSED_FIELDS if name in self.fields}

    def note(self) -> str:
        """The decision note: what was typed, or the chosen canned reason."""
        typed = self.cleaned_data.get("decision_note", "")
        return typed or CANNED_REASONS.get(self.cleaned_data.get("reason", ""), "")
