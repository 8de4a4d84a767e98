#!/bin/bash
# astlab.sh - the astreinte Asterisk lab: a real Asterisk 22 from Debian sid in a debootstrap root.
#
#   astlab.sh ensure                   make sure the lab root exists (cache -> restore -> build), print its path
#   astlab.sh build                    (re)build the root from Debian sid and cache it as a tarball
#   astlab.sh start CFGDIR RUNID       copy CFGDIR into ROOT/lab/RUNID, start asterisk, wait until ARI answers
#   astlab.sh cli RUNID "command"      asterisk -rx on that instance
#   astlab.sh stop RUNID               core stop now, wait, kill if it lingers, remove ROOT/lab/RUNID
#   astlab.sh version                  the Asterisk package version in the root
#
# The root lives outside the repository: $ASTREINTE_LAB_HOME (default /var/cache/astreinte-lab),
# root/ for the tree and rootfs.tar.zst for the cached copy (sid moves daily: the tarball pins one Asterisk).
# Pitfall: asterisk resolves -C inside the chroot and silently falls back to defaults when it cannot
# read it, so every run gets its own copy under ROOT/lab/RUNID and we check it is readable.
set -euo pipefail
HOME_DIR=${ASTREINTE_LAB_HOME:-/var/cache/astreinte-lab}
ROOT=$HOME_DIR/root
TARBALL=$HOME_DIR/rootfs.tar.zst
MIRROR=${ASTREINTE_LAB_MIRROR:-http://deb.debian.org/debian}
PACKAGES=asterisk,asterisk-core-sounds-en,asterisk-core-sounds-en-gsm,asterisk-core-sounds-fr,asterisk-core-sounds-fr-gsm

log() { echo "astlab: $*" >&2; }

need_root() { [ "$(id -u)" = 0 ] || { log "must run as root (chroot, debootstrap)"; exit 1; }; }

build() {
  need_root
  command -v debootstrap >/dev/null || { log "debootstrap missing: run 'make setup' (apt-get install debootstrap)"; exit 1; }
  local tmp=$HOME_DIR/root.building
  rm -rf "$tmp"; mkdir -p "$HOME_DIR"
  log "building Debian sid root with Asterisk (about 75 s, ~410 MB) in $tmp"
  debootstrap --variant=minbase --include=$PACKAGES sid "$tmp" "$MIRROR" >"$HOME_DIR/debootstrap.log" 2>&1 \
    || { log "debootstrap failed, see $HOME_DIR/debootstrap.log"; tail -20 "$HOME_DIR/debootstrap.log" >&2; exit 1; }
  rm -f "$tmp"/var/cache/apt/archives/*.deb
  # the sound folders are absolute symlinks: test them from inside the root
  chroot "$tmp" test -x /usr/sbin/asterisk -a -e /usr/share/asterisk/sounds/en/hello-world.gsm -a -e /usr/share/asterisk/sounds/fr/beep.gsm \
    || { log "root built but Asterisk or its sounds are missing"; exit 1; }
  tar -C "$tmp" -cf - . | zstd -q -T2 -3 > "$TARBALL.part" && mv "$TARBALL.part" "$TARBALL"
  rm -rf "$ROOT"; mv "$tmp" "$ROOT"
  log "cached $(du -h "$TARBALL" | cut -f1) in $TARBALL"
}

ensure() {
  need_root
  if [ ! -x "$ROOT/usr/sbin/asterisk" ]; then
    if [ -s "$TARBALL" ]; then
      log "restoring lab root from $TARBALL"
      rm -rf "$ROOT.restoring"; mkdir -p "$ROOT.restoring"
      zstd -q -dc "$TARBALL" | tar -C "$ROOT.restoring" -xf - && rm -rf "$ROOT" && mv "$ROOT.restoring" "$ROOT"
    else
      build
    fi
  fi
  echo "$ROOT"
}

case ${1:-} in
ensure) ensure ;;
build) build ;;
version) chroot "$ROOT" dpkg-query -W -f '${Version}\n' asterisk ;;
start)
  CFG=$2; ID=$3; L=/lab/$ID; D=$ROOT$L
  rm -rf "$D"; mkdir -p "$D"/{etc,run,log,spool/recording,db,cache,sounds}
  cp -a "$CFG"/. "$D/etc/"
  { echo "[directories]"
    echo "astetcdir => $L/etc";  echo "astrundir => $L/run";   echo "astlogdir => $L/log"
    echo "astspooldir => $L/spool"; echo "astdbdir => $L/db"; echo "astcachedir => $L/cache"
    echo "astvarlibdir => /var/lib/asterisk"; echo "astkeydir => /var/lib/asterisk"
    echo "astdatadir => /usr/share/asterisk"; echo "astagidir => /usr/share/asterisk/agi-bin"
    echo "astmoddir => /usr/lib/x86_64-linux-gnu/asterisk/modules"; echo "astsbindir => /usr/sbin"
    sed -n '/^\[options\]/,$p' "$CFG/asterisk.conf" 2>/dev/null || true
  } > "$D/etc/asterisk.conf.new"
  mv "$D/etc/asterisk.conf.new" "$D/etc/asterisk.conf"
  grep -q '^\[options\]' "$D/etc/asterisk.conf" || echo "[options]" >> "$D/etc/asterisk.conf"
  chroot "$ROOT" test -r "$L/etc/asterisk.conf" || { log "$L/etc/asterisk.conf unreadable inside the root"; exit 1; }
  t0=$(date +%s%N)
  setsid chroot "$ROOT" /usr/sbin/asterisk -C "$L/etc/asterisk.conf" -f -n -vvv </dev/null >"$D/console.log" 2>&1 &
  echo $! > "$D/pid"
  port=$(sed -n 's/^ *bindport *= *\([0-9]*\).*/\1/p' "$D/etc/http.conf"); port=${port:-8088}
  user=${ARI_USER:-astreinte}; pass=${ARI_PASS:-secret}
  for _ in $(seq 1 600); do   # ARI answers 503 while modules load: wait for 200
    code=$(curl -s -o /dev/null -w '%{http_code}' -u "$user:$pass" "http://127.0.0.1:$port/ari/asterisk/ping" || true)
    if [ "$code" = 200 ]; then
      log "Asterisk $(chroot "$ROOT" dpkg-query -W -f '${Version}' asterisk) ready after $(( ($(date +%s%N)-t0)/1000000 )) ms (pid $(cat "$D/pid"), run $ID)"
      exit 0
    fi
    kill -0 "$(cat "$D/pid")" 2>/dev/null || { log "asterisk died during start-up"; tail -20 "$D/console.log" >&2; exit 1; }
    sleep 0.05
  done
  log "ARI not ready after 30 s"; tail -20 "$D/console.log" >&2; exit 1
  ;;
cli) chroot "$ROOT" /usr/sbin/asterisk -C "/lab/$2/etc/asterisk.conf" -rx "$3" ;;
stop)
  ID=$2; D=$ROOT/lab/$ID; pid=$(cat "$D/pid" 2>/dev/null || echo)
  # bounded (-k: rasterisk ignores SIGTERM): a wedged Asterisk (its Stasis layer deadlocked) never
  # answers, and is killed below
  timeout -k 1 10 chroot "$ROOT" /usr/sbin/asterisk -C "/lab/$ID/etc/asterisk.conf" -rx "core stop now" >/dev/null 2>&1 || true
  for _ in $(seq 1 100); do [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then kill -9 "$pid"; fi
  rm -rf "$D"
  ;;
*) sed -n '2,12p' "$0" >&2; exit 2 ;;
esac
