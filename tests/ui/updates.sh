#!/usr/bin/env bash
# "You said, we did" updates end to end in Chromium (issue 13 item 1,
# docs/reciprocity.md): a real hub and two real kiosks, A of region north
# and B of region south, each `fieldsync-agent run` with its UI. The hub
# publishes two updates for north (one linked to the questionnaire, with
# an image whose text chunk names a person) and one for every region; A
# gets all three, B only the one for every region. The browser part is
# updates.test.js (run by tests/ui/run.sh).
# usage: updates.sh AGENT HUB ARTIFACT_DIR
AGENT=${1:?usage: updates.sh AGENT HUB ARTIFACT_DIR}
HUB=${2:?usage: updates.sh AGENT HUB ARTIFACT_DIR}
ARTIFACTS=${3:?usage: updates.sh AGENT HUB ARTIFACT_DIR}
. "$(dirname "$0")/../e2e/agent_lib.sh"

WAIT=25
cat >"$E2E_TMP/visit.json" <<'EOF2'
{"format": "fieldsync-questionnaire/1", "id": "visit", "version": 1,
 "languages": ["en", "cy"], "title": {"en": "Your visit", "cy": "Eich ymweliad"},
 "questions": [{"id": "comment", "type": "text", "label": {"en": "Anything to tell us?", "cy": "Unrhyw beth i'w ddweud?"}}]}
EOF2
today=$(date -u +%Y-%m-%d)
cat >"$E2E_TMP/u1.json" <<EOF2
{"id": "cafe", "target": "north", "questionnaire": "visit",
 "title": {"en": "The café now opens until 7pm", "cy": "Mae'r caffi ar agor tan 7pm"},
 "text": {"en": "You told us the café closes too early.\nFrom January it opens until 7pm.", "cy": "Dywedoch chi wrthym fod y caffi yn cau yn rhy gynnar."},
 "starts": "2020-01-01", "ends": "2099-12-31"}
EOF2
cat >"$E2E_TMP/u2.json" <<EOF2
{"id": "benches", "target": "north", "title": {"en": "New benches by the bus stop"},
 "text": {"en": "You asked for somewhere to sit. Four benches went in last week."},
 "starts": "$today", "ends": "$today"}
EOF2
cat >"$E2E_TMP/u3.json" <<EOF2
{"id": "hours", "target": "*", "title": {"en": "Longer library hours"},
 "text": {"en": "Every library now opens on Saturdays."}, "starts": "2020-01-01", "ends": "2099-12-31"}
EOF2
cat >"$E2E_TMP/u4.json" <<EOF2
{"id": "old", "target": "north", "title": {"en": "An old update"},
 "text": {"en": "Over."}, "starts": "2020-01-01", "ends": "2020-12-31"}
EOF2
# A 64x40 PNG with a tEXt chunk naming a person.
node -e '
const zlib = require("zlib"), fs = require("fs");
const t = Array.from({length: 256}, (_, n) => { let c = n; for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1; return c >>> 0; });
const crc = (b) => { let c = 0xffffffff; for (const x of b) c = t[(c ^ x) & 0xff] ^ (c >>> 8); return (c ^ 0xffffffff) >>> 0; };
const chunk = (ty, d) => { const l = Buffer.alloc(4); l.writeUInt32BE(d.length); const td = Buffer.concat([Buffer.from(ty), d]); const c = Buffer.alloc(4); c.writeUInt32BE(crc(td)); return Buffer.concat([l, td, c]); };
const w = 64, h = 40, ih = Buffer.alloc(13); ih.writeUInt32BE(w, 0); ih.writeUInt32BE(h, 4); ih[8] = 8; ih[9] = 2;
const raw = Buffer.alloc(h * (1 + w * 3));
for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) raw.set([200, 90 + y * 3, 40 + x * 2], y * (1 + w * 3) + 1 + x * 3);
fs.writeFileSync(process.argv[1], Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk("IHDR", ih),
  chunk("tEXt", Buffer.from("Author\0Ann Example")), chunk("IDAT", zlib.deflateSync(raw)), chunk("IEND", Buffer.alloc(0))]));
' "$E2E_TMP/cafe.png" || e2e_fail "make the PNG"

hub_start || { e2e_fail "hub starts"; e2e_finish; exit 1; }
hub publish "$E2E_TMP/visit.json" >/dev/null || e2e_fail "publish visit"
hub update add "$E2E_TMP/u1.json" --image "$E2E_TMP/cafe.png" >/dev/null 2>"$E2E_ERR" || e2e_fail "update add cafe" "$(cat "$E2E_ERR")"
for u in u2 u3 u4; do
  hub update add "$E2E_TMP/$u.json" >/dev/null 2>"$E2E_ERR" || e2e_fail "update add $u" "$(cat "$E2E_ERR")"
done
kiosk_init a north || e2e_fail "init a"
kiosk_init b south || e2e_fail "init b"
for k in a b; do
  kiosk_run "$k" --sync-interval 1 --max-backoff 2 || { e2e_fail "$k: daemon and UI start"; e2e_finish; exit 1; }
done
has() { [ "$(api poll "$1" GET /api/updates)" = 200 ] && grep -qF "\"id\":\"$2\"" "$E2E_TMP/poll.body"; }
wait_for $WAIT has a cafe || e2e_fail "a: the UI lists the update for north"
wait_for $WAIT has b hours || e2e_fail "b: the UI lists the update for every region"
has b cafe && e2e_fail "b (south) lists north's update"
has a old && e2e_fail "a lists an update whose dates are over"

export UI_A="http://127.0.0.1:${UI_PORT[a]}/" UI_B="http://127.0.0.1:${UI_PORT[b]}/"
if bash "$(dirname "$0")/run.sh" "$AGENT" "$ARTIFACTS" updates.test.js; then
  e2e_pass "the browser test (updates.test.js)"
else
  e2e_fail "the browser test (updates.test.js)"
fi
e2e_finish
