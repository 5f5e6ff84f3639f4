"""The accounts' work that must not run in the request: whatever depends on whether an address is known.

A page that answered differently, or took longer, for a registered address
would tell anyone which addresses have accounts. So registration, password
reset and a new confirmation link each queue one of these tasks, with the same
arguments either way, and the worker looks the address up and sends the
e-mail that fits.
"""

from django.tasks import task

from accounts import services


@task
def complete_registration(registration_id: int) -> str:
    """Turn a pending registration into an inactive account, or tell the address's owner about it."""
    return services.complete_registration(registration_id)


@task
def send_password_reset(email: str) -> int:
    """E-mail a reset link to each active account with ``email`` (none, usually one); returns how many."""
    return services.send_password_reset(email)


@task
def resend_verification(email: str) -> bool:
    """A fresh confirmation link for the account at ``email`` that still waits for one; False if none does."""
    return services.resend_verification(email)
