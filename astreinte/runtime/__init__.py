"""The process that talks to Asterisk (``astreinte run``): the daemon and what it runs.

    daemon     start-up, reload, drain; the only module that knows every adapter
    router     ARI events -> the call they are about; presence; new calls
    driver     one call's task: pumps its pure ``domain.calls.CallFlow`` through ARI
    leftovers  calls a previous daemon left in the app; callers another client strands
    astdb      the chains the PBX dials when the daemon is gone
    status     /metrics and /status
    phones     softphone watch: offline alerts, hand-off reminders
    messages   a message left: stored and announced
    prompts    the spoken prompts, rendered once
    services   the live configuration, and the snapshot one call takes of it
    ports      the interfaces the runtime needs (ARI, AMI, the store)
"""
