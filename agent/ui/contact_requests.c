/* The kiosk's requests to be contacted, held until released
 * (contact_requests.h). */
#include "contact_requests.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "fieldsync/records.h"
#include "ui_file.h"

#define LOCK_FILE "contact-requests.lock"
#define LABEL_MAX 200
/* The person_ref drawn for a request: this long, within the rule's bounds. */
#define REF_LEN 10

static const char *const ways[] = {"phone", "text", "in_person", NULL};

static int bad(fs_err *err, const char *field, const char *rule)
{
	return fs_err_set(err, FS_EINVAL, "contact request: \"%s\" %s", field, rule);
}

/* s is one line of 1..max bytes (0..max when empty_ok), not only spaces:
 * no control characters (it came from JSON, so it is UTF-8). */
static int one_line(const char *s, size_t max, int empty_ok)
{
	size_t n = s != NULL ? strlen(s) : 0, i;
	int blank = 1;

	if (s == NULL || n > max || (n == 0 && !empty_ok))
		return 0;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c == 0x7f)
			return 0;
		if (c != ' ')
			blank = 0;
	}
	return !blank || empty_ok;
}

int fs_contact_request_check(const fs_contact_request *r, fs_err *err)
{
	size_t i;

	if (!one_line(r->name, FS_CONTACT_REQUEST_NAME_MAX, 0))
		return bad(err, "name", "must be one line of 1 to 300 bytes");
	if (!one_line(r->how, FS_CONTACT_REQUEST_HOW_MAX, 1))
		return bad(err, "how", "must be one line of at most 600 bytes");
	for (i = 0; ways[i] != NULL; i++)
		if (r->by != NULL && strcmp(r->by, ways[i]) == 0)
			break;
	if (ways[i] == NULL)
		return bad(err, "by", "must be one of phone, text, in_person");
	if (r->how[0] == '\0' && strcmp(r->by, "in_person") != 0)
		return bad(err, "how", "is needed unless the way is in_person");
	if (r->topic == NULL || r->topic[0] == '\0' || strlen(r->topic) > 64)
		return bad(err, "topic", "must be a topic of the questionnaire");
	if (!one_line(r->topic_label, LABEL_MAX, 0))
		return bad(err, "topic_label", "must be one line of 1 to 200 bytes");
	return 0;
}

/* Hold the lock file's flock (exclusive) while the queue is read and
 * rewritten: the UI thread adds, the syncer releases. */
static int lock_open(int *fd, const char *dir, fs_err *err)
{
	char path[PATH_MAX];

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, LOCK_FILE) >= sizeof(path))
		return fs_err_set(err, FS_EINVAL, "contact requests: data directory path too long");
	*fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (*fd < 0)
		return fs_err_set(err, FS_EGENERIC, "contact requests: cannot open %s: %s", path,
		                  strerror(errno));
	if (flock(*fd, LOCK_EX) != 0) {
		close(*fd);
		*fd = -1;
		return fs_err_set(err, FS_EGENERIC, "contact requests: cannot lock %s: %s", path,
		                  strerror(errno));
	}
	return 0;
}

/* The queue's entries (a new array; empty when there is no file). */
static int queue_read(json_t **out, const char *dir, fs_err *err)
{
	json_t *doc = NULL, *list;
	int rc = ui_file_read(&doc, dir, FS_CONTACT_REQUESTS_FILE, err);

	*out = NULL;
	if (rc != 0)
		return rc;
	list = json_object_get(doc, "requests");
	*out = json_is_array(list) ? json_incref(list) : json_array();
	json_decref(doc);
	return *out != NULL ? 0 : fs_err_set(err, FS_ENOMEM, "out of memory");
}

static int queue_write(const char *dir, json_t *list, fs_err *err)
{
	json_t *doc = json_pack("{s:O}", "requests", list);
	int rc;

	if (doc == NULL)
		return fs_err_set(err, FS_ENOMEM, "out of memory");
	rc = ui_file_write(dir, FS_CONTACT_REQUESTS_FILE, doc, err);
	json_decref(doc);
	return rc;
}

int fs_contact_request_add(const char *dir, const fs_contact_request *r, uint64_t release_ms,
                           fs_err *err)
{
	json_t *list = NULL, *e;
	int fd = -1, rc = fs_contact_request_check(r, err);

	if (rc == 0)
		rc = lock_open(&fd, dir, err);
	if (rc == 0)
		rc = queue_read(&list, dir, err);
	if (rc == 0 && json_array_size(list) >= FS_CONTACT_REQUESTS_MAX)
		rc = fs_err_set(err, FS_ELIMIT,
		                "contact requests: %d are waiting to be released; sync with the hub",
		                FS_CONTACT_REQUESTS_MAX);
	if (rc == 0) {
		e = json_pack("{s:I, s:s, s:s, s:s, s:s, s:s}", "release_ms", (json_int_t)release_ms,
		              "name", r->name, "how", r->how, "by", r->by, "topic", r->topic,
		              "topic_label", r->topic_label);
		if (e == NULL || json_array_append_new(list, e) != 0)
			rc = fs_err_set(err, FS_ENOMEM, "out of memory");
	}
	if (rc == 0)
		rc = queue_write(dir, list, err);
	json_decref(list);
	if (fd >= 0)
		close(fd);
	return rc;
}

uint64_t fs_contact_request_release_at(uint64_t now_ms, long min_s, long max_s)
{
	uint64_t span;

	if (min_s < 0)
		min_s = 0;
	if (max_s < min_s)
		max_s = min_s;
	span = (uint64_t)(max_s - min_s) * 1000u;
	/* Whole milliseconds, uniform over the window (span < 2^32: a day). */
	return now_ms + (uint64_t)min_s * 1000u +
	       (span > 0 ? randombytes_uniform((uint32_t)(span + 1)) : 0);
}

/* A person_ref of the deployment's characters, at random: nothing in it
 * comes from the person or the visit. */
static void random_ref(char out[FS_PERSON_REF_LEN_MAX + 1], const fs_person_ref_rule *rule)
{
	char set[128];
	unsigned n = 0, len = REF_LEN, i, c;

	for (c = 0x21; c < 0x7f; c++)
		if (rule->allowed[c])
			set[n++] = (char)c;
	if (len < rule->min)
		len = rule->min;
	if (len > rule->max)
		len = rule->max;
	for (i = 0; i < len && n > 0; i++)
		out[i] = set[randombytes_uniform(n)];
	out[n > 0 ? len : 0] = '\0';
}

static const char *entry_str(const json_t *e, const char *key)
{
	return json_string_value(json_object_get(e, key));
}

/* One due entry as a new contact of the store's region. */
static int release_one(fs_store *s, const fs_person_ref_rule *rule, const json_t *e,
                       uint64_t now, fs_err *err)
{
	fs_contact_request r = {entry_str(e, "name"), entry_str(e, "how"), entry_str(e, "by"),
	                        entry_str(e, "topic"), entry_str(e, "topic_label")};
	char ref[FS_PERSON_REF_LEN_MAX + 1], at[FS_TIMESTAMP_LEN + 1], day[11],
	    id[FS_UUID_LEN + 1];
	char *notes = NULL;
	json_t *f;
	time_t t = (time_t)(now / 1000);
	struct tm tm;
	int rc;

	if (fs_contact_request_check(&r, err) != 0)
		return FS_EINVAL;
	random_ref(ref, rule);
	fs_timestamp_format(at, now);
	localtime_r(&t, &tm);
	strftime(day, sizeof(day), "%Y-%m-%d", &tm);
	/* In the worker's language (worker mode is in English). */
	if (asprintf(&notes,
	             "Asked at a kiosk to be contacted.\nName: %s\nHow to reach them: %s\n"
	             "Topic: %s",
	             r.name, r.how[0] != '\0' ? r.how : "they will come back to the kiosk",
	             r.topic_label) < 0)
		return fs_err_set(err, FS_ENOMEM, "out of memory");
	f = json_pack("{s:s, s:s, s:s, s:s, s:s, s:[s], s:s, s:s}", "person_ref", ref, "contact_at",
	              at, "channel", r.by, "worker", FS_CONTACT_REQUEST_WORKER, "status",
	              "requested", "topics", r.topic, "follow_up_date", day, "notes", notes);
	free(notes);
	if (f == NULL)
		return fs_err_set(err, FS_ENOMEM, "out of memory");
	rc = fs_contact_put(s, id, NULL, NULL, f, err);
	json_decref(f);
	return rc;
}

int fs_contact_requests_release(const char *dir, fs_store *s, const fs_person_ref_rule *rule,
                                long *released, long *dropped, fs_err *err)
{
	json_t *list = NULL, *rest = NULL, *e;
	uint64_t now = fs_store_now_ms(s);
	int fd = -1, rc;
	size_t i;

	*released = *dropped = 0;
	rc = lock_open(&fd, dir, err);
	if (rc == 0)
		rc = queue_read(&list, dir, err);
	if (rc == 0 && json_array_size(list) > 0 && (rest = json_array()) == NULL)
		rc = fs_err_set(err, FS_ENOMEM, "out of memory");
	json_array_foreach(list, i, e) {
		const json_t *due = json_object_get(e, "release_ms");
		fs_err one = {0, ""};
		int r1;

		/* Not yet due, or not reached after a failure: stays. */
		if (rc != 0 || (json_is_integer(due) && (uint64_t)json_integer_value(due) > now)) {
			if (json_array_append(rest, e) != 0 && rc == 0)
				rc = fs_err_set(err, FS_ENOMEM, "out of memory");
			continue;
		}
		r1 = release_one(s, rule, e, now, &one);
		if (r1 == FS_EINVAL) {
			++*dropped; /* damaged: it can never become a contact */
		} else if (r1 != 0) {
			rc = fs_err_set(err, r1, "%s", one.msg); /* kept for the next sync */
			json_array_append(rest, e);
		} else {
			++*released;
		}
	}
	/* What became a contact (or never can) leaves the file. */
	if (*released + *dropped > 0) {
		int w = queue_write(dir, rest, err);

		if (rc == 0)
			rc = w;
	}
	json_decref(rest);
	json_decref(list);
	if (fd >= 0)
		close(fd);
	return rc;
}
