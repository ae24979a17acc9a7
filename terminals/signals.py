"""Signals other apps listen to; terminals never imports them.

`allocation_changed(sender=Allocation, allocation, from_status, to_status, actor)` is sent
inside the transaction of every allocation step (creation included, with `from_status=""`).
Receivers that need side effects outside the database should use `transaction.on_commit`.
"""

from django.dispatch import Signal

allocation_changed = Signal()
