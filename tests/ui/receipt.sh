#!/usr/bin/env bash
# A person's receipt code end to end in Chromium (issue 13 item 3,
# docs/kiosk.md "Receipt codes"): a real hub and two real kiosks A and B
# of region north, each `fieldsync-agent run` with its UI. The browser part
# is receipt.test.js (run by tests/ui/run.sh): a person answers at A and
# takes a receipt code (shown with its QR code), A syncs; at B the person
# types the code, sees "received" and withdraws; B syncs; the hub's store
# and its exports no longer hold the response, and A has erased it.
# usage: receipt.sh AGENT HUB ARTIFACT_DIR
AGENT=${1:?usage: receipt.sh AGENT HUB ARTIFACT_DIR}
HUB=${2:?usage: receipt.sh AGENT HUB ARTIFACT_DIR}
ARTIFACTS=${3:?usage: receipt.sh AGENT HUB ARTIFACT_DIR}
. "$(dirname "$0")/../e2e/agent_lib.sh"

WAIT=25
cat >"$E2E_TMP/receipt-test.json" <<'EOF'
{"format": "fieldsync-questionnaire/1", "id": "receipt-test", "version": 1,
 "languages": ["en"], "title": {"en": "Your library"},
 "questions": [{"id": "comment", "type": "text", "label": {"en": "Anything to tell us?"}}]}
EOF

hub_start || { e2e_fail "hub starts"; e2e_finish; exit 1; }
hub publish "$E2E_TMP/receipt-test.json" >/dev/null || e2e_fail "publish receipt-test"
kiosk_init a north || e2e_fail "init a"
kiosk_init b north || e2e_fail "init b"
for k in a b; do
  kiosk_run "$k" --sync-interval 1 --max-backoff 2 --ui-idle-timeout 60 || { e2e_fail "$k: daemon and UI start"; e2e_finish; exit 1; }
done
offers() { [ "$(api poll "$1" GET /api/kiosk)" = 200 ] && grep -qF '"id":"receipt-test"' "$E2E_TMP/poll.body"; }
for k in a b; do
  wait_for $WAIT offers "$k" || e2e_fail "$k: the UI offers receipt-test"
done

export UI_A="http://127.0.0.1:${UI_PORT[a]}/" UI_B="http://127.0.0.1:${UI_PORT[b]}/"
export RC_TMP=$E2E_TMP RC_HUB=$HUB RC_HUB_DIR=$HUB_DIR
if bash "$(dirname "$0")/run.sh" "$AGENT" "$ARTIFACTS" receipt.test.js; then
  e2e_pass "the browser test (receipt.test.js)"
else
  e2e_fail "the browser test (receipt.test.js)"
fi
e2e_finish
