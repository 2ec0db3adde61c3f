"""Domain events of the candidates app, for apps downstream to connect to in their ``AppConfig.ready()``.

``identity_change_approved`` is sent after the commit that approved an identity
change request, with ``change_request_id``: the certificates app starts the
duplicate procedure for a certificate whose holder changed their name.

``accounts_merged`` is sent *inside* the transaction that merges two accounts
of one person, with ``kept_id`` and ``duplicate_id``: each downstream app moves
the rows it keeps for the person (the certificates app: the holder of issued
documents) in the same transaction, so a merge is never half done. A receiver
returns a dict of what it moved (counts), recorded with the merge.
"""

from django.dispatch import Signal

identity_change_approved = Signal()
accounts_merged = Signal()
