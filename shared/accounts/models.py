"""Reviewer profiles on top of Django's own User (AUTH_USER_MODEL is not swapped)."""

from django.conf import settings
from django.db import models


class Reviewer(models.Model):
    """What PanelApp needs to know about a person beyond their login.

    ``role`` decides what they may do (``accounts.policy``): external users
    comment, reviewers review and rate, curators decide. ``job_role``,
    ``workplace`` and ``group`` are what they told us at registration, as
    upstream PanelApp asks it, so curators can judge a request to review.
    """

    class Role(models.TextChoices):
        CURATOR = "curator", "Curator"
        REVIEWER = "reviewer", "Reviewer"
        EXTERNAL = "external", "External expert"

    class Approval(models.TextChoices):
        """Where a registered user's request to become a reviewer stands."""

        NONE = "", "Not requested"
        PENDING = "pending", "Waiting for a curator"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"

    # Upstream PanelApp's registration choices, word for word.
    class JobRole(models.TextChoices):
        CLINICAL_SCIENTIST = "Clinical Scientist", "Clinical Scientist"
        CLINICIAN = "Clinician", "Clinician"
        GENOME_ANALYST = "Genome analyst", "Genome analyst"
        GENETIC_COUNSELLOR = "Genetic Counsellor", "Genetic Counsellor"
        BIOINFORMATICIAN = "Bioinformatician", "Bioinformatician"
        INDUSTRY = "Industry", "Industry"
        LAB_DIRECTOR = "Lab director", "Lab director"
        PRINCIPAL_INVESTIGATOR = "Principal Investigator", "Principal Investigator"
        TECHNICIAN = "Technician", "Technician"
        RESEARCHER = "Researcher", "Researcher"
        STUDENT = "Student", "Student"
        OTHER = "Other", "Other"

    class Workplace(models.TextChoices):
        RESEARCH_LAB = "Research lab", "Research lab"
        NHS_DIAGNOSTIC_LAB = "NHS diagnostic lab", "NHS diagnostic lab"
        OTHER_DIAGNOSTIC_LAB = "Other diagnostic lab", "Other diagnostic lab"
        NHS_CLINICAL_SERVICE = "NHS clinical service", "NHS clinical service"
        OTHER_CLINICAL_SERVICE = "Other clinical service", "Other clinical service"
        INDUSTRY = "Industry", "Industry"
        OTHER = "Other", "Other"

    class Group(models.TextChoices):
        GECIP_DOMAIN = "GeCIP domain", "GeCIP domain"
        GENE_CONSORTIUM = "GENE consortium member", "GENE consortium member"
        NHS_GMC = "NHS Genomic Medicine Centre", "NHS Genomic Medicine Centre"
        OTHER_NHS = "Other NHS organisation", "Other NHS organisation"
        OTHER_BIOTECH = "Other biotech or pharmaceutical", "Other biotech or pharmaceutical"
        OTHER = "Other", "Other"

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reviewer")
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.EXTERNAL)
    affiliation = models.CharField(max_length=255, blank=True)
    job_role = models.CharField("job role", max_length=64, choices=JobRole.choices, blank=True)
    workplace = models.CharField(max_length=255, blank=True)
    group = models.CharField(max_length=255, blank=True, help_text="Speciality or research group")
    contact_details = models.CharField(max_length=255, blank=True, help_text="Telephone or postal address (optional)")
    approval = models.CharField(
        "reviewer approval", max_length=16, choices=Approval.choices, blank=True, default=Approval.NONE
    )
    # Set when the user followed the signed link sent to their address.
    email_verified_at = models.DateTimeField(null=True, blank=True, editable=False)
    created = models.DateTimeField(auto_now_add=True, null=True)

    class Meta:
        ordering = ["user__username"]
        indexes = [models.Index(fields=["approval", "role"], name="reviewer_approval_role")]

    def __str__(self) -> str:
        return f"{self.user.get_full_name() or self.user.get_username()} ({self.get_role_display()})"

    @property
    def is_curator(self) -> bool:
        return self.role == self.Role.CURATOR

    @property
    def is_pending(self) -> bool:
        """Verified their address and waits for a curator to make them a reviewer."""
        return self.approval == self.Approval.PENDING and self.email_verified_at is not None


def role_of(user) -> str | None:
    """The user's ``Reviewer.Role``, or None for anonymous users and users without a profile."""
    if user is None or not user.is_authenticated:
        return None
    reviewer = getattr(user, "reviewer", None)
    return reviewer.role if reviewer is not None else None


class PendingRegistration(models.Model):
    """A registration the worker has yet to turn into an account (or into a note to the address's owner).

    The page only stores this and queues ``accounts.tasks.complete_registration``,
    so it does the same work whether or not the address already has an account
    and its answer (and its timing) tells nobody which. The row holds the
    password's hash, never the password, and the task deletes it.
    """

    email = models.EmailField()
    password = models.CharField(max_length=128)
    first_name = models.CharField(max_length=150)
    last_name = models.CharField(max_length=150)
    affiliation = models.CharField(max_length=255)
    job_role = models.CharField(max_length=64, choices=Reviewer.JobRole.choices)
    workplace = models.CharField(max_length=255)
    group = models.CharField(max_length=255)
    contact_details = models.CharField(max_length=255, blank=True)
    created = models.DateTimeField(auto_now_add=True)

    PROFILE_FIELDS = ("affiliation", "job_role", "workplace", "group", "contact_details")

    def __str__(self) -> str:
        return f"Registration of {self.email} ({self.created:%Y-%m-%d %H:%M})"

    def profile(self) -> dict[str, str]:
        """What goes on the new account's ``Reviewer``."""
        return {field: getattr(self, field) for field in self.PROFILE_FIELDS}
