#!/bin/bash
# contrib/install.sh (run by `make install`, as root): install astreinte from this source tree.
#
#   /opt/astreinte            a virtualenv holding astreinte and its dependencies
#   /usr/local/bin/astreinte  -> /opt/astreinte/bin/astreinte
#   user and group astreinte  (system account, no shell, no home); member of group asterisk if it exists
#   /etc/astreinte            root:astreinte 0750: config.yaml, ari.secret, ami.secret (0640), kept on upgrades
#   /var/lib/astreinte        astreinte 0711: database, softphone passwords; prompts/ 0755 for Asterisk
#   /etc/systemd/system/astreinte.service, docs in /usr/local/share/doc/astreinte
#
# Run it again to upgrade: the virtualenv is updated, the configuration and secrets are kept.
# Offline (a PBX without Internet access): `make wheels` on a machine that has it (a folder
# dist/wheels of astreinte and every dependency), copy the tree, then `make install WHEELS=dist/wheels`.
# docs/install.md explains the choices (a virtualenv rather than a .deb, the paths, the sandbox).
set -euo pipefail

SRC=$(cd "$(dirname "$0")/.." && pwd)
PREFIX=${PREFIX:-/opt/astreinte}
BINDIR=${BINDIR:-/usr/local/bin}
PYTHON=${PYTHON:-python3}
WHEELS=${WHEELS:-}                 # a folder of wheels (make wheels): install from it, offline
ETC=/etc/astreinte
STATE=/var/lib/astreinte
UNIT=/etc/systemd/system/astreinte.service
DOC=/usr/local/share/doc/astreinte

say() { echo "install: $*"; }
die() { echo "install: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "run as root (sudo make install)"
"$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null \
  || die "astreinte needs Python 3.11 or later ($PYTHON is $("$PYTHON" -V 2>&1))"
"$PYTHON" -c 'import ensurepip, venv' 2>/dev/null || die "apt-get install python3-venv"
for tool in espeak-ng sox; do
  command -v "$tool" >/dev/null || say "warning: $tool is missing (apt-get install espeak-ng sox): spoken prompts need it"
done

# 1. the account the daemon runs as
getent group astreinte >/dev/null || groupadd --system astreinte
if ! getent passwd astreinte >/dev/null; then
  useradd --system --gid astreinte --home-dir "$STATE" --no-create-home --shell /usr/sbin/nologin \
    --comment "astreinte on-call daemon" astreinte
  say "created user astreinte"
fi
if getent group asterisk >/dev/null; then      # to read Asterisk's voicemail recordings
  usermod --append --groups asterisk astreinte
fi

# 2. the program
[ -x "$PREFIX/bin/python" ] || "$PYTHON" -m venv "$PREFIX"
if [ -n "$WHEELS" ]; then
  [ -d "$WHEELS" ] || die "WHEELS=$WHEELS is not a folder (make wheels writes dist/wheels)"
  "$PREFIX/bin/python" -m pip install --quiet --disable-pip-version-check --no-index \
    --find-links "$(cd "$WHEELS" && pwd)" --upgrade --force-reinstall --no-deps astreinte
  "$PREFIX/bin/python" -m pip install --quiet --disable-pip-version-check --no-index \
    --find-links "$(cd "$WHEELS" && pwd)" astreinte
else
  "$PREFIX/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade "$SRC"
fi
ln -sfn "$PREFIX/bin/astreinte" "$BINDIR/astreinte"
say "installed $("$PREFIX/bin/astreinte" --version 2>/dev/null || echo astreinte) in $PREFIX, linked as $BINDIR/astreinte"

# 3. configuration (root's, readable by the daemon) and state (the daemon's)
install -d -o root -g astreinte -m 0750 "$ETC"
if [ ! -e "$ETC/config.yaml" ]; then
  install -o root -g astreinte -m 0640 "$SRC/contrib/config.yaml" "$ETC/config.yaml"
  say "wrote $ETC/config.yaml (a starting point: edit people and teams)"
fi
for name in ari ami; do
  if [ ! -e "$ETC/$name.secret" ]; then
    (umask 0027 && "$PYTHON" -c 'import secrets; print(secrets.token_urlsafe(24))' > "$ETC/$name.secret")
    chgrp astreinte "$ETC/$name.secret"
    say "generated $ETC/$name.secret: give Asterisk's astreinte ${name^^} user this password"
  fi
done
install -d -o astreinte -g astreinte -m 0711 "$STATE"
install -d -o astreinte -g astreinte -m 0755 "$STATE/prompts"

# 4. the service and the documentation it points to
install -D -m 0644 "$SRC/contrib/astreinte.service" "$UNIT"
install -d "$DOC" && install -m 0644 "$SRC/README.md" "$SRC"/docs/*.md "$DOC/"
if [ -d /run/systemd/system ]; then
  systemctl daemon-reload
fi
say "done. Next: docs/install.md, 'Then' (Asterisk users, dialplan, systemctl enable --now astreinte)"
