"""What people are told, as text in their language (pure builders: values in, subject and body out).

* ``publication``: the notice of what changed in a person's on-call schedule (R3121-3);
* ``voicemail``: the message left when nobody answered.

The hand-off reminder and the offline-softphone alert are in ``provision.duty``. Sending is
the adapters' job (``adapters.notify``, ``adapters.publication_notices``).
"""
