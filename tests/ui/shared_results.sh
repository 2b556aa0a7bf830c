#!/usr/bin/env bash
# Shared results end to end in Chromium (issue 13 item 2, docs/reciprocity.md
# "Shared results"): a real hub and two real kiosks, N of region north and S
# of region south, each `fieldsync-agent run` with its UI. The browser part
# is shared_results.test.js (run by tests/ui/run.sh): shared with k 5, the
# thank-you screen at N says "not enough answers yet" and shows no number
# below k; after 5 responses and a release it shows the rounded figures,
# and the welcome screen's "See what people said" opens them as tables; S
# never gets north's figures; unsharing removes them from N.
# usage: shared_results.sh AGENT HUB ARTIFACT_DIR
AGENT=${1:?usage: shared_results.sh AGENT HUB ARTIFACT_DIR}
HUB=${2:?usage: shared_results.sh AGENT HUB ARTIFACT_DIR}
ARTIFACTS=${3:?usage: shared_results.sh AGENT HUB ARTIFACT_DIR}
. "$(dirname "$0")/../e2e/agent_lib.sh"

WAIT=25
cat >"$E2E_TMP/shared-test.json" <<'JSON'
{"format": "fieldsync-questionnaire/1", "id": "shared-test", "version": 1,
 "languages": ["en", "cy"], "title": {"en": "The library", "cy": "Y llyfrgell"},
 "questions": [
  {"id": "hours", "type": "single_choice", "label": {"en": "Are the opening hours right for you?", "cy": "Ydy'r oriau agor yn iawn i chi?"},
   "options": [{"value": "yes", "label": {"en": "Yes", "cy": "Ydyn"}},
               {"value": "later", "label": {"en": "I need it open later", "cy": "Mae angen iddi agor yn hwyrach"}},
               {"value": "earlier", "label": {"en": "I need it open earlier", "cy": "Mae angen iddi agor yn gynt"}}]},
  {"id": "score", "type": "scale", "min": 1, "max": 5, "label": {"en": "How welcome do you feel here?", "cy": "Pa mor groesawgar yw hi yma?"}},
  {"id": "comment", "type": "text", "label": {"en": "Anything else?", "cy": "Unrhyw beth arall?"}}]}
JSON

hub_start || { e2e_fail "hub starts"; e2e_finish; exit 1; }
hub publish "$E2E_TMP/shared-test.json" >/dev/null || e2e_fail "publish shared-test"
kiosk_init n north || e2e_fail "init n"
kiosk_init s south || e2e_fail "init s"
for k in n s; do
  kiosk_run "$k" --sync-interval 1 --max-backoff 2 || { e2e_fail "$k: daemon and UI start"; e2e_finish; exit 1; }
done
offers() { [ "$(api poll "$1" GET /api/kiosk)" = 200 ] && grep -qF '"id":"shared-test"' "$E2E_TMP/poll.body"; }
for k in n s; do
  wait_for $WAIT offers "$k" || e2e_fail "$k: the UI offers shared-test"
done

export UI_N="http://127.0.0.1:${UI_PORT[n]}/" UI_S="http://127.0.0.1:${UI_PORT[s]}/"
export SR_HUB=$HUB SR_HUB_DIR=$HUB_DIR
if bash "$(dirname "$0")/run.sh" "$AGENT" "$ARTIFACTS" shared_results.test.js; then
  e2e_pass "the browser test (shared_results.test.js)"
else
  e2e_fail "the browser test (shared_results.test.js)"
fi
e2e_finish
