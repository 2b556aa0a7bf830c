#include "status.h"

#include <stddef.h>
#include <string.h>

#include "fieldsync/error.h"
#include "http_wire.h"

/* Seconds a kiosk waits when the store's files are gone: an operator must
 * look. The enrollment bound counts failures over the last minute. */
#define UNAVAILABLE_RETRY_S 60
#define ENROLL_RETRY_S      60

#define ANY_STEP 0

/* First match wins: a step's own rows come before the ANY_STEP rows. */
static const struct {
	int step, code;
	hub_status answer;
} table[] = {
    {HUB_STEP_ENROLL, FS_ENOTFOUND, {401, "unauthorized", NULL, 0, NULL}},
    {HUB_STEP_ENROLL, FS_EFORBIDDEN, {403, "forbidden", NULL, 0, NULL}},
    {HUB_STEP_ENROLL, FS_EINVAL, {400, "bad_request", NULL, 0, NULL}},
    {HUB_STEP_ENROLL, FS_ELIMIT, {429, "too_many_requests", NULL, ENROLL_RETRY_S, NULL}},
    {HUB_STEP_AUTH,
     FS_ENOTFOUND,
     {401, "unauthorized", "credentials not recognised", 0, NULL, 0, 1}},
    {HUB_STEP_AUTH,
     FS_EFORBIDDEN,
     {403, FS_WIRE_ERR_REVOKED, "this device has been revoked; enroll it again", 0, NULL}},
    {HUB_STEP_CHANGESET, FS_EBADGZIP, {400, "bad_gzip", NULL, 0, NULL}},
    {HUB_STEP_CHANGESET, FS_EBADJSON, {400, "bad_json", NULL, 0, NULL}},
    {HUB_STEP_CHANGESET, FS_EINVAL, {422, "invalid_changeset", NULL, 0, NULL}},
    {HUB_STEP_CHANGESET, FS_EVERSION, {422, "invalid_changeset", NULL, 0, NULL}},
    {HUB_STEP_CHANGESET, FS_ETOOBIG, {413, "too_large", NULL, 0, NULL}},
    {HUB_STEP_MERGE, FS_EFORBIDDEN, {403, "forbidden", NULL, 0, NULL}},
    {HUB_STEP_MERGE, FS_ETOOBIG, {413, "too_large", NULL, 0, NULL}}, /* withdrawals (receipt.h) */
    {HUB_STEP_MERGE, FS_ECLOCK, {409, FS_WIRE_ERR_CLOCK_AHEAD, NULL, 0, NULL, 1, 0}},
    {ANY_STEP, FS_EBUSY, {503, FS_WIRE_ERR_BUSY, "the hub's store is busy; retry shortly", 1, NULL}},
    {ANY_STEP,
     FS_EIO,
     {503, FS_WIRE_ERR_UNAVAILABLE,
      "the hub cannot store changes durably now; nothing was acknowledged; retry later",
      UNAVAILABLE_RETRY_S, "store not durable"}},
};

static const hub_status internal = {500, "internal", "the hub failed; nothing was applied", 0,
                                    "internal error"};

const hub_status *hub_status_of(hub_step step, int code)
{
	size_t i;

	for (i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if (table[i].code == code &&
		    (table[i].step == (int)step || table[i].step == ANY_STEP))
			return &table[i].answer;
	return &internal;
}

const char *const hub_error_codes[HUB_ERROR_COUNT] = {
    "bad_request",     "bad_gzip",          "bad_json",
    "unauthorized",    FS_WIRE_ERR_REVOKED, "forbidden",
    "not_found",       "method_not_allowed", FS_WIRE_ERR_CLOCK_AHEAD,
    "too_large",       "unsupported_media_type", "invalid_changeset",
    "too_many_requests", "internal",        FS_WIRE_ERR_BUSY,
    FS_WIRE_ERR_UNAVAILABLE,
};

size_t hub_error_index(const char *code)
{
	size_t i;

	for (i = 0; code != NULL && i < HUB_ERROR_COUNT; i++)
		if (strcmp(hub_error_codes[i], code) == 0)
			return i;
	return HUB_ERROR_COUNT;
}
