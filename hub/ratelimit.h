/* fieldsync-hub: requests per key (a device's site) per minute, in memory.
 *
 * A fixed window per key: the first request opens a one-minute window and
 * at most `per_minute` requests are allowed in it. Thread-safe. Memory is
 * bounded by the number of distinct keys seen in the last minute (keys are
 * authenticated devices, so an attacker cannot grow it). */
#ifndef HUB_RATELIMIT_H
#define HUB_RATELIMIT_H

#include <stdint.h>

typedef struct hub_ratelimit hub_ratelimit;

#define HUB_RATE_WINDOW_MS 60000u

/* NULL when out of memory. Free with hub_ratelimit_free (NULL accepted). */
hub_ratelimit *hub_ratelimit_new(unsigned per_minute);
void hub_ratelimit_free(hub_ratelimit *rl);

/* Count one request for key at now_ms (a monotonic clock). Returns 0 when
 * allowed, else the seconds until the key's window ends (at least 1); a
 * refused request is not counted. Out of memory allows the request. */
unsigned hub_ratelimit_hit(hub_ratelimit *rl, const char *key, uint64_t now_ms);

#endif
