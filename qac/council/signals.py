"""Domain events of the council app, for apps downstream (certificates) to connect to.

``council_decided`` is sent after the commit that recorded (or corrected) the
Council's decision on a session, with ``session_id``. Receivers enqueue their
own work: the certificates app creates the documents the decision calls for.
"""

from django.dispatch import Signal

council_decided = Signal()

# Sent after the commit that changed one verdict because its exam result was corrected after approval,
# with ``verdict_id``, ``before`` (the old verdict), ``reason`` and ``by_id``: the certificates app
# revokes or withdraws the old document and makes the new one.
verdict_corrected = Signal()
