#!/usr/bin/env bash
# "I'd like someone to contact me" end to end in Chromium (issue 13 item 4,
# docs/reciprocity.md): a real hub and two real kiosks A and B of region
# north, each `fieldsync-agent run` with its UI. The browser part is
# contact_request.test.js (run by tests/ui/run.sh): a person answers at A,
# asks to be contacted, the request is released after A's delay (here 3 to
# 6 s, agent.json "contact_request_delay_s"), synced, and a worker at B
# finds it in the follow-ups, takes it and closes it; the stores, exports
# and logs are checked for any link to the response; a half-filled form
# is cleared by the idle reset and a cancelled one is never kept.
# usage: contact_request.sh AGENT HUB ARTIFACT_DIR
AGENT=${1:?usage: contact_request.sh AGENT HUB ARTIFACT_DIR}
HUB=${2:?usage: contact_request.sh AGENT HUB ARTIFACT_DIR}
ARTIFACTS=${3:?usage: contact_request.sh AGENT HUB ARTIFACT_DIR}
. "$(dirname "$0")/../e2e/agent_lib.sh"

WAIT=25
cat >"$E2E_TMP/contact-test.json" <<'EOF'
{"format": "fieldsync-questionnaire/1", "id": "contact-test", "version": 1,
 "languages": ["en"], "title": {"en": "Your visit"},
 "questions": [{"id": "comment", "type": "text", "label": {"en": "Anything to tell us?"}}],
 "contact_request": {"topics": [
   {"value": "housing", "label": {"en": "Housing"}},
   {"value": "money", "label": {"en": "Money and benefits"}}]}}
EOF

hub_start || { e2e_fail "hub starts"; e2e_finish; exit 1; }
hub publish "$E2E_TMP/contact-test.json" >/dev/null || e2e_fail "publish contact-test"
kiosk_init a north || e2e_fail "init a"
kiosk_init b north || e2e_fail "init b"
# set_config KEY JSON: A's agent.json with KEY set (kept 0600).
set_config() {
  sqlite3 :memory: "SELECT json_set(readfile('$E2E_TMP/a/agent.json'), '\$.$1', json('$2'));" \
    >"$E2E_TMP/a.json" && cat "$E2E_TMP/a.json" >"$E2E_TMP/a/agent.json"
}
cp "$E2E_TMP/a/agent.json" "$E2E_TMP/a.orig.json"
# Out of bounds: every command refuses to run, naming the key and its bounds.
for bad in '[6,3]' '[-1,5]' '[0,86401]' '[1]' '"600"' '[1.5,3]'; do
  set_config contact_request_delay_s "$bad"
  expect_exit 1 "contact_request_delay_s $bad is refused" ag a status
  grep -qF '"contact_request_delay_s" must be [MIN, MAX], whole seconds with 0 <= MIN <= MAX <= 86400' "$E2E_ERR" ||
    e2e_fail "contact_request_delay_s $bad: the message" "$(cat "$E2E_ERR")"
  cat "$E2E_TMP/a.orig.json" >"$E2E_TMP/a/agent.json"
done
set_config contact_request_days -1
expect_exit 1 "contact_request_days -1 is refused" ag a status
cat "$E2E_TMP/a.orig.json" >"$E2E_TMP/a/agent.json"
# A releases a request 3 to 6 s after it is sent (docs/agent.md).
set_config contact_request_delay_s '[3,6]'

echo 975319 | ag b worker add kim >/dev/null 2>"$E2E_ERR" || e2e_fail "worker add kim at b" "$(cat "$E2E_ERR")"
for k in a b; do
  kiosk_run "$k" --sync-interval 1 --max-backoff 2 --ui-idle-timeout 30 || { e2e_fail "$k: daemon and UI start"; e2e_finish; exit 1; }
done
# offers KIOSK: its UI lists the questionnaire (after its first sync).
offers() { [ "$(api poll "$1" GET /api/kiosk)" = 200 ] && grep -qF '"id":"contact-test"' "$E2E_TMP/poll.body"; }
for k in a b; do
  wait_for $WAIT offers "$k" || e2e_fail "$k: the UI offers contact-test"
done

export UI_A="http://127.0.0.1:${UI_PORT[a]}/" UI_B="http://127.0.0.1:${UI_PORT[b]}/"
export CR_TMP=$E2E_TMP CR_HUB=$HUB CR_HUB_DIR=$HUB_DIR CR_AGENT=$AGENT
if bash "$(dirname "$0")/run.sh" "$AGENT" "$ARTIFACTS" contact_request.test.js; then
  e2e_pass "the browser test (contact_request.test.js)"
else
  e2e_fail "the browser test (contact_request.test.js)"
fi
e2e_finish
