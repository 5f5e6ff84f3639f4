from django import forms

from uploads.models import Upload


class UploadField(forms.ModelChoiceField):
    """A form field taking the id of a confirmed direct upload (see ``uploads.views``).

    Forms that import files (panels, reviews) use it instead of a FileField:
    the file is already in storage, the form only names it. Call
    ``limit_to(user)`` so nobody can name someone else's upload.
    """

    default_error_messages = {"invalid_choice": "Unknown upload, or not one of yours that has arrived."}

    def __init__(self, **kwargs) -> None:
        super().__init__(queryset=Upload.objects.confirmed(), **kwargs)

    def limit_to(self, user) -> None:
        self.queryset = Upload.objects.confirmed().filter(owner=user)
