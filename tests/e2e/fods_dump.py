#!/usr/bin/env python3
"""fods_dump.py FILE.fods: every non-empty cell of a flat ODF spreadsheet
(what `soffice --convert-to fods` writes) as one line of tab-separated
fields: sheet, row, column (from 0), office:value-type, its value
(office:value, date-value or boolean-value), the text shown (paragraphs
joined by \\n), and the cell's formula or "-". The first 100 rows and
columns of each sheet. For tests/e2e/hub_export.sh and
tests/ui/console_exports.test.js."""
import sys
import xml.etree.ElementTree as ET

NS = {"table": "urn:oasis:names:tc:opendocument:xmlns:table:1.0",
      "office": "urn:oasis:names:tc:opendocument:xmlns:office:1.0",
      "text": "urn:oasis:names:tc:opendocument:xmlns:text:1.0"}
T, O, X = ("{%s}" % NS[k] for k in ("table", "office", "text"))

for sheet in ET.parse(sys.argv[1]).iter(T + "table"):
    r = 0
    for row in sheet.iter(T + "table-row"):
        repeat = int(row.get(T + "number-rows-repeated", "1"))
        c = 0
        for cell in row:
            if cell.tag not in (T + "table-cell", T + "covered-table-cell"):
                continue
            n = int(cell.get(T + "number-columns-repeated", "1"))
            typ = cell.get(O + "value-type")
            for i in range(min(n, 100) if typ and r < 100 else 0):
                val = (cell.get(O + "value") or cell.get(O + "date-value") or
                       cell.get(O + "boolean-value") or "")
                text = "\\n".join("".join(p.itertext()) for p in cell.iter(X + "p"))
                print("\t".join([sheet.get(T + "name"), str(r), str(c + i), typ, val, text,
                                 cell.get(T + "formula") or "-"]))
            c += n
        r += min(repeat, 100)
