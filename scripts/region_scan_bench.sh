#!/bin/sh
# CPU of one kiosk's pull query (contact fields, the largest scoped table)
# against the number of regions, at the same reply size: R regions of
# CONTACTS contacts each, FIELDS fields per contact written round-robin
# over the regions, a kiosk cursor REPLY writes per region back. Times the
# scan before (schema up to 007, region filtered after the seq walk) and
# after schema/011_region_seq.sql (the region's range), with sqlite3's
# .timer, RUNS times each. Issue 14; docs/performance.md, "Region-scoped
# pulls and fan-out (issue 14)".
#
# usage: scripts/region_scan_bench.sh [REGIONS...]   (default: 4 20 100)
set -eu
src=$(cd "$(dirname "$0")/.." && pwd)
contacts=${CONTACTS:-200} fields=${FIELDS:-5} reply=${REPLY:-500} runs=${RUNS:-5} repeat=${REPEAT:-100}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
old="SELECT f.contact_id, c.region, f.field, f.value, f.hlc, f.site, f.prev_hlc, f.prev_site, f.seq FROM contact_fields f JOIN contacts c ON c.id = f.contact_id WHERE f.seq > :cur AND (c.region = 'r1') ORDER BY f.seq LIMIT 1001"
new="SELECT f.contact_id, c.region, f.field, f.value, f.hlc, f.site, f.prev_hlc, f.prev_site, f.seq FROM contacts c JOIN contact_fields f ON f.contact_id = c.id WHERE c.region = 'r1' AND f.seq > :cur ORDER BY 9 LIMIT 1001"
for r in ${*:-4 20 100}; do
	db=$dir/r$r.db
	for f in "$src"/schema/00[1-7]_*.sql; do sqlite3 "$db" <"$f" >/dev/null; done
	sqlite3 "$db" <<SQL
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < $r * $contacts - 1)
INSERT INTO contacts SELECT 'c' || i, 'r' || (i % $r) FROM n;
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < $r * $contacts * $fields - 1)
INSERT INTO contact_fields SELECT 'c' || (i % ($r * $contacts)), 'f' || (i / ($r * $contacts)),
  '"some value of a field"', i, 'k1', NULL, NULL, i + 1 FROM n;
SQL
	total=$((r * contacts * fields))
	cur=$((total - r * reply))
	for kind in before after; do
		if [ $kind = after ]; then sqlite3 "$db" <"$src"/schema/011_region_seq.sql; q=$new; else q=$old; fi
		q=$(printf '%s' "$q" | sed "s/:cur/$cur/")
		got=$(sqlite3 "$db" "SELECT count(*) FROM ($q)")
		# getrusage's granularity: each run is REPEAT queries in one process.
		t=$(for i in $(seq "$runs"); do
			for j in $(seq "$repeat"); do printf '%s;\n' "$q"; done >"$dir/q.sql"
			/usr/bin/time -f %U sqlite3 "$db" <"$dir/q.sql" 2>&1 >/dev/null |
				awk -v n="$repeat" '{ printf "%.3f\n", $1 * 1000 / n }'
		done | sort -n | tr '\n' ' ')
		echo "regions $r $kind: rows in store $total, reply $got rows, user CPU ms per query (sorted, $runs runs of $repeat): $t"
	done
done
