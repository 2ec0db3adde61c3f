"""Domain events of the exams app, for apps downstream (certificates) to connect to.

``results_approved`` is sent once, after the commit that approved a session's
results, with ``session_id``. Receivers enqueue their own tasks.
"""

from django.dispatch import Signal

results_approved = Signal()
