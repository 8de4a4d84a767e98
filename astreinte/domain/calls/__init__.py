"""One call as pure state machines: events in, commands out, ``now`` passed in.

    flow       the whole inbound call (``CallFlow``)
    reception  before a team takes it: blocked, unknown number, menu
    callees    the phones it rings: the ``Hunt`` and its legs, the conversation
    message    the message left when nobody answers
    media      what plays on the call's channels
    line       what the call knows of the configuration (a snapshot), its prompts and timings
    events     what the call is told; commands: what it asks for; record: the call log's row
"""
