"""AWS glue for running the Django project on Lambda.

Everything that knows about AWS lives here, apart from the domain apps:
environment parsing and secrets, the WSGI/Lambda adaptation, JSON logging,
health checks, the task backend, storage and the local emulation.
"""
