"""The one way a service queues a Celery task.

A task loads its row and calls a service, so ``tasks.py`` imports ``services.py``;
a service that imported its tasks back would close an import cycle. Services
therefore name the task by its dotted path, and it is looked up when queued.
"""

from django.db import transaction
from django.utils.module_loading import import_string


def enqueue(task: str, *args, on_commit: bool = True) -> None:
    """Queue ``task`` (a dotted path) with ``args`` once the current transaction commits.

    Nothing is queued if the transaction rolls back, and a worker never looks
    for a row that is not committed yet. ``on_commit=False`` queues at once:
    for callers that already run after a commit (a task, a command, an on-commit callback).
    """
    if on_commit:
        transaction.on_commit(lambda: import_string(task).delay(*args))
    else:
        import_string(task).delay(*args)
