"""The web console (``astreinte web``): a separate process beside the daemon, on aiohttp, pages
rendered on the server with Jinja2 in the reader's language (French by default).

    app.py        the application: routes, middlewares (allowed Host, headers, sign-in, CSRF), serve()
    console.py    what every request shares: the configuration (reloaded when the file changes),
                  the store (one SQLite thread), the clock, the daemon's /status and ARI endpoint states
    security.py   sessions, the trusted proxy, CSRF, who may act for whom; sign-in and sign-out pages
    render.py     the Jinja2 environment per language and the filters pages use
    pages.py      Maintenant, Personnes, a person's page (feeds, interventions)
    planning.py   Planning (a month per team), overrides and swaps
    calls.py      Appels (the call log, a call's timeline) and Messages
    reports.py    Rapports: statements kept, KPI report
    feeds.py      /ical/<token>.ics and /api/oncall (tokens, no session)

Why a process of its own and not the daemon's HTTP port: docs/web.md.
"""
