/* "You said, we did" updates (updates.h) in process: a hub (SQLite, or
 * PostgreSQL when a URI is given) and SQLite kiosks of regions north and
 * south over the in-process transport. The hub's rules (texts, languages,
 * dates, ids, targets, questionnaire links, images cleaned of metadata),
 * what each kiosk receives (its region's and "*" rows only) and lists by
 * date, an edit and a removal replicating, a kiosk writing or sending one
 * refused (403), another region's row quarantined at a kiosk.
 *
 * usage: updates_test DIR [POSTGRESQL-URI] */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "fieldsync/backend.h"
#include "fieldsync/copy.h"
#include "fieldsync/merge.h"
#include "fieldsync/records.h"
#include "fieldsync/tables.h"
#include "fieldsync/updates.h"
#include "test.h"
#include "test_stores.h"

static const char *dir;
static const char *pg_uri; /* NULL: the hub is SQLite */
static int nstore;

typedef test_region_net net;

static void net_open(net *t)
{
	test_region_net_open(t, pg_uri, dir, "u", ++nstore);
}

#define net_sync  test_region_net_sync
#define net_close test_region_net_close

/* A PNG of 4 x 3 with a tEXt chunk naming a person, as base64. */
static char *png_b64(int with_text)
{
	static unsigned char out[512];
	unsigned char raw[3 * (1 + 12)] = {0}, z[128];
	uLongf zn = sizeof(z);
	size_t n = 0;
	char *b64;
	static const unsigned char ihdr[13] = {0, 0, 0, 4, 0, 0, 0, 3, 8, 2, 0, 0, 0};
	const struct {
		const char *type;
		const unsigned char *d;
		uint32_t len;
	} chunks[] = {{"IHDR", ihdr, 13},
	              {"tEXt", (const unsigned char *)"Author\0Ann Example", 18},
	              {"IDAT", z, 0},
	              {"IEND", (const unsigned char *)"", 0}};
	size_t i, len;

	compress(z, &zn, raw, sizeof(raw));
	memcpy(out, "\x89PNG\r\n\x1a\n", 8);
	n = 8;
	for (i = 0; i < 4; i++) {
		uint32_t l = i == 2 ? (uint32_t)zn : chunks[i].len;
		uLong crc;

		if (i == 1 && !with_text)
			continue;
		out[n] = (unsigned char)(l >> 24), out[n + 1] = (unsigned char)(l >> 16);
		out[n + 2] = (unsigned char)(l >> 8), out[n + 3] = (unsigned char)l;
		memcpy(out + n + 4, chunks[i].type, 4);
		memcpy(out + n + 8, chunks[i].d, l);
		crc = crc32(crc32(0L, Z_NULL, 0), out + n + 4, 4 + l);
		out[n + 8 + l] = (unsigned char)(crc >> 24), out[n + 9 + l] = (unsigned char)(crc >> 16);
		out[n + 10 + l] = (unsigned char)(crc >> 8), out[n + 11 + l] = (unsigned char)crc;
		n += 12 + l;
	}
	len = sodium_base64_encoded_len(n, sodium_base64_VARIANT_ORIGINAL);
	b64 = malloc(len);
	sodium_bin2base64(b64, len, out, n, sodium_base64_VARIANT_ORIGINAL);
	return b64;
}

static json_t *update(const char *id, const char *target, const char *starts, const char *ends)
{
	json_t *u = json_pack("{s:s, s:{s:s, s:s}, s:{s:s, s:s}, s:s, s:s}", "target", target,
	                      "title", "en", "The café opens later", "cy", "Mae'r caffi ar agor yn hwyrach",
	                      "text", "en", "You told us it closes too early.\nFrom January: 7pm.",
	                      "cy", "Dywedoch chi wrthym.", "starts", starts, "ends", ends);

	if (id != NULL)
		json_object_set_new(u, "id", json_string(id));
	return u;
}

static int put(fs_store *s, json_t *u, int create, fs_err *e)
{
	char id[FS_ID_MAX + 1];
	int rc;

	memset(e, 0, sizeof(*e));
	rc = fs_update_put(s, u, create, id, NULL, e);
	json_decref(u);
	return rc;
}

static size_t listed(fs_store *k, const char *today)
{
	fs_update_filter f = {fs_store_region(k), today, NULL, NULL, 0};
	json_t *l = NULL;
	size_t n;

	if (fs_update_list(k, &f, &l, NULL) != 0)
		return 999;
	n = json_array_size(l);
	json_decref(l);
	return n;
}

static void hub_rules(void)
{
	net t;
	fs_err e;
	json_t *u;
	char long_title[200];

	net_open(&t);
	CHECK_MSG(put(t.hub, update("cafe", "north", "2026-11-01", "2026-12-31"), 1, &e) == 0, "%s",
	          e.msg);
	CHECK(put(t.hub, update("cafe", "north", "2026-11-01", "2026-12-31"), 1, &e) ==
	      FS_ECONFLICT);
	CHECK(put(t.hub, update("late", "north", "2026-12-02", "2026-12-01"), 1, &e) == FS_EINVAL);
	CHECK_STR(e.msg, "ends: must be a date YYYY-MM-DD, not before starts");
	CHECK(put(t.hub, update("bad", "North", "2026-12-01", "2026-12-01"), 1, &e) == FS_EINVAL);
	CHECK(strstr(e.msg, "target:") == e.msg);
	CHECK(put(t.hub, update("Bad id", "north", "2026-12-01", "2026-12-01"), 1, &e) == FS_EINVAL);
	CHECK(put(t.hub, update("bad", "north", "2026-02-30", "2026-12-01"), 1, &e) == FS_EINVAL);
	u = update("bad", "north", "2026-12-01", "2026-12-01");
	memset(long_title, 'a', 121);
	long_title[121] = '\0';
	json_object_set_new(json_object_get(u, "title"), "en", json_string(long_title));
	CHECK(put(t.hub, u, 1, &e) == FS_EINVAL && strstr(e.msg, "title:") == e.msg);
	u = update("bad", "north", "2026-12-01", "2026-12-01");
	json_object_set_new(json_object_get(u, "title"), "EN", json_string("x"));
	CHECK(put(t.hub, u, 1, &e) == FS_EINVAL);
	u = update("bad", "north", "2026-12-01", "2026-12-01");
	json_object_set_new(json_object_get(u, "title"), "cy", json_string("two\nlines"));
	CHECK(put(t.hub, u, 1, &e) == FS_EINVAL);
	u = update("bad", "north", "2026-12-01", "2026-12-01");
	json_object_del(json_object_get(u, "text"), "cy");
	CHECK(put(t.hub, u, 1, &e) == FS_EINVAL);
	CHECK_STR(e.msg, "text: must have exactly the title's languages");
	u = update("bad", "north", "2026-12-01", "2026-12-01");
	json_object_set_new(u, "colour", json_string("red"));
	CHECK(put(t.hub, u, 1, &e) == FS_EINVAL);
	u = update("bad", "north", "2026-12-01", "2026-12-01");
	json_object_set_new(u, "questionnaire", json_string("nosuch"));
	CHECK(put(t.hub, u, 1, &e) == FS_ENOTFOUND);
	u = update("bad", "north", "2026-12-01", "2026-12-01");
	json_object_set_new(u, "image", json_string("aGVsbG8="));
	CHECK(put(t.hub, u, 1, &e) == FS_EINVAL && strstr(e.msg, "not a PNG or JPEG") != NULL);
	/* An edit may not move an update to another region. */
	CHECK(put(t.hub, update("cafe", "south", "2026-11-01", "2026-12-31"), 0, &e) ==
	      FS_ECONFLICT);
	CHECK(strstr(e.msg, "cannot change") != NULL);
	CHECK(put(t.hub, update("nosuch", "north", "2026-11-01", "2026-12-31"), 0, &e) ==
	      FS_ENOTFOUND);
	/* A kiosk publishes nothing. */
	CHECK(put(t.n, update("k", "north", "2026-11-01", "2026-12-31"), 1, &e) == FS_EINVAL);
	CHECK(strstr(e.msg, "at the hub") != NULL);
	CHECK(fs_update_remove(t.n, "cafe", &e) == FS_EINVAL);
	net_close(&t);
}

static void regions_dates_edit_remove(void)
{
	net t;
	fs_err e;
	json_t *u, *l = NULL;
	fs_update_filter all = {NULL, NULL, NULL, NULL, 1};
	fs_buf img;
	fs_image_info info;
	char *b64 = png_b64(1), id[FS_ID_MAX + 1];
	int changed = -1;

	net_open(&t);
	u = update("cafe", "north", "2026-11-01", "2026-12-31");
	json_object_set_new(u, "questionnaire", json_string("visit"));
	json_object_set_new(u, "image", json_string(b64));
	CHECK_MSG(put(t.hub, u, 1, &e) == 0, "%s", e.msg);
	CHECK(put(t.hub, update("bus", "south", "2026-11-01", "2026-12-31"), 1, &e) == 0);
	/* No id: a new one made. */
	memset(&e, 0, sizeof(e));
	u = update(NULL, "*", "2027-01-01", "2027-01-31");
	CHECK_MSG(fs_update_put(t.hub, u, 1, id, NULL, &e) == 0, "%s", e.msg);
	json_decref(u);
	CHECK(strlen(id) == 36);
	net_sync(&t);
	CHECK(listed(t.n, NULL) == 2 && listed(t.s, NULL) == 2);
	CHECK(listed(t.n, "2026-12-02") == 1 && listed(t.n, "2027-01-31") == 1);
	CHECK(listed(t.n, "2027-02-01") == 0);
	/* North holds none of south's rows, south none of north's. */
	CHECK(fs_update_list(t.n, &all, &l, &e) == 0 && json_array_size(l) == 2);
	CHECK_STR(json_string_value(json_object_get(json_array_get(l, 1), "id")), "cafe");
	CHECK_STR(json_string_value(
	              json_object_get(json_object_get(json_array_get(l, 1), "title"), "cy")),
	          "Mae'r caffi ar agor yn hwyrach");
	CHECK_STR(json_string_value(json_object_get(json_array_get(l, 1), "questionnaire")),
	          "visit");
	CHECK_STR(json_string_value(json_object_get(
	              json_object_get(json_array_get(l, 1), "image"), "type")),
	          "image/png");
	json_decref(l);
	/* The image at the kiosk: cleaned, the tEXt gone. */
	fs_buf_init(&img, FS_IMAGE_MAX);
	CHECK(fs_update_image(t.n, "cafe", &img, &info, &e) == 0);
	CHECK(info.type == FS_IMAGE_PNG && info.width == 4 && info.height == 3);
	CHECK(memmem(img.data, img.len, "Ann Example", 11) == NULL);
	CHECK(fs_update_image(t.s, "cafe", &img, &info, &e) == FS_ENOTFOUND);
	fs_buf_free(&img);
	/* An edit keeping the image; the same edit again writes nothing. */
	u = update("cafe", "north", "2026-11-01", "2027-03-31");
	json_object_set_new(u, "image", json_true());
	CHECK_MSG(fs_update_put(t.hub, u, 0, id, &changed, &e) == 0 && changed == 1, "%s", e.msg);
	CHECK(fs_update_put(t.hub, u, 0, id, &changed, &e) == 0 && changed == 0);
	json_decref(u);
	net_sync(&t);
	CHECK(listed(t.n, "2027-02-01") == 1);
	/* A removal replicates; the content goes. */
	CHECK(fs_update_remove(t.hub, "cafe", &e) == 0);
	CHECK(fs_update_remove(t.hub, "cafe", &e) == FS_ENOTFOUND);
	net_sync(&t);
	CHECK(listed(t.n, "2027-02-01") == 0 && listed(t.n, NULL) == 1);
	fs_buf_init(&img, FS_IMAGE_MAX);
	CHECK(fs_update_image(t.n, "cafe", &img, &info, &e) == FS_ENOTFOUND);
	fs_buf_free(&img);
	CHECK(fs_update_list(t.n, &all, &l, &e) == 0);
	CHECK(json_is_true(json_object_get(json_array_get(l, 1), "removed")));
	CHECK(json_object_size(json_object_get(json_array_get(l, 1), "title")) == 0);
	json_decref(l);
	/* A whole-store copy (fieldsync-hub migrate, backup) carries the
	 * rows, removed ones too, and the census counts them. */
	{
		fs_store_options o = {NULL, NULL, 1, 0};
		fs_store *copy = NULL;
		fs_copy_result res;
		char loc[1024];

		snprintf(loc, sizeof(loc), "%s/ucopy%d.db", dir, nstore);
		CHECK_MSG(fs_store_open_with(&copy, loc, &o, &e) == 0, "%s", e.msg);
		CHECK_MSG(fs_store_copy(t.hub, copy, NULL, NULL, &res, &e) == 0, "%s", e.msg);
		CHECK(res.census.rows[FS_CENSUS_UPDATES] == 3);
		CHECK(fs_update_list(copy, &all, &l, &e) == 0 && json_array_size(l) == 3);
		json_decref(l);
		fs_store_close(copy);
	}
	free(b64);
	net_close(&t);
}

static void kiosk_cannot_send_updates(void)
{
	net t;
	fs_changeset cs, rx;
	fs_change c;
	fs_merge_result r;
	fs_err e = {0, ""};
	fs_store_counts counts;

	net_open(&t);
	fs_changeset_init(&cs);
	snprintf(cs.site, sizeof(cs.site), "%s", fs_store_site(t.n));
	memset(&c, 0, sizeof(c));
	c.table = FS_TABLE_UPDATES;
	snprintf(c.id, sizeof(c.id), "fake");
	snprintf(c.region, sizeof(c.region), "south");
	snprintf(c.site, sizeof(c.site), "%s", fs_store_site(t.n));
	c.hlc = fs_hlc_make(t.clk.ms, 0);
	c.value = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:b}", "target", "south",
	                    "questionnaire", "", "title", "{\"en\":\"Hi\"}", "text",
	                    "{\"en\":\"There\"}", "starts", "2026-01-01", "ends", "2026-12-31",
	                    "image", "", "removed", 0);
	CHECK(fs_changeset_add(&cs, &c, &e) == 0);
	CHECK_MSG(test_transfer(&rx, &cs, &e) == 0 && rx.count == 1, "%s", e.msg);
	memset(&e, 0, sizeof(e));
	CHECK(fs_sync_hub_receive(t.hub, &rx, fs_store_site(t.n), "north", NULL, &e) ==
	      FS_EFORBIDDEN);
	CHECK_MSG(strstr(e.msg, "may not write updates") != NULL, "%s", e.msg);
	fs_changeset_free(&rx);
	/* As if a hub sent south's update to a north kiosk: quarantined. */
	snprintf(cs.site, sizeof(cs.site), "hub");
	snprintf(cs.changes[0].site, sizeof(cs.changes[0].site), "hub");
	CHECK(fs_merge_apply(t.n, &cs, NULL, &r, &e) == 0 && r.quarantined == 1 && r.applied == 0);
	CHECK(fs_store_count(t.n, &counts, &e) == 0 && counts.quarantined == 1);
	CHECK(listed(t.n, NULL) == 0);
	fs_changeset_free(&cs);
	net_close(&t);
}

int main(int argc, char **argv)
{
	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: updates_test DIR [POSTGRESQL-URI]\n");
		return 2;
	}
	if (sodium_init() < 0)
		return 2;
	dir = argv[1];
	pg_uri = argc == 3 ? argv[2] : NULL;
	RUN(hub_rules);
	RUN(regions_dates_edit_remove);
	RUN(kiosk_cannot_send_updates);
	return TEST_DONE();
}
