/* The PostgreSQL backend's connection: connecting with bounded waits, the
 * session settings, prepared statements, errors and transactions.
 *
 * Transactions (docs/scaling.md, "How the change sequence stays in commit
 * order across hub processes"): a write transaction is READ COMMITTED and
 * first locks the change counter row (meta "seq") FOR UPDATE, so writers
 * take turns across every process on the database and each statement after
 * the lock sees what the previous writer committed; a read transaction is
 * REPEATABLE READ READ ONLY: one snapshot. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pg_internal.h"

/* Connection defaults, each overridable by the location (a URI's or a
 * "key=value" string's own value wins): a server that does not answer
 * within 10 s is an error, and TCP keepalives notice a vanished server or
 * network in about a minute (30 s idle, then 3 probes 10 s apart). */
static const char *const default_keys[] = {"connect_timeout", "application_name", "keepalives_idle",
                                           "keepalives_interval", "keepalives_count"};
static const char *const default_values[] = {"10", "fieldsync", "30", "10", "3"};

/* Session limits applied unless the server, database, role or connection
 * string set their own (pg_settings.source not "default"): waiting over
 * 10 s for a lock (the write lock: another hub process is writing) is
 * FS_EBUSY like SQLite's busy timeout; one statement over 60 s is
 * cancelled (FS_EBUSY); a session idle inside a transaction over 60 s (a
 * stopped or stuck process holding the write lock) is ended by the server,
 * which frees the lock for the others. */
static const struct {
	const char *name, *value;
} session_limits[] = {
    {"lock_timeout", "10s"},
    {"statement_timeout", "60s"},
    {"idle_in_transaction_session_timeout", "60s"},
};

void pg_p_text(pg_params *p, const char *text)
{
	p->value[p->n] = text;
	p->length[p->n] = 0;
	p->format[p->n] = 0;
	p->n++;
}

void pg_p_i64(pg_params *p, int64_t v)
{
	snprintf(p->num[p->n], sizeof(p->num[p->n]), "%" PRId64, v);
	pg_p_text(p, p->num[p->n]);
}

void pg_p_bytes(pg_params *p, const unsigned char *data, int len)
{
	p->value[p->n] = (const char *)data;
	p->length[p->n] = len;
	p->format[p->n] = 1;
	p->n++;
}

const char *pg_text(const PGresult *res, int row, int col)
{
	return PQgetisnull(res, row, col) ? NULL : PQgetvalue(res, row, col);
}

int64_t pg_i64(const PGresult *res, int row, int col)
{
	return PQgetisnull(res, row, col) ? 0 : strtoll(PQgetvalue(res, row, col), NULL, 10);
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int pg_bytes(unsigned char *out, size_t len, const PGresult *res, int row, int col)
{
	const char *t = pg_text(res, row, col);
	size_t i;

	/* bytea_output is set to hex for every session (session_setup). */
	if (t == NULL || t[0] != '\\' || t[1] != 'x' || strlen(t + 2) != 2 * len)
		return -1;
	for (i = 0; i < len; i++) {
		int hi = hex_digit(t[2 + 2 * i]), lo = hex_digit(t[3 + 2 * i]);

		if (hi < 0 || lo < 0)
			return -1;
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	return 0;
}

long pg_changed(const PGresult *res)
{
	return strtol(PQcmdTuples((PGresult *)res), NULL, 10);
}

void pg_hold(fs_backend *b, PGresult *res)
{
	PQclear(b->held);
	b->held = res;
}

/* libpq's message: its lines joined, without the trailing newline. */
static void conn_message(char *out, size_t len, PGconn *conn)
{
	const char *m = conn ? PQerrorMessage(conn) : "out of memory";
	size_t n = 0;

	for (; *m != '\0' && n + 1 < len; m++) {
		if (*m == '\n') {
			if (m[1] != '\0' && n + 2 < len) {
				out[n++] = ';';
				out[n++] = ' ';
			}
			continue;
		}
		out[n++] = *m;
	}
	out[n] = '\0';
}

int pg_error(fs_backend *b, const PGresult *res, const char *what, fs_err *err)
{
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	const char *primary = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	char msg[300];

	if (PQstatus(b->conn) != CONNECTION_OK || state == NULL) {
		conn_message(msg, sizeof(msg), b->conn);
		return fs_err_set(err, FS_EGENERIC,
		                  "store: %s: the connection to PostgreSQL at %s was lost: %s",
		                  what, b->where, msg[0] ? msg : "no reply");
	}
	if (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0 ||
	    strcmp(state, "55P03") == 0 || strcmp(state, "57014") == 0)
		return fs_err_set(err, FS_EBUSY,
		                  "store: %s: PostgreSQL: %s (SQLSTATE %s); try again", what,
		                  primary ? primary : "busy", state);
	/* Data exceptions (class 22): the server's message may quote the
	 * value (or bytes of it), so only the code is given. */
	if (strcmp(state, "22021") == 0 || strcmp(state, "22P05") == 0)
		return fs_err_set(err, FS_EINVAL, "store: %s: text is not valid UTF-8", what);
	if (strncmp(state, "22", 2) == 0)
		return fs_err_set(err, FS_EINVAL,
		                  "store: %s: a value PostgreSQL refused (SQLSTATE %s)", what,
		                  state);
	if (strcmp(state, "25P02") == 0)
		return fs_err_set(err, FS_EGENERIC,
		                  "store: %s: an earlier statement of this transaction failed",
		                  what);
	return fs_err_set(err, FS_EGENERIC, "store: %s: PostgreSQL: %s (SQLSTATE %s)", what,
	                  primary ? primary : "error", state);
}

/* The connection's name for messages: host, port and database, never the
 * password (libpq's own messages do not carry it either). */
static void describe(fs_backend *b)
{
	const char *host = PQhost(b->conn), *port = PQport(b->conn), *db = PQdb(b->conn);

	snprintf(b->where, sizeof(b->where), "%s:%s/%s", host && host[0] ? host : "localhost",
	         port && port[0] ? port : "5432", db ? db : "?");
}

static void ignore_notice(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

int pg_exec(fs_backend *b, const char *sql, const char *what, fs_err *err)
{
	PGresult *res = PQexec(b->conn, sql);
	int rc = 0;

	if (PQresultStatus(res) != PGRES_COMMAND_OK && PQresultStatus(res) != PGRES_TUPLES_OK)
		rc = pg_error(b, res, what, err);
	PQclear(res);
	return rc;
}

/* One row, one column of a query without parameters, into out. */
static int query_value(fs_backend *b, const char *sql, char *out, size_t len, fs_err *err)
{
	PGresult *res = PQexec(b->conn, sql);
	int rc = 0;

	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1)
		rc = pg_error(b, res, "open", err);
	else
		snprintf(out, len, "%s", PQgetvalue(res, 0, 0));
	PQclear(res);
	return rc;
}

/* What every session needs: UTF-8 text, hex BYTEA output, durable commits
 * and the limits above. */
static int session_setup(fs_backend *b, fs_err *err)
{
	const char *enc = PQparameterStatus(b->conn, "server_encoding");
	char value[64], sql[512];
	PGresult *res = NULL;
	size_t i, n;
	int rc, r;

	memset(b->prepared, 0, sizeof(b->prepared));
	PQsetNoticeProcessor(b->conn, ignore_notice, NULL);
	if (enc == NULL || strcmp(enc, "UTF8") != 0)
		return fs_err_set(err, FS_EGENERIC,
		                  "store: PostgreSQL database %s has encoding %s; fieldsync needs "
		                  "UTF8 (CREATE DATABASE ... ENCODING 'UTF8')",
		                  b->where, enc ? enc : "unknown");
	/* A commit is reported saved only when it is on disk. */
	rc = query_value(b, "SHOW fsync", value, sizeof(value), err);
	if (rc != 0)
		return rc;
	if (strcmp(value, "on") != 0)
		return fs_err_set(
		    err, FS_EGENERIC,
		    "store: the PostgreSQL server of %s runs with fsync=%s, so commits "
		    "are not durable; fieldsync refuses it",
		    b->where, value);
	n = (size_t)snprintf(sql, sizeof(sql), "SET bytea_output = 'hex'; ");
	rc = query_value(b, "SHOW synchronous_commit", value, sizeof(value), err);
	if (rc != 0)
		return rc;
	/* off acknowledges before the commit is flushed; local, on and the
	 * replica levels all flush it here first. */
	if (strcmp(value, "off") == 0)
		n += (size_t)snprintf(sql + n, sizeof(sql) - n, "SET synchronous_commit = on; ");
	res = PQexec(b->conn, "SELECT name, source FROM pg_settings WHERE name IN "
	                      "('lock_timeout', 'statement_timeout', "
	                      "'idle_in_transaction_session_timeout')");
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		rc = pg_error(b, res, "open", err);
		PQclear(res);
		return rc;
	}
	for (i = 0; i < sizeof(session_limits) / sizeof(session_limits[0]); i++) {
		int own = 1;

		for (r = 0; r < PQntuples(res); r++)
			if (strcmp(PQgetvalue(res, r, 0), session_limits[i].name) == 0 &&
			    strcmp(PQgetvalue(res, r, 1), "default") != 0)
				own = 0;
		if (own && n < sizeof(sql))
			n += (size_t)snprintf(sql + n, sizeof(sql) - n, "SET %s = '%s'; ",
			                      session_limits[i].name, session_limits[i].value);
	}
	PQclear(res);
	if (n >= sizeof(sql))
		return fs_err_set(err, FS_EGENERIC, "store: session settings too long");
	return pg_exec(b, sql, "open", err);
}

int pg_connect(fs_backend **out, const char *location, fs_err *err)
{
	enum { NDEF = sizeof(default_keys) / sizeof(default_keys[0]) };
	const char *keys[NDEF + 3], *values[NDEF + 3];
	PQconninfoOption *parsed;
	char msg[400], *parse_msg = NULL;
	fs_backend *b;
	size_t i;
	int rc;

	*out = NULL;
	if (location == NULL || location[0] == '\0')
		return fs_err_set(err, FS_EINVAL, "store: no PostgreSQL database named");
	/* libpq's parse errors quote the location, password and all (a bad
	 * IPv6 host, a bad %-escape): say only that it is malformed. */
	parsed = PQconninfoParse(location, &parse_msg);
	PQfreemem(parse_msg);
	if (parsed == NULL)
		return fs_err_set(err, FS_EGENERIC,
		                  "store: the PostgreSQL URI cannot be parsed (it is not shown: it "
		                  "may hold a password)");
	PQconninfoFree(parsed);
	b = calloc(1, sizeof(*b));
	if (b == NULL)
		return fs_err_set(err, FS_ENOMEM, "store: out of memory");
	/* Defaults first: the values in location (dbname, expanded) win over
	 * them; client_encoding after it: fieldsync's text is UTF-8. */
	for (i = 0; i < NDEF; i++) {
		keys[i] = default_keys[i];
		values[i] = default_values[i];
	}
	keys[NDEF] = "dbname";
	values[NDEF] = location;
	keys[NDEF + 1] = "client_encoding";
	values[NDEF + 1] = "UTF8";
	keys[NDEF + 2] = NULL;
	values[NDEF + 2] = NULL;
	b->conn = PQconnectdbParams(keys, values, 1);
	if (b->conn == NULL) {
		free(b);
		return fs_err_set(err, FS_ENOMEM, "store: out of memory");
	}
	describe(b);
	if (PQstatus(b->conn) != CONNECTION_OK) {
		conn_message(msg, sizeof(msg), b->conn);
		rc = fs_err_set(err, FS_EGENERIC, "store: cannot connect to PostgreSQL at %s: %s",
		                b->where, msg);
		pg_disconnect(b);
		return rc;
	}
	rc = session_setup(b, err);
	if (rc != 0) {
		pg_disconnect(b);
		return rc;
	}
	*out = b;
	return 0;
}

void pg_disconnect(fs_backend *b)
{
	if (b == NULL)
		return;
	PQclear(b->held);
	PQfinish(b->conn);
	free(b);
}

/* Outside a transaction, a lost connection is made again (the server
 * restarted or failed over): what was committed is there, nothing was in
 * flight. Inside one, the transaction is lost and the caller sees it. */
static int ensure_connected(fs_backend *b, fs_err *err)
{
	char msg[300];

	if (PQstatus(b->conn) == CONNECTION_OK)
		return 0;
	PQreset(b->conn);
	if (PQstatus(b->conn) != CONNECTION_OK) {
		conn_message(msg, sizeof(msg), b->conn);
		return fs_err_set(err, FS_EGENERIC,
		                  "store: the connection to PostgreSQL at %s was lost and cannot "
		                  "be made again: %s",
		                  b->where, msg);
	}
	return session_setup(b, err);
}

/* The SQL of id: a record table's made from its entry (tables.h) into buf. */
static const char *stmt_sql(enum pg_stmt_id id, char buf[FS_RECORD_SQL_MAX])
{
	const fs_table_desc *t = NULL;
	int i = 0, n = (int)id - PG_RECORDS;

	if (n < 0)
		return fs_pg_backend_sql[id] ? fs_pg_backend_sql[id] : fs_pg_registry_sql[id];
	for (t = fs_record_next(NULL); t != NULL && i < n / FS_RSQL_KINDS; i++)
		t = fs_record_next(t);
	if (t == NULL)
		return "SELECT 'no such record table'";
	fs_record_sql(buf, t, (fs_record_sql_kind)(n % FS_RSQL_KINDS), 0);
	return buf;
}

int pg_run(fs_backend *b, enum pg_stmt_id id, const pg_params *p, PGresult **out, const char *what,
           fs_err *err)
{
	static const pg_params none;
	char name[16], sql[FS_RECORD_SQL_MAX];
	PGresult *res;
	int rc;

	if (out != NULL)
		*out = NULL;
	if (p == NULL)
		p = &none;
	if (b->txn == 0) {
		rc = ensure_connected(b, err);
		if (rc != 0)
			return rc;
	}
	snprintf(name, sizeof(name), "fs%d", (int)id);
	if (!b->prepared[id]) {
		res = PQprepare(b->conn, name, stmt_sql(id, sql), 0, NULL);
		if (PQresultStatus(res) != PGRES_COMMAND_OK) {
			rc = pg_error(b, res, what, err);
			PQclear(res);
			return rc;
		}
		PQclear(res);
		b->prepared[id] = 1;
	}
	res = PQexecPrepared(b->conn, name, p->n, p->value, p->length, p->format, 0);
	if (PQresultStatus(res) != PGRES_COMMAND_OK && PQresultStatus(res) != PGRES_TUPLES_OK) {
		rc = pg_error(b, res, what, err);
		PQclear(res);
		return rc;
	}
	if (out != NULL)
		*out = res;
	else
		PQclear(res);
	return 0;
}

int pg_write(fs_backend *b, enum pg_stmt_id id, const pg_params *p, int *changed, const char *what,
             fs_err *err)
{
	PGresult *res = NULL;
	int rc = pg_run(b, id, p, &res, what, err);

	if (changed != NULL)
		*changed = rc == 0 && pg_changed(res) > 0;
	PQclear(res);
	return rc;
}

int pg_begin(fs_backend *b, fs_txn_kind kind, fs_err *err)
{
	PGresult *res = NULL;
	int rc;

	if (b->txn != 0 || PQtransactionStatus(b->conn) == PQTRANS_INTRANS)
		return fs_err_set(err, FS_EGENERIC, "store: transaction already open");
	if (kind != FS_TXN_READ && kind != FS_TXN_WRITE)
		return fs_err_set(err, FS_EINVAL, "store: unknown transaction kind %d", (int)kind);
	rc = ensure_connected(b, err);
	if (rc != 0)
		return rc;
	rc = pg_exec(b,
	             kind == FS_TXN_READ ? "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"
	                                 : "BEGIN ISOLATION LEVEL READ COMMITTED READ WRITE",
	             "begin", err);
	if (rc != 0)
		return rc;
	b->txn = kind;
	if (kind == FS_TXN_WRITE) {
		/* The write lock: wait (up to lock_timeout) for the writer of any
		 * process that holds it. */
		rc = pg_run(b, PG_WRITE_LOCK, NULL, &res, "begin write", err);
		if (rc == 0 && PQntuples(res) != 1)
			rc = fs_err_set(err, FS_EGENERIC,
			                "store: begin write: the change counter row (meta seq) is "
			                "missing");
		PQclear(res);
		if (rc != 0)
			pg_rollback(b);
	}
	return rc;
}

int pg_commit(fs_backend *b, fs_err *err)
{
	PGresult *res;
	int rc = 0;

	if (b->txn == 0)
		return fs_err_set(err, FS_EGENERIC, "store: commit: no transaction open");
	res = PQexec(b->conn, "COMMIT");
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		rc = pg_error(b, res, "commit (whether it was saved is unknown)", err);
	} else if (strcmp(PQcmdStatus(res), "COMMIT") != 0) {
		/* COMMIT of a transaction that had failed rolls it back. */
		rc = fs_err_set(err, FS_EGENERIC,
		                "store: commit: an earlier statement failed, so the transaction "
		                "was rolled back");
	}
	PQclear(res);
	b->txn = 0;
	if (rc != 0)
		pg_rollback(b);
	return rc;
}

int pg_savepoint(fs_backend *b, fs_savepoint_op op, fs_err *err)
{
	if (b->txn != FS_TXN_WRITE)
		return fs_err_set(err, FS_EGENERIC, "store: savepoint outside a write transaction");
	switch (op) {
	case FS_SAVEPOINT_BEGIN: return pg_exec(b, "SAVEPOINT fs_part", "savepoint", err);
	case FS_SAVEPOINT_RELEASE: return pg_exec(b, "RELEASE SAVEPOINT fs_part", "savepoint", err);
	default: break;
	}
	/* Also clears the failed state a statement error left. */
	if (pg_exec(b, "ROLLBACK TO SAVEPOINT fs_part", "savepoint", err) != 0)
		return FS_EGENERIC;
	return pg_exec(b, "RELEASE SAVEPOINT fs_part", "savepoint", err);
}

void pg_rollback(fs_backend *b)
{
	PGTransactionStatusType t;

	if (b == NULL)
		return;
	t = PQtransactionStatus(b->conn);
	if (t == PQTRANS_INTRANS || t == PQTRANS_INERROR)
		PQclear(PQexec(b->conn, "ROLLBACK"));
	b->txn = 0;
}

int pg_own_begin(fs_backend *b, int *own, fs_err *err)
{
	*own = 0;
	if (b->txn != 0)
		return 0;
	*own = 1;
	return pg_begin(b, FS_TXN_READ, err);
}

int pg_own_end(fs_backend *b, int own, int rc, fs_err *err)
{
	if (!own)
		return rc;
	if (rc != 0) {
		pg_rollback(b);
		return rc;
	}
	return pg_commit(b, err);
}

void fs_pg_location_describe(const char *location, char *out, size_t len)
{
	const char *user = NULL, *host = NULL, *port = NULL, *db = NULL;
	PQconninfoOption *opts, *o;

	/* Only these four parts: the password and the other parameters
	 * (which may carry one) are never shown. */
	opts = PQconninfoParse(location, NULL);
	if (opts == NULL) {
		snprintf(out, len, "database (a PostgreSQL URI libpq cannot parse)");
		return;
	}
	for (o = opts; o->keyword != NULL; o++) {
		if (o->val == NULL || o->val[0] == '\0')
			continue;
		if (strcmp(o->keyword, "user") == 0)
			user = o->val;
		else if (strcmp(o->keyword, "host") == 0)
			host = o->val;
		else if (strcmp(o->keyword, "port") == 0)
			port = o->val;
		else if (strcmp(o->keyword, "dbname") == 0)
			db = o->val;
	}
	snprintf(out, len, "database postgresql://%s%s%s%s%s/%s", user ? user : "", user ? "@" : "",
	         host ? host : "", port ? ":" : "", port ? port : "", db ? db : "");
	PQconninfoFree(opts);
}
