#!/bin/bash
# scratch_install.sh SCRATCH SOURCE WHEELS: install astreinte as docs/install.md says, into a
# copy-on-write root of this machine, and check it there. Run by tests/integration/test_install.py
# inside `unshare --mount` (a mount namespace of its own): the root is an overlay whose upper
# layer is SCRATCH/upper, so useradd, /etc, /opt, /usr/local and /var/lib change only there, and
# everything vanishes with the namespace. The host is never written to.
set -euo pipefail
SCRATCH=$1 SOURCE=$2 WHEELS=$3
ROOT=$SCRATCH/root
mkdir -p "$SCRATCH"/{upper,work} "$ROOT"
mount --make-rprivate /
mount -t overlay overlay -o "lowerdir=/,upperdir=$SCRATCH/upper,workdir=$SCRATCH/work" "$ROOT"
mount -t proc proc "$ROOT/proc"
mount --rbind /dev "$ROOT/dev"
mount -t tmpfs -o mode=1777 tmpfs "$ROOT/tmp"
mount -t tmpfs -o mode=0755 tmpfs "$ROOT/run"
mkdir -p "$ROOT/usr/src/astreinte" "$ROOT/tmp/wheels"
cp -a "$SOURCE"/. "$ROOT/usr/src/astreinte/"
cp -a "$WHEELS"/. "$ROOT/tmp/wheels/"

inside() {   # a clean environment, as an administrator's root shell on a Debian PBX would have
  chroot "$ROOT" /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    HOME=/root LANG=C.UTF-8 PIP_CONFIG_FILE=/dev/null TERM=dumb "$@"
}

inside bash -c 'getent group asterisk >/dev/null || groupadd --system asterisk'   # what Asterisk's package does
echo "== make install"
inside make -C /usr/src/astreinte install WHEELS=/tmp/wheels
echo "== systemd-analyze verify"
inside systemd-analyze verify /etc/systemd/system/astreinte.service
echo "verify: ok"
echo "== systemd-analyze security"
inside systemd-analyze security --offline=yes --threshold=49 /etc/systemd/system/astreinte.service | tail -1
echo "== ownership"
inside stat -c '%n %U:%G %a' /opt/astreinte /usr/local/bin/astreinte /etc/astreinte /etc/astreinte/config.yaml \
  /etc/astreinte/ari.secret /etc/astreinte/ami.secret /var/lib/astreinte /var/lib/astreinte/prompts
inside id astreinte
echo "== as astreinte: check"
inside runuser -u astreinte -- env ASTREINTE_CONFIG=/etc/astreinte/config.yaml astreinte --now 2026-12-05T12:00 check
echo "== as astreinte: who"
inside runuser -u astreinte -- env ASTREINTE_CONFIG=/etc/astreinte/config.yaml astreinte --now 2026-12-05T12:00 who --json
echo "== as root: rota load (creates the database)"
inside env ASTREINTE_CONFIG=/etc/astreinte/config.yaml astreinte --now 2026-12-05T12:00 rota load
inside stat -c '%n %U:%G %a' /var/lib/astreinte/astreinte.db
echo "== as astreinte: override add (writes the database root created)"
inside runuser -u astreinte -- env ASTREINTE_CONFIG=/etc/astreinte/config.yaml astreinte --now 2026-12-05T12:00 \
  override add --team support --layer primary --person bob --from 2026-12-06T09:00 --to 2026-12-07T09:00 \
  --reason "swap"
echo "== as astreinte: who, during the override"
inside runuser -u astreinte -- env ASTREINTE_CONFIG=/etc/astreinte/config.yaml astreinte --now 2026-12-06T12:00 who --json
echo "== done"
