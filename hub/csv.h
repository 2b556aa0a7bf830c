/* fieldsync-hub: CSV output per RFC 4180: fields separated by commas,
 * records ended by CRLF, a field quoted (with quotes doubled) when it holds
 * a comma, a quote, CR or LF. Text is written as given (UTF-8). */
#ifndef HUB_CSV_H
#define HUB_CSV_H

#include <stdio.h>

/* Write one field; first is 1 for the first field of a record (no comma
 * before it). s NULL writes an empty field. */
void hub_csv_field(FILE *f, const char *s, int first);

/* End the record. */
void hub_csv_end(FILE *f);

#endif
