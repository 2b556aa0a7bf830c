/* `init`: enroll this kiosk with the hub (POST /v1/enroll) and keep the
 * identity: the site and region in the store, the token in DATA/token,
 * the rest in DATA/agent.json (written last: its presence means
 * "initialised"). */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "client.h"
#include "commands.h"
#include "config.h"
#include "fieldsync/seal.h"
#include "fieldsync/retention.h"
#include "fieldsync/sync.h"
#include "http_wire.h"

#define ENROLL_REPLY_MAX (64u << 10)

static void usage(void)
{
	printf("usage: " AGENT_PROG " init --data DIR --hub URL --code CODE [--name NAME]\n"
	       "                            [--ca-file FILE] [--insecure-http]\n"
	       "       " AGENT_PROG " init --data DIR --enroll URI [--hub URL] [--name NAME] ...\n"
	       "\n"
	       "Enroll this kiosk: exchange the one-time code from `fieldsync-hub enroll` for\n"
	       "the kiosk's identity (site id, region) and bearer token. Creates DIR (0700),\n"
	       "the store DIR/kiosk.db, DIR/token (0600) and DIR/agent.json. Refused when\n"
	       "DIR is already initialised. The hub's public keys from its reply are pinned\n"
	       "in the store: from then on every response's answers are sealed to the hub\n"
	       "when saved, and this kiosk cannot read them back (docs/kiosk.md).\n"
	       "\n"
	       "  --hub URL        the hub's base URL, https://HOST:PORT; http://HOST:PORT\n"
	       "                   only for this machine (localhost, 127.0.0.0/8, [::1])\n"
	       "  --code CODE      the enrollment code (case, hyphens and spaces ignored)\n"
	       "  --enroll URI     what the hub's enrollment QR code says instead,\n"
	       "                   fieldsync-enroll:CODE?hub=URL (URL percent-encoded; --hub\n"
	       "                   when the URI has none)\n"
	       "  --name NAME      a label for admins, [a-z0-9][a-z0-9-]{0,63}\n"
	       "  --ca-file FILE   trust this CA certificate (PEM) for the hub's TLS\n"
	       "  --insecure-http  accept an http:// hub on another machine, although the\n"
	       "                   code, the token and every answer then cross the network\n"
	       "                   unencrypted; kept in agent.json for sync and run, which\n"
	       "                   refuse such a hub without it (a warning at each start)\n"
	       "\n"
	       "exit codes: 0 enrolled, 1 usage or local error, 3 hub unreachable,\n"
	       "4 refused by the hub, 5 code rejected (unknown, expired or used)\n");
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

/* fieldsync-enroll:CODE[?hub=URL] (the hub's enrollment QR code,
 * docs/protocol.md): the code (letters, digits, hyphens, at most 64) and
 * the percent-decoded hub URL ("" when absent; printable ASCII). 0 or -1. */
static int parse_enroll_uri(const char *uri, char code[65], char hub[1024])
{
	static const char scheme[] = "fieldsync-enroll:";
	const char *p = uri, *q;
	size_t n = 0;

	code[0] = hub[0] = '\0';
	if (strncmp(p, scheme, sizeof(scheme) - 1) != 0)
		return -1;
	p += sizeof(scheme) - 1;
	q = strchr(p, '?');
	n = q ? (size_t)(q - p) : strlen(p);
	if (n == 0 || n > 64 ||
	    strspn(p, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-") < n)
		return -1;
	memcpy(code, p, n);
	code[n] = '\0';
	if (q == NULL)
		return 0;
	if (strncmp(q, "?hub=", 5) != 0)
		return -1;
	for (p = q + 5, n = 0; *p != '\0'; p++) {
		int c = (unsigned char)*p;

		if (c == '%') {
			int hi = hex_digit(p[1]), lo = hi < 0 ? -1 : hex_digit(p[2]);

			if (lo < 0)
				return -1;
			c = hi * 16 + lo;
			p += 2;
		}
		if (c <= ' ' || c > '~' || n + 1 >= 1024)
			return -1;
		hub[n++] = (char)c;
	}
	hub[n] = '\0';
	return n > 0 ? 0 : -1;
}

/* The hub keys the kiosk pins (docs/protocol.md "Enrollment"). */
typedef struct hub_pins {
	char seal[FS_SEAL_PIN_MAX + 1]; /* "" when the hub sent none */
	char sign[FS_SIGN_KEY_B64_MAX + 1];
} hub_pins;

/* Validate the hub's enrollment reply and copy what we keep. */
static int read_identity(agent_config *cfg, char token[AGENT_TOKEN_MAX + 1], uint64_t *hub_time,
                         hub_pins *pins, const fs_buf *body, fs_err *err)
{
	json_t *o = json_loadb(body->data ? body->data : "", body->len, 0, NULL);
	const char *site, *region, *tok, *seal, *sign;
	json_int_t t;
	int rc = 0;

	site = json_string_value(json_object_get(o, "site"));
	region = json_string_value(json_object_get(o, "region"));
	tok = json_string_value(json_object_get(o, "token"));
	t = json_integer_value(json_object_get(o, "time"));
	seal = json_string_value(json_object_get(o, "seal_key"));
	sign = json_string_value(json_object_get(o, "sign_key"));
	if (!fs_name_is_valid(site) || !fs_name_is_valid(region))
		rc = fs_err_set(err, FS_EINVAL, "enrollment reply without a valid site and region");
	else if (tok == NULL || tok[0] == '\0' || strlen(tok) > AGENT_TOKEN_MAX ||
	         strcspn(tok, " \t\r\n") != strlen(tok))
		rc = fs_err_set(err, FS_EINVAL, "enrollment reply without a valid token");
	else if ((seal == NULL) != (sign == NULL) ||
	         (seal != NULL && (strlen(seal) > FS_SEAL_PIN_MAX ||
	                           fs_seal_pin_parse(seal, NULL, NULL) != 0 ||
	                           strlen(sign) > FS_SIGN_KEY_B64_MAX)))
		rc = fs_err_set(err, FS_EINVAL, "enrollment reply with malformed hub keys");
	if (rc == 0) {
		snprintf(pins->seal, sizeof(pins->seal), "%s", seal ? seal : "");
		snprintf(pins->sign, sizeof(pins->sign), "%s", sign ? sign : "");
		snprintf(cfg->site, sizeof(cfg->site), "%s", site);
		snprintf(cfg->region, sizeof(cfg->region), "%s", region);
		snprintf(token, AGENT_TOKEN_MAX + 1, "%s", tok);
		*hub_time = t > 0 ? (uint64_t)t : 0;
	}
	json_decref(o);
	return rc;
}

static int enroll(agent_config *cfg, char token[AGENT_TOKEN_MAX + 1], uint64_t *hub_time,
                  hub_pins *pins, const char *code)
{
	agent_client *c = NULL;
	agent_reply rep;
	fs_err e = {0, ""};
	json_t *req;
	char *body = NULL;
	int rc, exit = AGENT_EXIT_OK;

	agent_reply_init(&rep, ENROLL_REPLY_MAX);
	req = json_pack("{s:s, s:s?}", "code", code, "name", cfg->name[0] ? cfg->name : NULL);
	body = req ? json_dumps(req, JSON_COMPACT) : NULL;
	if (body == NULL) {
		exit = agent_fail(AGENT_EXIT_LOCAL, "init: out of memory");
		goto cleanup;
	}
	rc = agent_client_new(&c, cfg->hub, NULL, cfg->ca_file, cfg->insecure_http, &e);
	if (rc == 0)
		rc = agent_client_post(c, &rep, "/v1/enroll", FS_WIRE_JSON_TYPE, 0, body,
		                       strlen(body), &e);
	if (rc == FS_EGENERIC) {
		exit = agent_fail(AGENT_EXIT_UNREACHABLE, "init: %s", e.msg);
	} else if (rc != 0) {
		exit = agent_fail(AGENT_EXIT_REFUSED, "init: %s", e.msg);
	} else if (rep.status != 200) {
		exit =
		    (rep.status == 401 || rep.status == 403) ? AGENT_EXIT_AUTH : AGENT_EXIT_REFUSED;
		agent_fail(exit, "init: the hub refused the enrollment: %ld %s: %s", rep.status,
		           rep.error[0] ? rep.error : "error",
		           rep.message[0] ? rep.message : "no details");
	} else if (read_identity(cfg, token, hub_time, pins, &rep.body, &e) != 0) {
		exit = agent_fail(AGENT_EXIT_REFUSED, "init: %s", e.msg);
	}
cleanup:
	free(body);
	json_decref(req);
	agent_client_free(c);
	agent_reply_free(&rep);
	return exit;
}

int agent_cmd_init(int argc, char **argv, const char *data)
{
	static const struct option longopts[] = {
	    {"data", required_argument, NULL, 'd'},    {"hub", required_argument, NULL, 'u'},
	    {"code", required_argument, NULL, 'c'},    {"name", required_argument, NULL, 'n'},
	    {"ca-file", required_argument, NULL, 'a'}, {"insecure-http", no_argument, NULL, 'k'},
	    {"help", no_argument, NULL, 'h'},          {"enroll", required_argument, NULL, 'e'},
	    {NULL, 0, NULL, 0},
	};
	char uri_code[65], uri_hub[1024];
	const char *uri = NULL;
	agent_config cfg;
	char dir[PATH_MAX], token[AGENT_TOKEN_MAX + 1] = "";
	const char *hub = NULL, *code = NULL, *name = NULL, *ca = NULL;
	fs_store *store = NULL;
	fs_err e = {0, ""};
	hub_pins pins;
	uint64_t hub_time = 0;
	int c, exit, insecure_http = 0, insecure;
	size_t n;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		switch (c) {
		case 'd':
			data = optarg;
			break;
		case 'u':
			hub = optarg;
			break;
		case 'c':
			code = optarg;
			break;
		case 'e':
			uri = optarg;
			break;
		case 'n':
			name = optarg;
			break;
		case 'a':
			ca = optarg;
			break;
		case 'k':
			insecure_http = 1;
			break;
		case 'h':
			usage();
			return AGENT_EXIT_OK;
		default:
			return agent_bad_option("init", c, optopt, argv, optind);
		}
	}
	if (optind < argc)
		return agent_usage_error("init", "unexpected argument %s", argv[optind]);
	if (uri != NULL) {
		if (code != NULL)
			return agent_usage_error("init", "give --enroll or --code, not both");
		if (parse_enroll_uri(uri, uri_code, uri_hub) != 0)
			return agent_usage_error("init",
			                         "--enroll must be fieldsync-enroll:CODE or "
			                         "fieldsync-enroll:CODE?hub=URL");
		if (uri_hub[0] != '\0' && hub != NULL && strcmp(hub, uri_hub) != 0)
			return agent_usage_error("init", "--hub differs from the hub the --enroll URI names");
		code = uri_code;
		if (uri_hub[0] != '\0')
			hub = uri_hub;
	}
	if (hub == NULL || code == NULL)
		return agent_usage_error("init", "--hub and --code (or --enroll) are required");
	memset(&cfg, 0, sizeof(cfg));
	cfg.closed_contact_days = FS_RETENTION_CLOSED_DAYS_DEFAULT;
	cfg.contact_request_days = FS_RETENTION_REQUEST_DAYS_DEFAULT;
	cfg.request_delay_min_s = AGENT_REQUEST_DELAY_MIN_S;
	cfg.request_delay_max_s = AGENT_REQUEST_DELAY_MAX_DEFAULT_S;
	n = strlen(hub);
	while (n > 0 && hub[n - 1] == '/')
		n--;
	if (n < sizeof(cfg.hub)) {
		memcpy(cfg.hub, hub, n);
		cfg.hub[n] = '\0';
	}
	if (!agent_hub_url_is_valid(cfg.hub))
		return agent_usage_error("init", "--hub must be an http:// or https:// URL");
	/* Before anything touches the network or DIR. */
	if (agent_hub_transport_check(cfg.hub, insecure_http, &insecure, &e) != 0)
		return agent_usage_error("init", "%s", e.msg);
	cfg.insecure_http = insecure;
	if (code[0] == '\0' || strlen(code) > 64)
		return agent_usage_error("init", "--code is empty or too long");
	if (name != NULL && !fs_name_is_valid(name))
		return agent_usage_error("init", "--name must match [a-z0-9][a-z0-9-]{0,63}");
	if (name != NULL)
		snprintf(cfg.name, sizeof(cfg.name), "%s", name);
	if (ca != NULL) {
		char *abs = realpath(ca, NULL);

		if (abs == NULL || access(abs, R_OK) != 0 || strlen(abs) >= sizeof(cfg.ca_file)) {
			free(abs);
			return agent_fail(AGENT_EXIT_LOCAL, "init: cannot read --ca-file %s", ca);
		}
		snprintf(cfg.ca_file, sizeof(cfg.ca_file), "%s", abs);
		free(abs);
	}
	if (agent_data_dir(dir, data, &e) != 0)
		return agent_usage_error("init", "%s", e.msg);
	if (agent_data_initialised(dir))
		return agent_fail(AGENT_EXIT_LOCAL,
		                  "init: %s is already initialised; nothing changed", dir);
	if (agent_data_create(dir, &e) != 0 || agent_store_open(&store, dir, &e) != 0)
		return agent_fail_err("init", &e);
	if (fs_store_site(store)[0] != '\0') {
		exit = agent_fail(AGENT_EXIT_LOCAL,
		                  "init: %s/kiosk.db already belongs to site %s; nothing changed",
		                  dir, fs_store_site(store));
		goto cleanup;
	}

	memset(&pins, 0, sizeof(pins));
	exit = enroll(&cfg, token, &hub_time, &pins, code);
	if (exit != AGENT_EXIT_OK)
		goto cleanup;
	/* The store is still empty, so adopting the hub's clock re-stamps
	 * nothing: it only sets the offset. */
	/* The hub's keys are pinned before the identity: a store with an
	 * identity is enrolled, and from then on every response is sealed. */
	if ((pins.seal[0] != '\0' && fs_seal_pin_keys(store, pins.seal, pins.sign, &e) != 0) ||
	    fs_store_set_identity(store, cfg.site, cfg.region, &e) != 0 ||
	    (hub_time > 0 &&
	     fs_store_clock_adjust(store, hub_time, FS_SYNC_MAX_FUTURE_MS, NULL, &e) != 0) ||
	    agent_token_save(token, dir, &e) != 0 || agent_config_save(&cfg, dir, &e) != 0) {
		exit = agent_fail(AGENT_EXIT_LOCAL,
		                  "init: enrolled as %s but could not keep the identity: %s",
		                  cfg.site, e.msg);
		goto cleanup;
	}
	if (pins.seal[0] == '\0')
		fprintf(stderr, AGENT_PROG ": warning: this hub sent no seal key; responses are "
		                "kept in clear on this kiosk until it is enrolled with a hub that "
		                "seals\n");
	printf("enrolled as site %s in region %s; run `" AGENT_PROG " sync` next\n", cfg.site,
	       cfg.region);
cleanup:
	memset(token, 0, sizeof(token));
	fs_store_close(store);
	return exit;
}
