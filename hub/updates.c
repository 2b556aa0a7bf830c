/* fieldsync-hub update add|edit|remove|list: "you said, we did" updates
 * (core's updates.h, docs/hub.md "Updates"), and the audited paths the
 * console shares (updates.h). */
#include "updates.h"

#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "cli.h"
#include "commands.h"
#include "fieldsync/records.h"
#include "fieldsync/updates.h"

static const char update_usage[] =
    "usage: fieldsync-hub update add FILE [--image IMAGE] [--data DIR | --db URI]\n"
    "       fieldsync-hub update edit ID FILE [--image IMAGE | --no-image] [--data DIR | --db URI]\n"
    "       fieldsync-hub update remove ID [--data DIR | --db URI]\n"
    "       fieldsync-hub update list [--region REGION] [--json] [--data DIR | --db URI]\n"
    "\n"
    "\"You said, we did\": short updates the kiosks show on their welcome screen\n"
    "and after a person answers the questionnaire an update is linked to, from its\n"
    "start date to its end date. FILE (\"-\": standard input) is a JSON object:\n"
    "  {\"id\": \"cafe-hours\",            optional for add: a new id is made\n"
    "   \"target\": \"north\",             a region, or \"*\" for every region\n"
    "   \"questionnaire\": \"visit\",      optional: a published questionnaire's id\n"
    "   \"title\": {\"en\": \"...\", \"cy\": \"...\"},  at most 120 characters each\n"
    "   \"text\": {\"en\": \"...\", \"cy\": \"...\"},   at most 1000, the title's languages\n"
    "   \"starts\": \"2026-12-01\", \"ends\": \"2027-01-31\"}\n"
    "The first language of the title is the one a kiosk shows when the person's\n"
    "is not there. An update reaches the kiosks of its region at their next\n"
    "sync; its region cannot change (remove it and add a new one). 'edit'\n"
    "replaces the texts and dates and keeps the image unless told. Each add, edit\n"
    "and remove is in the audit trail (update_add, update_edit, update_remove).\n"
    "\n"
    "  --image IMAGE     a PNG or JPEG file (at most 1 MiB; at most 160 KiB and\n"
    "                    2048 pixels a side once its metadata is removed)\n"
    "  --no-image        edit: drop the image\n"
    "  --region REGION   list: the updates a kiosk of REGION gets (with \"*\" ones)\n"
    "  --json            list: a JSON array (the texts included, not the image)\n"
    "  --data DIR        data directory (default: $FIELDSYNC_DATA)\n"
    "  --db URI          PostgreSQL store, postgresql://USER@HOST/DB (default:\n"
    "                    $FIELDSYNC_DB); the data directory is then not used\n"
    "  -h, --help        show this help\n";

static int audit(fs_store *hub, const char *actor, const char *action, const char *id,
                 const json_t *u, fs_err *err)
{
	json_t *d = json_pack("{s:s}", "id", id);
	static const char *const keys[] = {"target", "questionnaire", "starts", "ends", NULL};
	int rc, i;

	for (i = 0; d != NULL && u != NULL && keys[i] != NULL; i++)
		if (json_is_string(json_object_get(u, keys[i])))
			json_object_set(d, keys[i], json_object_get(u, keys[i]));
	if (d == NULL)
		return fs_err_set(err, FS_ENOMEM, "audit entry: out of memory");
	rc = hub_audit_add(hub, actor, action, d, err);
	json_decref(d);
	return rc;
}

int hub_update_put(fs_store *hub, const char *actor, const json_t *u, int create, char *id,
                   int *changed, fs_err *err)
{
	int did = 0, rc = fs_update_put(hub, u, create, id, &did, err);

	if (rc == 0 && did)
		rc = audit(hub, actor, create ? "update_add" : "update_edit", id, u, err);
	if (changed != NULL)
		*changed = did;
	return rc;
}

int hub_update_remove(fs_store *hub, const char *actor, const char *id, fs_err *err)
{
	int rc = fs_update_remove(hub, id, err);

	if (rc == 0)
		rc = audit(hub, actor, "update_remove", id, NULL, err);
	return rc;
}

static int list(fs_store *s, const char *region, int as_json)
{
	fs_update_filter f = {region, NULL, NULL, NULL, 0};
	json_t *rows = NULL, *v, *title;
	fs_err e = {0, ""};
	size_t i;

	if (fs_update_list(s, &f, &rows, &e) != 0)
		return hub_fail("%s", e.msg);
	if (as_json) {
		json_array_foreach(rows, i, v)
			json_object_del(v, "removed");
		json_dumpf(rows, stdout, JSON_INDENT(2));
		fputc('\n', stdout);
	} else {
		printf("%-38s %-12s %-10s %-10s %s\n", "ID", "TARGET", "STARTS", "ENDS", "TITLE");
		json_array_foreach(rows, i, v) {
			const char *k;
			json_t *t = NULL;

			title = json_object_get(v, "title");
			json_object_foreach(title, k, t)
				break; /* the first language's */
			printf("%-38s %-12s %-10s %-10s %s\n", json_string_value(json_object_get(v, "id")),
			       json_string_value(json_object_get(v, "target")),
			       json_string_value(json_object_get(v, "starts")),
			       json_string_value(json_object_get(v, "ends")),
			       t ? json_string_value(t) : "");
		}
	}
	json_decref(rows);
	return hub_finish_output();
}

/* FILE as a JSON object (a new reference), the image (when given) added
 * to it as base64; NULL after printing why. */
static json_t *read_update(const char *path, const char *image, int no_image, int edit)
{
	fs_buf text, img;
	fs_err e = {0, ""};
	json_error_t je;
	json_t *u = NULL;
	char *b64;
	size_t n;

	if (hub_file_read(&text, strcmp(path, "-") == 0 ? "/dev/stdin" : path, 64 * 1024, &e) == 0)
		u = json_loadb(text.data, text.len, JSON_REJECT_DUPLICATES, &je);
	fs_buf_free(&text);
	if (e.code != 0) {
		hub_fail("%s", e.msg);
		return NULL;
	}
	if (!json_is_object(u)) {
		hub_fail("%s: not a JSON object%s%s", path, u == NULL ? ": " : "",
		         u == NULL ? je.text : "");
		json_decref(u);
		return NULL;
	}
	if (json_object_get(u, "image") != NULL) {
		hub_fail("%s: give the image with --image, not in the file", path);
		json_decref(u);
		return NULL;
	}
	if (image != NULL) {
		if (hub_file_read(&img, image, FS_IMAGE_INPUT_MAX, &e) != 0) {
			fs_buf_free(&img);
			json_decref(u);
			hub_fail("%s", e.msg);
			return NULL;
		}
		n = sodium_base64_encoded_len(img.len, sodium_base64_VARIANT_ORIGINAL);
		b64 = malloc(n);
		if (b64 != NULL) {
			sodium_bin2base64(b64, n, (const unsigned char *)img.data, img.len,
			                  sodium_base64_VARIANT_ORIGINAL);
			json_object_set_new(u, "image", json_string(b64));
			free(b64);
		}
		fs_buf_free(&img);
	} else if (edit && !no_image) {
		json_object_set_new(u, "image", json_true());
	}
	return u;
}

int hub_cmd_update(int argc, char **argv)
{
	const char *region = NULL, *image = NULL, *pos[3] = {NULL, NULL, NULL}, *verb;
	char actor[HUB_AUDIT_ACTOR_MAX + 1], id[FS_ID_MAX + 1] = "";
	hub_where where;
	fs_store *s = NULL;
	fs_err e = {0, ""};
	json_t *u = NULL;
	int rc, as_json = 0, no_image = 0, npos = 0, changed = 0, create;
	const hub_opt opts[] = {{.name = "region", .value = &region},
	                        {.name = "image", .value = &image},
	                        {.name = "no-image", .flag = &no_image},
	                        {.name = "json", .flag = &as_json},
	                        {0}};

	rc = hub_args_parse(argc, argv, "update", update_usage, opts, &where, pos, 3, &npos);
	if (rc != 0)
		return rc < 0 ? HUB_EXIT_OK : rc;
	verb = pos[0];
	if (verb == NULL)
		return hub_usage_fail("update", "add, edit, remove or list?");
	create = strcmp(verb, "add") == 0;
	if ((strcmp(verb, "list") == 0 && npos != 1) || (create && npos != 2) ||
	    (strcmp(verb, "edit") == 0 && npos != 3) || (strcmp(verb, "remove") == 0 && npos != 2))
		return hub_usage_fail("update", "%s: wrong arguments", verb);
	if (strcmp(verb, "list") != 0 && strcmp(verb, "add") != 0 && strcmp(verb, "edit") != 0 &&
	    strcmp(verb, "remove") != 0)
		return hub_usage_fail("update", "unknown subcommand %s (add, edit, remove or list)",
		                      verb);
	if ((region != NULL || as_json) && strcmp(verb, "list") != 0)
		return hub_usage_fail("update", "--region and --json are for list");
	if ((image != NULL && !create && strcmp(verb, "edit") != 0) ||
	    (no_image && (strcmp(verb, "edit") != 0 || image != NULL)))
		return hub_usage_fail("update", "--image is for add and edit, --no-image for edit alone");
	if (region != NULL && !fs_name_is_valid(region))
		return hub_usage_fail("update", "region must match [a-z0-9][a-z0-9-]{0,63}");
	if (create || strcmp(verb, "edit") == 0) {
		u = read_update(pos[create ? 1 : 2], image, no_image, !create);
		if (u == NULL)
			return HUB_EXIT_FAIL;
		if (!create) {
			const char *fid = json_string_value(json_object_get(u, "id"));

			if (json_object_get(u, "id") != NULL && (fid == NULL || strcmp(fid, pos[1]) != 0)) {
				json_decref(u);
				return hub_usage_fail("update", "the file's id is not %s", pos[1]);
			}
			json_object_set_new(u, "id", json_string(pos[1]));
		}
	}
	if (hub_store_open(&s, &where, &e) != 0) {
		json_decref(u);
		return hub_fail("%s", e.msg);
	}
	hub_audit_actor_cli(actor, sizeof(actor));
	if (strcmp(verb, "list") == 0) {
		rc = list(s, region, as_json);
		fs_store_close(s);
		return rc;
	}
	if (strcmp(verb, "remove") == 0)
		rc = hub_update_remove(s, actor, pos[1], &e);
	else
		rc = hub_update_put(s, actor, u, create, id, &changed, &e);
	json_decref(u);
	fs_store_close(s);
	if (rc != 0)
		return hub_fail("%s", e.msg);
	if (strcmp(verb, "remove") == 0)
		printf("update %s removed: the kiosks stop showing it after their next sync\n", pos[1]);
	else if (!create && !changed)
		printf("update %s: nothing changed\n", id);
	else
		printf("update %s %s: the kiosks of its region show it after their next sync\n", id,
		       create ? "published" : "changed");
	return hub_finish_output();
}
