#!/usr/bin/env bash
# The amd64 (this machine's) Debian packages, installed for real in a
# throwaway root: an overlay of / (writes go to a temporary upper directory)
# in a private mount namespace, entered with chroot. dpkg, the maintainer
# scripts, systemd-sysusers and systemd-tmpfiles run as on a real install;
# nothing on this system changes. PID 1 here is not systemd, so the units'
# ExecStart commands are run by hand as the units' users (setpriv, with
# their EnvironmentFile, UMask, no new privileges and no capabilities) and
# the units are checked with systemd-analyze verify.
# Checks: files, modes and owners, users, conffiles, the programs run, the
# hub serves on the port /etc/fieldsync/hub.conf gives, a kiosk enrolled as
# fieldsync-agent syncs a published questionnaire and a response through
# the agent service, the hub serves HTTPS with hub.conf's TLS options and
# the key in /etc/fieldsync/tls, fieldsync-kiosk refuses root and starts
# the browser with the kiosk options; then dpkg -r keeps the stores and conffiles,
# dpkg -P removes them, and afterwards nothing is left in the root but
# dpkg's records and the two system users.
# Usage: packages.sh DIR   (DIR holds fieldsync-{hub,agent}_*_ARCH.deb;
#                           scripts/package.sh runs it). Needs root (exits
#                           77, skipped, without) and overlayfs.
set -u
if [ "${FIELDSYNC_PKG_INNER:-0}" != 1 ]; then
  debs=$(cd "${1:?usage: packages.sh DIR}" && pwd)
  self=$(cd "$(dirname "$0")" && pwd)
  if [ "$(id -u)" -ne 0 ]; then
    echo "packages.sh: skipped: needs root (dpkg and an overlay mount)" >&2
    exit 77
  fi
  T=$(mktemp -d /tmp/fieldsync-pkgtest.XXXXXX)
  trap 'rm -rf "$T"' EXIT
  mkdir "$T/upper" "$T/work" "$T/root"
  start=$(date +%s)
  # In the new namespace: mount the overlay, the kernel file systems, then
  # run this script again inside the chroot. Leaving the namespace undoes
  # every mount.
  unshare -m --propagation private bash -c '
    set -e
    T=$1
    mount -t overlay fieldsync-pkgtest -o "lowerdir=/,upperdir=$T/upper,workdir=$T/work" "$T/root"
    for m in proc sys dev dev/pts dev/shm; do mount --rbind "/$m" "$T/root/$m"; done
    mount -t tmpfs tmpfs "$T/root/run"
    mount --bind "$T/upper" "$T/root/mnt"
    exec chroot "$T/root" env FIELDSYNC_PKG_INNER=1 FIELDSYNC_PKG_UPPER=/mnt \
      bash "$2/packages.sh" "$3"' - "$T" "$self" "$debs" || {
    rc=$?
    [ $rc = 77 ] && exit 77
    echo "packages.sh: failed (status $rc) after $(( $(date +%s) - start )) s"
    exit 1
  }
  echo "packages.sh: $(( $(date +%s) - start )) s"
  exit 0
fi

# ---- inside the throwaway root ----
DEBS=$1
. "$(dirname "$0")/lib.sh"
HUBDIR=/var/lib/fieldsync/hub
KIOSKDIR=/var/lib/fieldsync/kiosk
HUB_DEB=$(ls "$DEBS"/fieldsync-hub_*.deb)
AGENT_DEB=$(ls "$DEBS"/fieldsync-agent_*.deb)
yes_no() { "$@" && echo yes || echo no; }
owner_mode() { stat -c '%U:%G %a' "$1" 2>&1; }

# The unit's ExecStart, run as its User= with its Environment= and
# EnvironmentFile (NAME=value lines, the value taken as written, double
# quotes around it dropped), as systemd would, approximately: ${X} is one word,
# $X is split on spaces.
run_unit() {
  local unit=/lib/systemd/system/$1.service log=$2 user exec envfile defaults
  user=$(sed -n 's/^User=//p' "$unit")
  exec=$(sed -n 's/^ExecStart=//p' "$unit")
  defaults=$(sed -n 's/^Environment=//p' "$unit")
  envfile=$(sed -n 's/^EnvironmentFile=-\{0,1\}//p' "$unit")
  e2e_spawn "$log" setpriv --reuid="$user" --regid="$user" --init-groups --no-new-privs \
    --bounding-set=-all --inh-caps=-all -- env -i PATH=/usr/bin:/bin bash -c '
      umask 0077
      for kv in $1; do export "$kv"; done
      if [ -f "$2" ]; then
        while IFS= read -r line; do
          case $line in ""|"#"*) continue ;; esac
          v=${line#*=}
          case $v in \"*\") v=${v#\"}; v=${v%\"} ;; esac
          export "${line%%=*}=$v"
        done <"$2"
      fi
      eval "exec $3"' - "$defaults" "$envfile" "$exec"
}
as() { local u=$1; shift; setpriv --reuid="$u" --regid="$(id -g "$u")" --init-groups -- "$@"; }

# ---- install ----
dpkg -i "$HUB_DEB" "$AGENT_DEB" >"$E2E_TMP/install.log" 2>&1
e2e_expect "dpkg -i both packages" 0 $?
e2e_expect "both installed" "ii ii" \
  "$(dpkg-query -W -f='${db:Status-Abbrev}' fieldsync-hub fieldsync-agent | tr -s ' ' | sed 's/ $//')"
for u in fieldsync-hub fieldsync-agent; do
  e2e_expect "system user $u, no login shell" "yes /usr/sbin/nologin" \
    "$(getent passwd $u | awk -F: '{print ($3 < 1000 ? "yes" : "no"), $7}')"
done
e2e_expect "/var/lib/fieldsync/hub: 0700, the hub's" "fieldsync-hub:fieldsync-hub 700" "$(owner_mode $HUBDIR)"
e2e_expect "/var/lib/fieldsync/kiosk: 0700, the agent's" "fieldsync-agent:fieldsync-agent 700" \
  "$(owner_mode $KIOSKDIR)"
e2e_expect "/etc/fieldsync/tls: root, group fieldsync-hub, 0750" "root:fieldsync-hub 750" \
  "$(owner_mode /etc/fieldsync/tls)"
for f in /usr/bin/fieldsync-hub /usr/bin/fieldsync-agent /usr/bin/fieldsync-kiosk \
  /lib/systemd/system/fieldsync-hub.service /lib/systemd/system/fieldsync-agent.service \
  /usr/lib/sysusers.d/fieldsync-hub.conf /usr/lib/sysusers.d/fieldsync-agent.conf \
  /usr/lib/tmpfiles.d/fieldsync-hub.conf /usr/lib/tmpfiles.d/fieldsync-agent.conf \
  /etc/fieldsync/hub.conf /etc/fieldsync/agent.conf /etc/fieldsync/kiosk.conf \
  /usr/share/fieldsync/examples/friends-and-family.json /usr/share/fieldsync/kiosk/fieldsync-kiosk.desktop \
  /usr/share/doc/fieldsync-hub/copyright /usr/share/doc/fieldsync-agent/kiosk.md; do
  e2e_expect "installed: $f" yes "$(yes_no test -f $f)"
done
e2e_expect "the units are enabled (multi-user.target.wants)" "yes yes" \
  "$(yes_no test -L /etc/systemd/system/multi-user.target.wants/fieldsync-hub.service) $(
     yes_no test -L /etc/systemd/system/multi-user.target.wants/fieldsync-agent.service)"
e2e_expect "conffiles: the three settings files" \
  "/etc/fieldsync/agent.conf /etc/fieldsync/hub.conf /etc/fieldsync/kiosk.conf" \
  "$(dpkg-query -W -f='${Conffiles}\n' fieldsync-hub fieldsync-agent | awk 'NF {print $1}' | sort | tr '\n' ' ' | sed 's/ $//')"
for u in fieldsync-hub fieldsync-agent; do
  systemd-analyze verify "$u.service" >"$E2E_TMP/verify-$u.log" 2>&1
  e2e_expect "systemd-analyze verify $u.service: no complaint" "0 " \
    "$? $(grep -v 'sysinit.target\|Unit .*\.target not found' "$E2E_TMP/verify-$u.log" | head -3)"
done
for u in fieldsync-hub fieldsync-agent; do
  doc=$(sed -n 's|^Documentation=file:||p' /lib/systemd/system/$u.service)
  e2e_expect "$u.service: Documentation= names an installed file" yes "$(yes_no test -f "$doc")"
done
e2e_expect "installed fieldsync-hub runs" 0 "$(fieldsync-hub --help >/dev/null 2>&1; echo $?)"
e2e_expect "installed fieldsync-agent runs" 0 "$(fieldsync-agent --help >/dev/null 2>&1; echo $?)"

# ---- the hub service ----
HUB_PORT=$(e2e_free_port)
sed -i "s/^FIELDSYNC_HUB_LISTEN=.*/FIELDSYNC_HUB_LISTEN=127.0.0.1:$HUB_PORT/" /etc/fieldsync/hub.conf
HUB_URL=http://127.0.0.1:$HUB_PORT
run_unit fieldsync-hub "$E2E_TMP/hub.log"
HUB_PID=$E2E_PID
e2e_wait_http "$HUB_URL/health" 20
e2e_expect "hub service answers /health on hub.conf's port" 0 $?
e2e_expect "hub runs as fieldsync-hub" fieldsync-hub "$(ps -o user= -p "$(pgrep -P "$HUB_PID" -x fieldsync-hub || echo "$HUB_PID")" | tr -d ' ')"
e2e_expect "hub.db: 0600, the hub's" "fieldsync-hub:fieldsync-hub 600" "$(owner_mode $HUBDIR/hub.db)"
as fieldsync-hub fieldsync-hub publish --data $HUBDIR \
  /usr/share/fieldsync/examples/friends-and-family.json >"$E2E_TMP/publish.log" 2>&1
e2e_expect "publish an installed example as fieldsync-hub" 0 $?

# ---- the agent service ----
CODE=$(as fieldsync-hub fieldsync-hub enroll --data $HUBDIR --region north 2>/dev/null)
as fieldsync-agent fieldsync-agent init --data $KIOSKDIR --hub "$HUB_URL" --code "$CODE" \
  --name pkgtest >"$E2E_TMP/init.log" 2>&1
e2e_expect "init as fieldsync-agent (the unit's ConditionPathExists now holds)" "0 yes" \
  "$? $(yes_no test -f "$(sed -n 's/^ConditionPathExists=//p' /lib/systemd/system/fieldsync-agent.service)")"
UI_PORT=$(e2e_free_port)
sed -i "s/^FIELDSYNC_AGENT_OPTIONS=.*/FIELDSYNC_AGENT_OPTIONS=--ui-listen 127.0.0.1:$UI_PORT --sync-interval 1/" \
  /etc/fieldsync/agent.conf
run_unit fieldsync-agent "$E2E_TMP/agent.log"
AGENT_PID=$E2E_PID
e2e_wait_http "http://127.0.0.1:$UI_PORT/" 20
e2e_expect "agent service serves the kiosk UI on agent.conf's port" 0 $?
got=no
for _ in $(seq 1 40); do
  as fieldsync-agent fieldsync-agent questionnaires --data $KIOSKDIR 2>/dev/null |
    grep -q '^friends-and-family' && { got=yes; break; }
  sleep 0.25
done
e2e_expect "the agent service synced the published questionnaire" yes "$got"
RID=$(printf '{"overall": "good", "why": "package test"}\n' |
  as fieldsync-agent fieldsync-agent respond --data $KIOSKDIR --questionnaire friends-and-family --answers - 2>"$E2E_TMP/respond.err")
e2e_expect "respond as fieldsync-agent" yes "$([ -n "$RID" ] && echo yes || echo no)"
got=no
for _ in $(seq 1 40); do
  as fieldsync-hub fieldsync-hub export --data $HUBDIR responses --questionnaire friends-and-family \
    2>/dev/null | grep -q "$RID" && { got=yes; break; }
  sleep 0.25
done
e2e_expect "the response reached the hub through the agent service" yes "$got"

# ---- the kiosk launcher ----
fieldsync-kiosk >/dev/null 2>"$E2E_TMP/kiosk-root.err"
e2e_expect "fieldsync-kiosk refuses root" "1 yes" \
  "$? $(grep -q 'not as root' "$E2E_TMP/kiosk-root.err" && echo yes || echo no)"
mkdir -m 755 "$E2E_TMP/fake"
cat >"$E2E_TMP/fake/chromium" <<'FAKE'
#!/bin/sh
{ echo "user=$(id -un) LANG=$LANG TZ=$TZ"; printf '%s\n' "$@"; } >"$FIELDSYNC_FAKE_OUT"
FAKE
chmod 755 "$E2E_TMP/fake/chromium"
chmod 755 "$E2E_TMP"
sed -i "s|^FIELDSYNC_KIOSK_URL=.*|FIELDSYNC_KIOSK_URL=http://127.0.0.1:$UI_PORT/|" /etc/fieldsync/kiosk.conf
as nobody env -i PATH="$E2E_TMP/fake:/usr/bin:/bin" FIELDSYNC_KIOSK_RUNS=1 \
  FIELDSYNC_FAKE_OUT=/tmp/fieldsync-kiosk-args.$$ fieldsync-kiosk 2>"$E2E_TMP/kiosk.err"
e2e_expect "fieldsync-kiosk as an ordinary user" "0 " "$? $(head -c 300 "$E2E_TMP/kiosk.err")"
args=$(tr '\n' ' ' </tmp/fieldsync-kiosk-args.$$ 2>/dev/null)
rm -f /tmp/fieldsync-kiosk-args.$$
for want in "user=nobody LANG=en_GB.UTF-8 TZ=Europe/London" --kiosk --incognito --lang=en-GB \
  "--user-data-dir=" "http://127.0.0.1:$UI_PORT/"; do
  e2e_expect "fieldsync-kiosk starts the browser with $want" yes \
    "$(case " $args" in *" $want"*) echo yes ;; *) echo no ;; esac)"
done

# ---- stop; the hub again over HTTPS with /etc/fieldsync/tls ----
e2e_stop "$AGENT_PID" TERM 20
e2e_expect "agent service stops on TERM" 0 $?
e2e_stop "$HUB_PID" TERM 40
e2e_expect "hub service stops on TERM" 0 $?
TLS=/etc/fieldsync/tls
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=127.0.0.1 \
  -addext subjectAltName=IP:127.0.0.1 -keyout $TLS/privkey.pem -out $TLS/fullchain.pem \
  >"$E2E_TMP/openssl.log" 2>&1
chgrp fieldsync-hub $TLS/privkey.pem $TLS/fullchain.pem
chmod 0640 $TLS/privkey.pem $TLS/fullchain.pem
sed -i "s|^FIELDSYNC_HUB_OPTIONS=.*|FIELDSYNC_HUB_OPTIONS=--tls-cert $TLS/fullchain.pem --tls-key $TLS/privkey.pem|" \
  /etc/fieldsync/hub.conf
run_unit fieldsync-hub "$E2E_TMP/hub-tls.log"
HUB_PID=$E2E_PID
e2e_wait_http "https://127.0.0.1:$HUB_PORT/health" 20 --cacert $TLS/fullchain.pem
e2e_expect "hub service serves HTTPS with hub.conf's options and the key in $TLS (0640 root:fieldsync-hub)" 0 $?
e2e_stop "$HUB_PID" TERM 40
e2e_expect "hub service (HTTPS) stops on TERM" 0 $?
# The certificate and key are the administrator's files, not the package's:
# dpkg leaves them (and so /etc/fieldsync/tls) on purge. Removed here by hand.
rm -f $TLS/privkey.pem $TLS/fullchain.pem

# ---- remove, purge ----
dpkg -r fieldsync-hub fieldsync-agent >"$E2E_TMP/remove.log" 2>&1
e2e_expect "dpkg -r both" 0 $?
e2e_expect "removed: the programs and units" "no no no no" \
  "$(yes_no test -e /usr/bin/fieldsync-hub) $(yes_no test -e /usr/bin/fieldsync-agent) $(
     yes_no test -e /lib/systemd/system/fieldsync-hub.service) $(yes_no test -e /usr/bin/fieldsync-kiosk)"
e2e_expect "kept after remove: the stores and the settings" "yes yes yes" \
  "$(yes_no test -f $HUBDIR/hub.db) $(yes_no test -f $KIOSKDIR/kiosk.db) $(yes_no test -f /etc/fieldsync/hub.conf)"
dpkg -P fieldsync-hub fieldsync-agent >"$E2E_TMP/purge.log" 2>&1
e2e_expect "dpkg -P both" 0 $?
e2e_expect "purged: /var/lib/fieldsync, /etc/fieldsync, the enable links" "no no no" \
  "$(yes_no test -e /var/lib/fieldsync) $(yes_no test -e /etc/fieldsync) $(
     yes_no test -e /etc/systemd/system/multi-user.target.wants/fieldsync-hub.service)"
e2e_expect "kept after purge: the system users (Debian keeps them)" "yes yes" \
  "$(getent passwd fieldsync-hub >/dev/null && echo yes || echo no) $(getent passwd fieldsync-agent >/dev/null && echo yes || echo no)"
# What the whole install, run and purge left in the root: the overlay's
# upper directory holds every file changed. Only dpkg's, the users' and
# man-db's cache (its trigger indexes every package's manual pages).
left=$(cd "$FIELDSYNC_PKG_UPPER" && find . -mindepth 1 \( -type f -o -type l -o -type c \) |
  sed 's|^\./|/|' | grep -v -E '^/(var/lib/dpkg/|var/log/|etc/(passwd|group|shadow|gshadow)-?$|etc/\.pwd\.lock$|tmp/|var/cache/debconf/|var/cache/man/|etc/ld\.so\.cache$)' |
  sort | tr '\n' ' ' | sed 's/ $//')
e2e_expect "nothing else left in the root after purge" "" "$left"
e2e_finish
