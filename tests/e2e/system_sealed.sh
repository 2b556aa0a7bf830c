#!/usr/bin/env bash
# Sealed responses and the wipe order (docs/design.md "Sealed responses",
# docs/kiosk.md "A lost or stolen kiosk"): an enrolled kiosk pins the hub's
# keys; a saved response's answers are sealed before the row is written, so
# no byte of them is in the kiosk's store, WAL or shared-memory file (after a
# checkpoint too) and the kiosk's own commands cannot show them; the hub
# opens them at merge (its export has them in clear); after `seal-key
# rotate` the kiosk adopts the new signed key at its next sync and the hub
# opens responses sealed to either key. A revoked kiosk that syncs gets a
# signed wipe order and erases every file of its data directory (sync and
# run); a forged "revoked" reply (a fake hub, unsigned or wrongly signed)
# erases nothing.
# usage: system_sealed.sh AGENT HUB FAKE_HUB
AGENT=${1:?usage: system_sealed.sh AGENT HUB FAKE_HUB}
HUB=${2:?usage: system_sealed.sh AGENT HUB FAKE_HUB}
FAKE=${3:?usage: system_sealed.sh AGENT HUB FAKE_HUB}
. "$(dirname "$0")/agent_lib.sh"

Q=friends-and-family
SECRET=Zebra-Marmalade-4417
SECRET2=Quokka-Treacle-9038
kiosk_files() { ls "$E2E_TMP/$1"/kiosk.db* 2>/dev/null; }
# Does any file of kiosk $1's store hold the text $2? Prints the files.
store_holds() {
  local f found=
  for f in "$E2E_TMP/$1"/kiosk.db "$E2E_TMP/$1"/kiosk.db-wal "$E2E_TMP/$1"/kiosk.db-shm; do
    [ -e "$f" ] && grep -aq "$2" "$f" && found="$found ${f##*/}"
  done
  echo "$found"
}
pin_of() { sqlite3 "$E2E_TMP/$1/kiosk.db" "SELECT value FROM meta WHERE key = 'hub_seal_key'"; }
hub_has() { hub export responses --questionnaire $Q --format jsonl | grep -c "$1"; }

hub_start || { e2e_fail "hub starts"; e2e_finish; exit 1; }
hub publish "$E2E_EXAMPLES/$Q.json" >/dev/null || e2e_fail "publish"
kiosk_init k north || e2e_fail "kiosk init"
check "kiosk syncs" ag k sync

# ---- the key is pinned at enrollment ----
KEY1=$(hub seal-key show)
e2e_expect "seal-key show prints KEYID:BASE64" 1 \
  "$(echo "$KEY1" | grep -cE '^[0-9a-f]{16}:[A-Za-z0-9+/]{43}=$')"
e2e_expect "the kiosk pinned the hub's current key" "$KEY1" "$(pin_of k)"

# ---- sealed on save: nothing of the answers in any kiosk file ----
answers_json "$E2E_TMP/a.json" "$SECRET"
check "respond" ag k respond --questionnaire $Q --answers "$E2E_TMP/a.json"
rm -f "$E2E_TMP/a.json"
e2e_expect "no kiosk file holds the answer (store, -wal, -shm)" "" "$(store_holds k "$SECRET")"
sqlite3 "$E2E_TMP/k/kiosk.db" 'PRAGMA wal_checkpoint(TRUNCATE);' >/dev/null
e2e_expect "nor after a checkpoint" "" "$(store_holds k "$SECRET")"
check "responses lists it" ag k responses
e2e_expect "responses shows it sealed" 1 "$(grep -c '"answers":"sealed"' "$E2E_OUT")"
e2e_expect "responses does not show the answer" 0 "$(grep -c "$SECRET" "$E2E_OUT")"
check "status" ag k status
e2e_expect "status does not show it" 0 "$(grep -c "$SECRET" "$E2E_OUT")"
e2e_expect "status says answers are sealed" 1 "$(grep -c '^answers: *sealed to the hub' "$E2E_OUT")"
check "status --json" ag k status --json
e2e_expect "status --json: responses_sealed" 1 "$(grep -c '"responses_sealed": true' "$E2E_OUT")"

# ---- opened at the hub ----
check "sync sends it" ag k sync
e2e_expect "the hub's export has the answer in clear" 1 "$(hub_has "$SECRET")"
e2e_expect "nothing quarantined" 0 "$(hub digest | awk '$1 == "quarantine" {print $2}')"

# ---- rotation ----
KEY2ID=$(hub seal-key rotate)
e2e_expect "rotate prints a new key id" 1 "$(echo "$KEY2ID" | grep -cE '^[0-9a-f]{16}$')"
KEY2=$(hub seal-key show)
e2e_expect "show prints the new key" "$KEY2ID" "${KEY2%%:*}"
# A response sealed to the old key, still unsent when the key rotates.
answers_json "$E2E_TMP/a.json" "old-key-$SECRET2"
ag k respond --questionnaire $Q --answers "$E2E_TMP/a.json" >/dev/null || e2e_fail "respond (old key)"
hub_stop
hub_start || e2e_fail "hub restarts (reads the new key)"
check "sync after rotate" ag k sync
e2e_expect "the response sealed to the old key opens" 1 "$(hub_has "old-key-$SECRET2")"
e2e_expect "the kiosk adopted the new key" "$KEY2" "$(pin_of k)"
answers_json "$E2E_TMP/a.json" "new-key-$SECRET2"
ag k respond --questionnaire $Q --answers "$E2E_TMP/a.json" >/dev/null || e2e_fail "respond (new key)"
rm -f "$E2E_TMP/a.json"
check "sync with the new key" ag k sync
e2e_expect "the response sealed to the new key opens" 1 "$(hub_has "new-key-$SECRET2")"

# ---- a forged revoked reply erases nothing ----
answers_json "$E2E_TMP/a.json" "pending"
ag k respond --questionnaire $Q --answers "$E2E_TMP/a.json" >/dev/null || e2e_fail "respond (pending)"
cp "$E2E_TMP/k/agent.json" "$E2E_TMP/agent.json.real"
for forged in none bad; do
  if [ $forged = none ]; then
    printf '{"error":"revoked","message":"forged"}' >"$E2E_TMP/forged.json"
  else
    # A well-formed signature from some other key.
    printf '{"error":"revoked","message":"forged","wipe":"%s"}' \
      "$(head -c 64 /dev/urandom | base64 -w0)" >"$E2E_TMP/forged.json"
  fi
  fake_start 403 "$E2E_TMP/forged.json" plain || e2e_fail "fake hub starts"
  sed "s#\"hub\": *\"[^\"]*\"#\"hub\": \"$URL\"#" "$E2E_TMP/agent.json.real" >"$E2E_TMP/k/agent.json"
  expect_exit 5 "forged revoked ($forged): credentials rejected" ag k sync
  e2e_expect "forged revoked ($forged): it says the data is kept" 1 "$(grep -c 'data is kept' "$E2E_ERR")"
  e2e_expect "forged revoked ($forged): the store is still there" 1 "$([ -s "$E2E_TMP/k/kiosk.db" ] && echo 1)"
  e2e_expect "forged revoked ($forged): the token is still there" 1 "$([ -s "$E2E_TMP/k/token" ] && echo 1)"
  fake_stop
done
cp "$E2E_TMP/agent.json.real" "$E2E_TMP/k/agent.json"
chmod 600 "$E2E_TMP/k/agent.json"

# ---- revoked: the next sync wipes the kiosk ----
SITE=$(kiosk_site k)
check "revoke" hub revoke "$SITE"
expect_exit 5 "the revoked kiosk's sync exits 5" ag k sync
e2e_expect "it says the kiosk was revoked and erased" 1 \
  "$(grep -c 'this kiosk was revoked and its data erased' "$E2E_ERR")"
e2e_expect "no file is left in its data directory" "" "$(ls -A "$E2E_TMP/k")"

# ---- the daemon too ----
kiosk_init d north || e2e_fail "kiosk d init"
e2e_spawn "$E2E_TMP/d.log" "$AGENT" run --data "$E2E_TMP/d" --no-ui --sync-interval 1 --max-backoff 1
DPID=$E2E_PID
sleep 1.5
check "revoke d" hub revoke "$(kiosk_site d)"
for ((i = 0; i < 100; i++)); do
  kill -0 "$DPID" 2>/dev/null || break
  sleep 0.1
done
wait "$DPID" 2>/dev/null
e2e_expect "the daemon stopped with exit 5" 5 "$?"
e2e_expect "the daemon logged the erasure" 1 "$(grep -c 'this kiosk was revoked and its data erased' "$E2E_TMP/d.log")"
e2e_expect "the daemon's data directory is empty" "" "$(ls -A "$E2E_TMP/d")"
hub_stop
e2e_finish
