"""Domain events of the exams app, for apps downstream (certificates) to connect to.

``results_approved`` is sent once, after the commit that approved a session's
results, with ``session_id``. Receivers enqueue their own tasks.
``result_corrected`` is sent after the commit that corrected an approved result.
"""

from django.dispatch import Signal

results_approved = Signal()

# Sent after the commit that corrected an approved result, with ``result_id`` and ``correction_id``.
# The council app re-aligns its verdict; through it the documents follow (README, docs/appeals.md).
result_corrected = Signal()
