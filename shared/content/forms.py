"""The curators' forms: a tab's title and Markdown, an image or file to upload."""

from django import forms

from content import files
from content.models import HomeFile, HomeTab


class HomeTabForm(forms.ModelForm):
    """A tab's title and Markdown; links and images the page would leave out are refused, naming them."""

    class Meta:
        model = HomeTab
        fields = ["title", "body"]
        labels = {"body": "Text"}
        help_texts = {
            "body": "Markdown: <code>## Heading</code>, <code>**bold**</code>, <code>[link](https://...)</code>, "
            "lists and tables. HTML is shown as typed, not applied. Images must be uploaded here first "
            "(Images and files).",
        }
        widgets = {"body": forms.Textarea(attrs={"rows": 24, "class": "markdown-editor"})}

    def clean_body(self) -> str:
        from content import markdown

        body = self.cleaned_data["body"]
        refused = markdown.render(body).refused
        if refused:
            raise forms.ValidationError(
                "Links may only go to http, https or mailto addresses or to pages of this site, and images must be"
                " uploaded here first: remove or replace %(refused)s.",
                code="refused",
                params={"refused": ", ".join(refused)},
            )
        return body


class HomeFileForm(forms.ModelForm):
    """An image or file for the home page: an accepted type whose content matches its name, within the size limit."""

    class Meta:
        model = HomeFile
        fields = ["title", "file"]
        labels = {"title": "Description", "file": "Image or file"}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = (
            f"At most {files.MAX_BYTES // 1024} KB. Images: .png, .jpg, .gif, .webp; "
            f"files: .pdf, .xlsx, .docx, .pptx, .txt, .csv, .tsv."
        )
        self.fields["file"].widget.attrs["accept"] = ",".join(files.KINDS)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if "file" not in self.changed_data:  # the admin changing a title: the stored file was checked when it came
            return upload
        if upload.size > files.MAX_BYTES:
            raise forms.ValidationError(
                "This file is %(size)s KB; home page files may be at most %(max)s KB.",
                params={"size": upload.size // 1024, "max": files.MAX_BYTES // 1024},
                code="too_large",
            )
        head = upload.read(16)
        upload.seek(0)
        kind = files.kind_of(upload.name, head)
        if kind is None:
            raise forms.ValidationError(
                "Upload an image or a document of an accepted type (%(accepted)s) whose content matches its name.",
                params={"accepted": files.accepted_extensions()},
                code="type",
            )
        self.instance.is_image = kind.is_image
        self.instance.size = upload.size
        return upload
