/* fieldsync-hub: counted events per key per minute, in memory.
 *
 * A fixed window per key: the first event opens a one-minute window and at
 * most `per_minute` events are counted in it. Used for sync requests per
 * device (key: its site) and for failed enrollment attempts per source
 * (key: an IPv4 address or an IPv6 /64; see routes.c). Thread-safe.
 *
 * Memory is bounded twice: keys whose window ended are dropped on every
 * call (in O(1) amortised: keys are kept in the order their windows
 * started), and at most max_keys keys are held. When the table is full the
 * key whose window started first is forgotten to make room, so a flood of
 * new keys never refuses a well-behaved key; the forgotten key may then be
 * counted afresh (which is why enrollment also has a hub-wide bound). */
#ifndef HUB_RATELIMIT_H
#define HUB_RATELIMIT_H

#include <stddef.h>
#include <stdint.h>

typedef struct hub_ratelimit hub_ratelimit;

#define HUB_RATE_WINDOW_MS 60000u
/* Longest key, bytes without the terminator; longer keys are truncated. */
#define HUB_RATE_KEY_MAX 64

/* per_minute >= 1, max_keys >= 1. NULL when out of memory. Free with
 * hub_ratelimit_free (NULL accepted). */
hub_ratelimit *hub_ratelimit_new(unsigned per_minute, size_t max_keys);
/* The same with a window of window_ms (>= 1) and per_window events in
 * it (receipt lookups per kiosk per day: receipt_routes.c). */
hub_ratelimit *hub_ratelimit_new_window(unsigned per_window, uint64_t window_ms, size_t max_keys);
void hub_ratelimit_free(hub_ratelimit *rl);

/* Count one event for key at now_ms (a monotonic clock, never going back).
 * Returns 0 when allowed, else the seconds until the key's window ends (at
 * least 1); a refused event is not counted. Out of memory allows it. */
unsigned hub_ratelimit_hit(hub_ratelimit *rl, const char *key, uint64_t now_ms);

/* Take back one event counted for key in its current window (the event
 * turned out not to be one that should count). No-op for an unknown key or
 * a count of 0. */
void hub_ratelimit_refund(hub_ratelimit *rl, const char *key, uint64_t now_ms);

/* The source key of a client address (text, as hub_request.peer): an
 * IPv4 address itself; an IPv6 address by its /64 ("2001:db8:1:2::/64"),
 * since one subscriber or LAN gets at least a /64 and could otherwise take
 * a fresh address for every attempt; an IPv4-mapped IPv6 address (a
 * dual-stack listener) as the IPv4 address. Anything else is "unknown",
 * one source for all such. out has len >= 48 bytes. */
void hub_ratelimit_source(char *out, size_t len, const char *peer);

/* Keys held now (for tests). */
size_t hub_ratelimit_keys(hub_ratelimit *rl);

#endif
