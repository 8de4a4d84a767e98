#!/bin/bash
# tests/other_instants.sh: the unit and adapter suites with the machine's clock moved (libfaketime),
# to prove that no test depends on today's date. The clock keeps running from each instant;
# the monotonic clock is left alone (asyncio's timers). The lab e2e tests keep the real clock.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
command -v faketime >/dev/null || { echo "faketime missing: run 'make setup' (apt-get install faketime)" >&2; exit 1; }
status=0
while IFS='|' read -r instant what; do
  echo "== the unit and adapter suites at $instant ($what)"
  rc=0
  out=$(TZ=Europe/Paris faketime --exclude-monotonic "$instant" "$PY" -m pytest tests/unit tests/adapters -q \
    -p no:cacheprovider --no-header 2>&1) || rc=$?
  if [ "$rc" = 0 ]; then tail -n 1 <<<"$out"; else tail -n 60 <<<"$out"; status=1; fi
done <<'INSTANTS'
2027-03-28 00:59:30 UTC|01:59:30 Europe/Paris, half a minute before the spring DST jump
2026-10-25 01:30:00 UTC|02:30 Europe/Paris, inside the repeated autumn hour (its second pass)
2031-01-01 00:00:10 UTC|ten seconds into 2031
INSTANTS
exit $status
