/* The kiosk's queue of requests to be contacted (agent/ui/contact_
 * requests.h, docs/reciprocity.md), in process with a settable clock:
 *  - a request is checked (no value quoted), queued 0600, and released
 *    only once due, as a requested contact of the store's region with a
 *    random person_ref of the deployment's characters, the release's
 *    stamps and nothing else; the queue empties;
 *  - a damaged entry is dropped, not retried forever; the rest survive;
 *  - the queue is bounded; the release window is drawn inside its bounds.
 * usage: contact_requests_test */
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "contact_requests.h"
#include "fieldsync/person_ref.h"
#include "fieldsync/records.h"
#include "test.h"
#include "testutil.h"
#include "ui_file.h"

static char dir[64];
static test_clock clk = {1795770000000ull};

static fs_contact_request req(const char *name)
{
	fs_contact_request r = {name, "07700 900123", "phone", "housing", "Housing"};

	return r;
}

static long waiting(void)
{
	json_t *doc = NULL;
	long n;

	if (ui_file_read(&doc, dir, FS_CONTACT_REQUESTS_FILE, NULL) != 0 || doc == NULL)
		return 0;
	n = (long)json_array_size(json_object_get(doc, "requests"));
	json_decref(doc);
	return n;
}

static void checks_name_no_values(void)
{
	fs_contact_request r = req("Zed\nX");
	fs_err e = {0, ""};

	CHECK(fs_contact_request_check(&r, &e) == FS_EINVAL && strstr(e.msg, "\"name\"") != NULL &&
	      strstr(e.msg, "Zed") == NULL);
	r = req("   ");
	fs_err_clear(&e);
	CHECK(fs_contact_request_check(&r, &e) == FS_EINVAL);
	r = req("Zed");
	r.by = "video";
	fs_err_clear(&e);
	CHECK(fs_contact_request_check(&r, &e) == FS_EINVAL && strstr(e.msg, "\"by\"") != NULL);
	r = req("Zed");
	r.how = "";
	fs_err_clear(&e);
	CHECK(fs_contact_request_check(&r, &e) == FS_EINVAL && strstr(e.msg, "\"how\"") != NULL);
	r.by = "in_person";
	CHECK(fs_contact_request_check(&r, NULL) == 0);
}

static void released_when_due(void)
{
	fs_store *s = test_store(dir, "k1", "north", &clk);
	fs_person_ref_rule rule;
	fs_contact_request a = req("ZQAMY"), b = req("ZQBEN");
	json_t *list = NULL, *c;
	struct stat st;
	long released = 0, dropped = 0;
	fs_err e = {0, ""};
	char path[128];
	const char *ref;
	size_t i;

	CHECK(fs_person_ref_rule_parse(&rule, "charset=A-Z0-9 min=4 max=6", &e) == 0);
	fs_store_set_person_ref_rule(s, &rule);
	b.by = "in_person";
	b.how = "";
	CHECK(fs_contact_request_add(dir, &a, clk.ms + 1000, &e) == 0);
	CHECK(fs_contact_request_add(dir, &b, clk.ms + 5000, &e) == 0);
	snprintf(path, sizeof(path), "%s/%s", dir, FS_CONTACT_REQUESTS_FILE);
	CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600);
	CHECK(waiting() == 2);
	/* Not yet due: nothing. */
	CHECK(fs_contact_requests_release(dir, s, &rule, &released, &dropped, &e) == 0 &&
	      released == 0 && waiting() == 2);
	CHECK(fs_contact_list(s, &list, NULL, 0, &e) == 0 && json_array_size(list) == 0);
	json_decref(list);
	clk.ms += 2000;
	CHECK_MSG(fs_contact_requests_release(dir, s, &rule, &released, &dropped, &e) == 0, "%s",
		  e.msg);
	CHECK(released == 1 && dropped == 0 && waiting() == 1);
	CHECK(fs_contact_list(s, &list, NULL, 0, &e) == 0 && json_array_size(list) == 1);
	c = json_array_get(list, 0);
	CHECK_STR(json_string_value(json_object_get(c, "status")), "requested");
	CHECK_STR(json_string_value(json_object_get(c, "worker")), FS_CONTACT_REQUEST_WORKER);
	CHECK_STR(json_string_value(json_object_get(c, "region")), "north");
	CHECK_STR(json_string_value(json_object_get(c, "channel")), "phone");
	CHECK_STR(json_string_value(json_array_get(json_object_get(c, "topics"), 0)), "housing");
	CHECK(strstr(json_string_value(json_object_get(c, "notes")), "ZQAMY") != NULL &&
	      strstr(json_string_value(json_object_get(c, "notes")), "07700 900123") != NULL);
	/* Stamped at the release, not when it was queued. */
	{
		uint64_t at = 0;

		CHECK(fs_timestamp_to_ms(json_string_value(json_object_get(c, "contact_at")), &at) == 0);
		CHECK(at / 1000 == clk.ms / 1000);
	}
	ref = json_string_value(json_object_get(c, "person_ref"));
	CHECK(ref != NULL && strlen(ref) == 6);
	for (i = 0; ref[i] != '\0'; i++)
		CHECK((ref[i] >= 'A' && ref[i] <= 'Z') || (ref[i] >= '0' && ref[i] <= '9'));
	json_decref(list);
	/* A damaged entry (as after a hand edit) is dropped; the due one goes. */
	{
		json_t *doc = NULL;

		CHECK(ui_file_read(&doc, dir, FS_CONTACT_REQUESTS_FILE, &e) == 0 && doc != NULL);
		json_array_append_new(json_object_get(doc, "requests"),
				      json_pack("{s:I, s:s}", "release_ms", (json_int_t)0, "name",
						"ZQBROKEN"));
		CHECK(ui_file_write(dir, FS_CONTACT_REQUESTS_FILE, doc, &e) == 0);
		json_decref(doc);
	}
	clk.ms += 4000;
	CHECK(fs_contact_requests_release(dir, s, &rule, &released, &dropped, &e) == 0);
	CHECK_MSG(released == 1 && dropped == 1 && waiting() == 0, "%ld %ld", released, dropped);
	CHECK(fs_contact_list(s, &list, NULL, 0, &e) == 0 && json_array_size(list) == 2);
	json_decref(list);
	CHECK(fs_contact_requests_release(dir, s, &rule, &released, &dropped, &e) == 0 &&
	      released == 0);
	fs_store_close(s);
}

/* Full at the cap even with the longest fields, each byte escaped in the
 * file: still readable, and the next is refused as full. */
static void bounded(void)
{
	static char name[FS_CONTACT_REQUEST_NAME_MAX + 1], how[FS_CONTACT_REQUEST_HOW_MAX + 1],
	    label[201];
	fs_contact_request a = req(name);
	fs_err e = {0, ""};
	uint64_t t;
	int i, rc = 0;

	memset(name, '"', sizeof(name) - 1);
	memset(how, '\\', sizeof(how) - 1);
	memset(label, '"', sizeof(label) - 1);
	a.how = how;
	a.topic_label = label;
	for (i = (int)waiting(); i < FS_CONTACT_REQUESTS_MAX && rc == 0; i++)
		rc = fs_contact_request_add(dir, &a, clk.ms + 60000, &e);
	CHECK_MSG(rc == 0 && waiting() == FS_CONTACT_REQUESTS_MAX, "%s", e.msg);
	CHECK_MSG(fs_contact_request_add(dir, &a, clk.ms, &e) == FS_ELIMIT, "%s", e.msg);
	for (i = 0; i < 200; i++) {
		t = fs_contact_request_release_at(1000000, 600, 3600);
		CHECK(t >= 1000000 + 600000 && t <= 1000000 + 3600000);
	}
	CHECK(fs_contact_request_release_at(5000, 0, 0) == 5000);
}

int main(void)
{
	test_tmpdir(dir);
	RUN(checks_name_no_values);
	RUN(released_when_due);
	RUN(bounded);
	test_rmdir(dir);
	return TEST_DONE();
}
