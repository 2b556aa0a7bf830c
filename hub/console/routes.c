/* fieldsync-hub console: the list of route tables (routes.h). A feature
 * adds one line here. */
#include "routes.h"

const console_route *const console_route_tables[] = {
    console_routes_session,
    console_routes_users,
    console_routes_overview,
    console_routes_conflicts,
    console_routes_results,
    console_routes_questionnaires,
    console_routes_exports,
    console_routes_kiosks,
    console_routes_workers,
    console_routes_contacts,
    console_routes_erasure,
    console_routes_audit,
    console_routes_updates,
    NULL,
};
