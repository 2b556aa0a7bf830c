/* fieldsync: the names on the wire between kiosk and hub (docs/protocol.md)
 * and of the kiosk UI's API, defined once for the hub (hub/), the agent's
 * client (agent/) and the kiosk UI (agent/ui/). Header only: the agent's
 * libcurl side includes it without libmicrohttpd. */
#ifndef FIELDSYNC_HTTP_WIRE_H
#define FIELDSYNC_HTTP_WIRE_H

/* Enrollment requests, every error reply, the UI's API. */
#define FS_WIRE_JSON_TYPE "application/json"
/* A change set, request and reply of POST /v1/sync, always sent with
 * Content-Encoding: FS_WIRE_CHANGESET_ENCODING. */
#define FS_WIRE_CHANGESET_TYPE     "application/vnd.fieldsync.changeset+json"
#define FS_WIRE_CHANGESET_ENCODING "gzip"
/* The reply header that acknowledges a pushed change set up to a stamp. */
#define FS_WIRE_ACK_HEADER "Fieldsync-Ack"
/* The hub's current seal key in a sync reply, signed (docs/protocol.md). */
#define FS_WIRE_SEAL_KEY_HEADER "Fieldsync-Seal-Key"
/* Kiosk status on sync requests (docs/protocol.md "Kiosk status"), and
 * the device's region on sync replies ("Moving a kiosk"). */
#define FS_WIRE_AGENT_HEADER   "Fieldsync-Agent"
#define FS_WIRE_PENDING_HEADER "Fieldsync-Pending"
#define FS_WIRE_CLOCK_HEADER   "Fieldsync-Clock"
#define FS_WIRE_REGION_HEADER  "Fieldsync-Region"

/* Error names of replies that a kiosk acts on (docs/protocol.md). */
#define FS_WIRE_ERR_REVOKED     "revoked"
#define FS_WIRE_ERR_CLOCK_AHEAD "clock_ahead"
#define FS_WIRE_ERR_BUSY        "busy"
#define FS_WIRE_ERR_UNAVAILABLE "unavailable"

#endif
