"""What the panels services announce, for apps that react to panels without being called by them.

Sent once the change's transaction has committed, so a receiver never sees a
version that is later rolled back. Receivers must be cheap and must not
raise: one that has real work to do queues a task.
"""

from django.dispatch import Signal

# A new version of a panel: kwargs ``panel``, ``version`` ("M.m"), ``major``
# (True for a promotion to the next major version) and ``user``.
version_created = Signal()

# A curator signed off a version: kwargs ``panel``, ``version``, ``signed_off_date`` and ``user``.
signed_off = Signal()
