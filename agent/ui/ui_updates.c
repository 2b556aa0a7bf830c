/* The kiosk's updates (ui_updates.h): a list for the page and each image,
 * read from the store; nothing here is written. */
#include "ui_updates.h"

#include <stdlib.h>
#include <string.h>

#include "fieldsync/records.h"
#include "fieldsync/updates.h"

#define UPDATES_SHOWN_MAX 20 /* the newest; a rotation of more is not read */

static void today_of(fs_ui *ui, char today[11])
{
	char now[FS_TIMESTAMP_LEN + 1];

	fs_timestamp_format(now, fs_store_now_ms(ui->store));
	fs_response_today(today, now);
}

void ui_updates_list(fs_ui *ui, ui_reply *r)
{
	char today[11];
	fs_update_filter f = {fs_store_region(ui->store), today, NULL, NULL, 0};
	json_t *rows = NULL, *out, *v;
	fs_err err = {0, ""};
	size_t i;

	today_of(ui, today);
	if (fs_update_list(ui->store, &f, &rows, &err) != 0) {
		ui_fail(r, 500, "internal", "updates: %s", err.msg);
		return;
	}
	out = json_array();
	json_array_foreach(rows, i, v) {
		json_t *img = json_object_get(v, "image");

		if (out == NULL || i >= UPDATES_SHOWN_MAX)
			break;
		json_array_append_new(out, json_pack("{s:O, s:O, s:O, s:O, s:o}", "id",
		                                     json_object_get(v, "id"), "questionnaire",
		                                     json_object_get(v, "questionnaire"), "title",
		                                     json_object_get(v, "title"), "text",
		                                     json_object_get(v, "text"), "image",
		                                     json_is_object(img)
		                                         ? json_pack("{s:O, s:O, s:O}", "type",
		                                                     json_object_get(img, "type"),
		                                                     "width", json_object_get(img, "width"),
		                                                     "height",
		                                                     json_object_get(img, "height"))
		                                         : json_null()));
	}
	json_decref(rows);
	r->status = 200;
	r->json = out ? json_pack("{s:s, s:o}", "today", today, "updates", out) : NULL;
	if (r->json == NULL)
		ui_fail(r, 500, "internal", "out of memory");
}

int ui_updates_image(fs_ui *ui, const char *method, const char *path, fs_http_reply *out)
{
	static const char prefix[] = "/api/updates/", suffix[] = "/image";
	char id[FS_NAME_MAX + 1];
	size_t n = strlen(path), idlen;
	fs_image_info info;
	fs_err err = {0, ""};
	fs_buf bytes;

	if (strncmp(path, prefix, sizeof(prefix) - 1) != 0 || n < sizeof(prefix) + sizeof(suffix) - 1 ||
	    strcmp(path + n - (sizeof(suffix) - 1), suffix) != 0)
		return 0;
	idlen = n - (sizeof(prefix) - 1) - (sizeof(suffix) - 1);
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
		fs_http_reply_error(out, 405, "method_not_allowed", NULL, "images are read with GET");
		return 1;
	}
	if (idlen == 0 || idlen > FS_NAME_MAX) {
		fs_http_reply_error(out, 404, "not_found", NULL, "no such image");
		return 1;
	}
	memcpy(id, path + sizeof(prefix) - 1, idlen);
	id[idlen] = '\0';
	fs_buf_init(&bytes, FS_IMAGE_MAX);
	if (fs_update_image(ui->store, id, &bytes, &info, &err) != 0) {
		fs_buf_free(&bytes);
		fs_http_reply_error(out, 404, "not_found", NULL, "no such image");
		return 1;
	}
	out->status = 200;
	out->body = bytes.data; /* owned by the reply now */
	out->len = bytes.len;
	out->content_type = fs_image_mime(info.type);
	return 1;
}
