"""Softphone provisioning, pure: which phones astreinte manages, their PJSIP sections, what a person
types into Zoiper, and who on call (now or at the next hand-off) has a softphone offline.

    pjsip.py     managed phones -> pjsip_astreinte.conf text (endpoint, auth, aor)
    account.py   one phone's account settings and its URI (for the QR code)
    duty.py      phone states x schedule -> offline warnings and hand-off reminders

No files, sockets or clock reads here: passwords come in as a mapping, ``now`` as an argument.
"""
