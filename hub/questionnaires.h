/* fieldsync-hub: questionnaires at the hub, the one path of the CLI
 * (publish, offer, retire, questionnaires) and the console
 * (hub/console/api_questionnaires.c): each change through the engine
 * (records.h, offers.h) and into the audit trail (audit.h) as actor. */
#ifndef HUB_QUESTIONNAIRES_H
#define HUB_QUESTIONNAIRES_H

#include <jansson.h>
#include <stddef.h>

#include "fieldsync/error.h"
#include "fieldsync/store.h"

/* Bytes of a questionnaire the console takes in one request (the CLI
 * reads files of up to 16 MiB). */
#define HUB_QUESTIONNAIRE_UPLOAD_MAX (1u << 20)

/* Parse text (len bytes) as a questionnaire document and validate it.
 * *doc (may be NULL) gets the parsed document when it is JSON (a new
 * reference, also when invalid); *problems a new array of {"path",
 * "message"}: empty when valid, else the first fault (the validator stops
 * there, docs/questionnaire-format.md): path the JSON path of the fault
 * ("questions[2].options[1].value", "document" for the whole) or, for
 * text that is not JSON, "document" with the line and column in the
 * message. 0, or FS_ENOMEM. */
int hub_questionnaire_check(const char *text, size_t len, json_t **doc, json_t **problems,
                            fs_err *err);

/* Publish doc (borrowed) as actor: validated, then audited ("publish";
 * "publish_failed" with the error when the publish failed after its
 * entry) and published (fs_questionnaire_publish). *existed 1 when that
 * version was published already with this content (a no-op, no entry).
 * FS_EINVAL naming the JSON path, FS_ECONFLICT for another content under
 * a published version. */
int hub_questionnaire_publish(fs_store *s, const char *actor, const json_t *doc, int *existed,
                              fs_err *err);

/* Offer (offered 1) or withdraw (0) questionnaire id in region (NULL:
 * every region), fs_offer_set; then, when it changed something, an audit
 * entry "offer" or "withdraw" {"questionnaire", "region" (or "*")}.
 * *changed (may be NULL) as fs_offer_set. An audit failure after the
 * change is returned (FS_EGENERIC or the store's) with a message saying
 * the change stands. */
int hub_questionnaire_offer(fs_store *s, const char *actor, const char *id, const char *region,
                            int offered, int *changed, fs_err *err);

/* Retire (1) or bring back (0) questionnaire id, fs_offer_retire; audited
 * "retire" or "unretire" {"questionnaire"} when it changed. */
int hub_questionnaire_retire(fs_store *s, const char *actor, const char *id, int retired,
                             int *changed, fs_err *err);

/* Every questionnaire held here (tombstoned versions left out), by id:
 * [{"id", "title" (the latest version's title in its default language),
 * "languages" (the latest version's), "latest", "versions": [{"version",
 * "title", "languages", "responses"}], "responses" (all versions),
 * "retired", "offers": fs_offer_describe}]. A new reference in *out. */
int hub_questionnaire_list(fs_store *s, json_t **out, fs_err *err);

/* The offers of one list entry in words: "everywhere", "everywhere but a,
 * b", "a, b" or "nowhere" (into out, cut to len). */
void hub_questionnaire_offer_text(const json_t *entry, char *out, size_t len);

#endif
