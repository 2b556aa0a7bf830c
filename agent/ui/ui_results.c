/* fieldsync kiosk: shared results (docs/reciprocity.md "Shared results").
 *   GET /api/results       the questionnaires this kiosk holds shared
 *                          results of: {"region", "results": [{"questionnaire",
 *                          "title", "languages", "figures": bool}]}
 *   GET /api/results/ID    {"region", "questionnaire": the document (for its
 *                          labels, in its languages), "results": the
 *                          released figures, or null: not shared here or
 *                          no figures yet}
 * The figures are the hub's (shared_results.h): already suppressed and
 * rounded there, from this kiosk's region only (the hub sends no other
 * region's row). Nothing here reads a response. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "fieldsync/backend.h"
#include "fieldsync/questionnaire.h"
#include "fieldsync/shared_results.h"
#include "fieldsync/tables.h"
#include "ui_internal.h"

typedef struct each_ctx {
	fs_ui *ui;
	json_t *ids; /* questionnaire -> results text (JSON string) */
} each_ctx;

/* Collected first: reading a document may not run inside the walk. */
static int collect(void *ctx, const fs_record_row *r)
{
	each_ctx *c = ctx;

	if (r->deleted || r->col[FS_SHARED_RESULTS].text == NULL ||
	    strcmp(r->col[FS_SHARED_REGION].text, fs_store_region(c->ui->store)) != 0)
		return 0;
	return json_object_set_new(c->ids, r->col[FS_SHARED_QUESTIONNAIRE].text,
	                           json_string(r->col[FS_SHARED_RESULTS].text)) == 0
	           ? 0
	           : FS_ENOMEM;
}

static void list(fs_ui *ui, ui_reply *r)
{
	each_ctx c = {ui, json_object()};
	json_t *out = json_array(), *text;
	const char *id;
	fs_err err = {0, ""};
	int rc = c.ids != NULL && out != NULL ? 0 : FS_ENOMEM;

	if (rc == 0)
		rc = fs_store_ops(ui->store)->record_each(fs_store_backend(ui->store),
		                                          fs_table_desc_of(FS_TABLE_SHARED_RESULTS),
		                                          NULL, collect, &c, &err);
	json_object_foreach (c.ids, id, text) {
		json_t *doc = NULL, *res;

		if (rc != 0 || fs_questionnaire_get(ui->store, &doc, id, 0, &err) != 0) {
			memset(&err, 0, sizeof(err));
			continue; /* not published here (yet): nothing to label it with */
		}
		res = json_loads(json_string_value(text), 0, NULL);
		json_array_append_new(
		    out, json_pack("{s:s, s:O, s:O, s:b}", "questionnaire", id, "title",
		                   json_object_get(doc, "title"), "languages",
		                   json_object_get(doc, "languages"), "figures",
		                   json_is_integer(json_object_get(res, "total"))));
		json_decref(res);
		json_decref(doc);
	}
	json_decref(c.ids);
	if (rc != 0) {
		json_decref(out);
		ui_fail(r, 500, "internal", "shared results: %s", err.msg[0] ? err.msg : "out of memory");
		return;
	}
	r->status = 200;
	r->json = json_pack("{s:s, s:o}", "region", fs_store_region(ui->store), "results", out);
	if (r->json == NULL)
		ui_fail(r, 500, "internal", "out of memory");
}

static void one(fs_ui *ui, const char *id, ui_reply *r)
{
	json_t *doc = NULL, *res = NULL;
	char *text = NULL;
	fs_err err = {0, ""};
	int rc;

	if (!fs_name_is_valid(id)) {
		ui_fail(r, 404, "not_found", "no such questionnaire");
		return;
	}
	rc = fs_questionnaire_get(ui->store, &doc, id, 0, &err);
	if (rc != 0) {
		ui_fail(r, rc == FS_ENOTFOUND ? 404 : 500, rc == FS_ENOTFOUND ? "not_found" : "internal",
		        "%s", err.msg);
		return;
	}
	rc = fs_shared_results_get(ui->store, id, fs_store_region(ui->store), &text, &err);
	if (rc == 0)
		res = json_loads(text, 0, NULL);
	free(text);
	if (rc != 0 && rc != FS_ENOTFOUND) {
		json_decref(doc);
		ui_fail(r, 500, "internal", "%s", err.msg);
		return;
	}
	r->status = 200;
	r->json = json_pack("{s:s, s:o, s:o}", "region", fs_store_region(ui->store), "questionnaire",
	                    doc, "results", res != NULL ? res : json_null());
	if (r->json == NULL)
		ui_fail(r, 500, "internal", "out of memory");
}

void ui_api_results(fs_ui *ui, const char *rest, ui_reply *r)
{
	if (rest[0] == '\0')
		list(ui, r);
	else if (rest[0] == '/' && rest[1] != '\0')
		one(ui, rest + 1, r);
	else
		ui_fail(r, 404, "not_found", "no such API path");
}
