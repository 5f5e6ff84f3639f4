"""Background work on ``django.tasks``: an SQS backend, its worker, schedules.

Application code uses only Django's API (``@task``, ``.enqueue()``,
``get_result()``). ``backends`` sends to SQS (or, without AWS, to a thread),
``message`` defines what travels on the queue, ``worker`` runs it inside the
WorkerFunction, ``registry`` decides which import paths may run at all, and
``maintenance``/``mail`` hold the tasks this package itself provides.

Nothing is imported here so that ``settings.TASKS`` can name a backend
without pulling in boto3 or the ORM before Django is ready.
"""
