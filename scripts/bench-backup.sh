#!/usr/bin/env bash
# How long fieldsync-hub backup and restore take on a SQLite hub store of N
# responses (docs/performance.md, "Backup and restore"). The store is a real
# hub store (made by the hub) with N copies of one response added with
# sqlite3, each 1 KiB of answers.
# usage: scripts/bench-backup.sh HUB [N]   (HUB: build/dev/hub/fieldsync-hub; N: 100000)
set -eu
HUB=${1:?usage: bench-backup.sh HUB [N]}
N=${2:-100000}
T=$(mktemp -d "${TMPDIR:-/tmp}/fieldsync-bench-backup.XXXXXX")
trap 'rm -rf "$T"' EXIT
mkdir -m 700 "$T/backups"
"$HUB" enroll --data "$T/hub" --region north >/dev/null
answers=$(printf '{"why":"%s"}' "$(head -c 1000 /dev/zero | tr '\0' x)")
sqlite3 "$T/hub/hub.db" <<EOF
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $N)
INSERT INTO responses (id, questionnaire_id, questionnaire_version, started_at, submitted_at,
  language, mode, worker, answers, deleted, hlc, site, seq)
SELECT printf('0190c000-0000-7000-8000-%012d', i), 'q', 1, '2026-11-27T10:00:00Z',
  '2026-11-27T10:05:00Z', 'en', 'self', NULL, '$answers', 0, i << 16, 'k-bench', i FROM n;
INSERT OR REPLACE INTO meta (key, value) VALUES ('seq', '$N');
EOF
size=$(stat -c %s "$T/hub/hub.db")
ms() { date +%s%3N; }
t0=$(ms)
"$HUB" backup --data "$T/hub" --to "$T/backups/b.db" >/dev/null
t1=$(ms)
"$HUB" restore --from "$T/backups/b.db" --data "$T/restored" >/dev/null
t2=$(ms)
"$HUB" digest --data "$T/hub" >/dev/null
t3=$(ms)
printf 'responses %d, store %.1f MB: backup %.2f s, restore %.2f s (digest alone %.2f s)\n' \
  "$N" "$(echo "$size / 1000000" | bc -l)" "$(echo "($t1 - $t0) / 1000" | bc -l)" \
  "$(echo "($t2 - $t1) / 1000" | bc -l)" "$(echo "($t3 - $t2) / 1000" | bc -l)"
