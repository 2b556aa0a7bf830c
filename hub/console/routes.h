/* fieldsync-hub console: every feature's route table (console.h), one
 * line each. Listed in routes.c (console_route_tables), searched in that
 * order: the first route whose method and path match serves a request. */
#ifndef HUB_CONSOLE_ROUTES_H
#define HUB_CONSOLE_ROUTES_H

#include "console.h"

extern const console_route console_routes_session[];  /* api_session.c: who am I, password */
extern const console_route console_routes_users[];    /* api_users.c: accounts, API tokens */
extern const console_route console_routes_overview[]; /* api_overview.c: kiosks, responses a day */
extern const console_route console_routes_conflicts[]; /* api_conflicts.c: list, resolve */
extern const console_route console_routes_results[];  /* api_results.c: results of a questionnaire */
extern const console_route console_routes_questionnaires[]; /* api_questionnaires.c: publish, offers */
extern const console_route console_routes_exports[];  /* api_exports.c: downloads, read API */
extern const console_route console_routes_kiosks[];   /* api_kiosks.c: enroll, rename, move, revoke */
extern const console_route console_routes_workers[];  /* api_workers.c: the regions' outreach workers */
extern const console_route console_routes_contacts[]; /* api_contacts.c: contacts, follow-ups */
extern const console_route console_routes_erasure[];  /* api_erasure.c: start, list with confirmations */
extern const console_route console_routes_audit[];    /* api_audit.c: the audit log, its verification */
extern const console_route console_routes_updates[];  /* api_updates.c: "you said, we did" updates */

/* The tables above, ending with NULL. */
extern const console_route *const console_route_tables[];

#endif
