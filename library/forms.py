from django import forms

from library.models import MAX_NOTE_LENGTH, DigestSubscription, ReadingList

DELETE_CONFIRMATION = "delete my account"


class ListForm(forms.ModelForm):
    class Meta:
        model = ReadingList
        fields = ["title", "description", "is_public", "share_notes"]
        labels = {"title": "Name"}
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}


class NewListForm(forms.Form):
    title = forms.CharField(label="Name of the new list", max_length=100)


class NoteForm(forms.Form):
    note = forms.CharField(
        label="Note", required=False, max_length=MAX_NOTE_LENGTH, widget=forms.Textarea
    )
    is_read = forms.BooleanField(label="Read", required=False)


class DigestForm(forms.Form):
    frequency = forms.ChoiceField(
        label="Mail me what is new",
        choices=DigestSubscription.Frequency.choices,
        widget=forms.RadioSelect,
    )


class AccountDeleteForm(forms.Form):
    """
    The password, when the account has one; otherwise (an account that signs in
    through another site) the sentence typed out.
    """

    password = forms.CharField(
        label="Your password", required=False, widget=forms.PasswordInput, strip=False
    )
    confirmation = forms.CharField(
        label=f"Type “{DELETE_CONFIRMATION}”", required=False, max_length=50
    )

    def __init__(self, *args, user, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)
        if user.has_usable_password():
            del self.fields["confirmation"]
        else:
            del self.fields["password"]

    def clean(self):
        data = super().clean()
        if self.user.has_usable_password():
            if not self.user.check_password(data.get("password") or ""):
                raise forms.ValidationError("That is not your password.")
        elif " ".join(data.get("confirmation", "").lower().split()) != DELETE_CONFIRMATION:
            raise forms.ValidationError(f"Type “{DELETE_CONFIRMATION}” to delete the account.")
        return data
