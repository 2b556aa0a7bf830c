/* fieldsync-hub: CSV output per RFC 4180 (fields separated by commas,
 * records ended by CRLF, UTF-8), made safe to open in a spreadsheet.
 *
 * Answers and notes come from kiosks, so any text may be hostile. A text
 * cell that a spreadsheet could read as a formula (=HYPERLINK(...),
 * =WEBSERVICE(...), DDE) is neutralised by putting one ' before it; the rule
 * is hub_csv_text_needs_guard() below and docs/hub.md ("CSV and
 * spreadsheets"). Every non-empty text cell is quoted, so no separator a
 * spreadsheet may be set to (comma, semicolon, tab, space) splits a cell
 * into pieces that would start a formula. Numbers are written bare. */
#ifndef HUB_CSV_H
#define HUB_CSV_H

#include <stdio.h>

/* 1 when the text s, written as a cell, gets a ' put before it: s starts
 * with ' (so that a reader can always remove exactly one), TAB, CR or LF;
 * or, after any leading white space (ASCII, U+00A0, U+2000-U+200B,
 * U+2028, U+2029, U+202F, U+205F, U+3000, U+FEFF), s starts with = + - @
 * or their full-width forms U+FF1D U+FF0B U+FF0D U+FF20. 0 otherwise. */
int hub_csv_text_needs_guard(const char *s);

/* Write one text cell; first is 1 for the first field of a record (no
 * comma before it). NULL or "" writes an empty field; any other text is
 * quoted (quotes doubled), with the ' guard when the rule above says so. */
void hub_csv_field(FILE *f, const char *s, int first);

/* Write one number cell: s is a number as the export formats it
 * (-?digits[.digits][e[+-]digits]), written bare so that a spreadsheet
 * reads a number (a negative one too). Anything else is written as a text
 * cell by hub_csv_field, guard included. */
void hub_csv_number(FILE *f, const char *s, int first);

/* End the record. */
void hub_csv_end(FILE *f);

#endif
