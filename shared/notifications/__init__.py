"""Telling people what happened: a stored notification and an e-mail through the queued mailer."""
