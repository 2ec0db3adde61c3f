"""Domain events of the council app, for apps downstream (certificates) to connect to.

``council_decided`` is sent after the commit that recorded (or corrected) the
Council's decision on a session, with ``session_id``. Receivers enqueue their
own work: the certificates app creates the documents the decision calls for.
"""

from django.dispatch import Signal

council_decided = Signal()
