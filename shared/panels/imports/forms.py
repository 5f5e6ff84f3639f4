from django import forms
from uploads.forms import UploadField

from panels.imports.models import ImportJob


class ImportForm(forms.Form):
    """What the upload page posts once the file is in storage: which import, and the upload's id."""

    kind = forms.ChoiceField(choices=ImportJob.Kind.choices)
    upload = UploadField()

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["upload"].limit_to(user)
