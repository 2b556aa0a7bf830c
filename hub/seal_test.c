/* Sealed responses and the hub's keys (fieldsync/seal.h, keys.h), on a
 * SQLite hub store (no argument) or on PostgreSQL (argument: a server's
 * URI, tests/pg/pg_tmp.sh; each store a schema): seal and open round
 * trip, a resend is a no-op, a tampered, wrongly keyed, malformed or
 * unknown-key sealed response is quarantined with a reason and the rest of
 * the set merges, rotation keeps old keys, a rotated key is adopted only
 * when signed, the wipe order verifies only for its site and hub, and hub
 * processes sharing a store make one key. */
#include <pthread.h>
#include <zlib.h>

#include "fieldsync/backend.h"
#include "fieldsync/changes.h"
#include "fieldsync/records.h"
#include "fieldsync/seal.h"
#include "keys.h"
#include "test.h"
#include "test_stores.h"

static char dir[64];
static const char *pg_base; /* NULL: SQLite */

/* Hub store name: dir/name.db or a schema of pg_base. */
static fs_store *hub_open(const char *name, test_clock *clk)
{
	return test_store_named(pg_base, dir, name, "hub", NULL, clk);
}

/* A kiosk of region north that pinned hub's keys and has its questionnaire. */
static fs_store *kiosk_of(fs_store *hub, const char *site, test_clock *clk)
{
	fs_store *k = test_store(dir, site, "north", clk);
	hub_keys_public pub;
	fs_err e = {0, ""};

	if (hub_keys_public_get(hub, &pub, &e) != 0 || fs_seal_pin_keys(k, pub.seal, pub.sign, &e) != 0 ||
	    test_publish(hub, &e) != 0 || test_sync(k, hub, &e) != 0) {
		fprintf(stderr, "kiosk %s: %s\n", site, e.msg);
		exit(2);
	}
	return k;
}

typedef struct reasons {
	int n;
	char last[200];
} reasons;

static int reason_visit(void *ctx, int64_t id, const fs_quarantine_row *r)
{
	reasons *q = ctx;

	(void)id;
	q->n++;
	snprintf(q->last, sizeof(q->last), "%s", r->reason);
	return 0;
}

static reasons quarantined(fs_store *hub)
{
	reasons q = {0, ""};

	fs_store_ops(hub)->quarantine_each(fs_store_backend(hub), reason_visit, &q, NULL);
	return q;
}

/* Every change kiosk k made, from the start. */
static void kiosk_changes(fs_store *k, fs_changeset *cs)
{
	fs_changes_filter f = {FS_SYNC_KIOSK_TABLES, fs_store_site(k), NULL, NULL};
	fs_err e = {0, ""};

	CHECK_MSG(fs_changes_read(k, cs, 0, &f, 1000, 1u << 20, &e) == 0, "%s", e.msg);
}

static void add_response(fs_store *k, char id[FS_UUID_LEN + 1], const char *comment)
{
	json_t *b = test_response(4, comment);
	fs_err e = {0, ""};

	CHECK_MSG(fs_response_add(k, id, b, &e) == 0, "%s", e.msg);
	json_decref(b);
}

/* The sealed text of response change i of cs, replaced by text. */
static void set_sealed(fs_changeset *cs, size_t i, const char *text)
{
	json_object_set_new(json_object_get(cs->changes[i].value, "answers"), FS_SEAL_MARK,
	                    json_string(text));
}

static void stored_answers(fs_store *s, const char *id, char **text)
{
	json_t *r = NULL;
	fs_err e = {0, ""};

	*text = NULL;
	CHECK_MSG(fs_response_get(s, &r, id, &e) == 0, "%s", e.msg);
	*text = json_dumps(json_object_get(r, "answers"), JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(r);
}

static void sealed_round_trip_and_resend(void)
{
	test_clock clk = {1795770000000ull};
	fs_store *hub = hub_open("seal_a", &clk), *k = kiosk_of(hub, "k-a", &clk);
	char id[FS_UUID_LEN + 1], *text = NULL;
	fs_changeset cs;
	fs_merge_result res;
	fs_err e = {0, ""};

	add_response(k, id, "Secret-Text-1");
	/* The kiosk holds only the sealed value, never the answers. */
	stored_answers(k, id, &text);
	CHECK(text != NULL && strstr(text, "\"$sealed\":\"fs2:") != NULL);
	CHECK(text != NULL && strstr(text, "Secret-Text-1") == NULL);
	free(text);
	CHECK_MSG(test_sync(k, hub, &e) == 0, "%s", e.msg);
	stored_answers(hub, id, &text);
	CHECK_STR(text, "{\"comment\":\"Secret-Text-1\",\"consent\":true,\"overall\":4}");
	free(text);
	CHECK(quarantined(hub).n == 0);
	/* The same set again (a lost acknowledgement): nothing changes. */
	kiosk_changes(k, &cs);
	CHECK(cs.count == 1);
	CHECK_MSG(fs_sync_hub_receive(hub, &cs, fs_store_site(k), "north", &res, &e) == 0, "%s",
	          e.msg);
	CHECK(res.applied == 0 && res.unchanged == 1 && res.quarantined == 0);
	fs_changeset_free(&cs);
	fs_store_close(k);
	fs_store_close(hub);
}

/* A set of two responses whose first is damaged by damage(): the first is
 * quarantined with a reason holding want, the second merges. */
static void quarantines(const char *name, void (*damage)(fs_changeset *, fs_store *),
                        const char *want)
{
	test_clock clk = {1795770000000ull};
	char hubname[40], kname[40];
	fs_store *hub, *k;
	char id1[FS_UUID_LEN + 1], id2[FS_UUID_LEN + 1];
	fs_changeset cs;
	fs_merge_result res;
	fs_err e = {0, ""};
	json_t *r = NULL;
	reasons q;

	snprintf(hubname, sizeof(hubname), "seal_%s", name);
	snprintf(kname, sizeof(kname), "k-%s", name);
	hub = hub_open(hubname, &clk);
	k = kiosk_of(hub, kname, &clk);
	add_response(k, id1, "Damaged-Text");
	add_response(k, id2, "Fine-Text");
	kiosk_changes(k, &cs);
	CHECK(cs.count == 2);
	damage(&cs, hub);
	CHECK_MSG(fs_sync_hub_receive(hub, &cs, fs_store_site(k), "north", &res, &e) == 0,
	          "%s: %s", name, e.msg);
	CHECK_MSG(res.quarantined == 1 && res.applied == 1, "%s: quarantined %ld applied %ld",
	          name, res.quarantined, res.applied);
	q = quarantined(hub);
	CHECK_MSG(q.n == 1 && strstr(q.last, want) != NULL, "%s: %d, \"%s\"", name, q.n, q.last);
	CHECK(strstr(q.last, "Damaged") == NULL);
	CHECK(fs_response_get(hub, &r, id1, NULL) == FS_ENOTFOUND);
	CHECK(fs_response_get(hub, &r, id2, NULL) == 0);
	json_decref(r);
	fs_changeset_free(&cs);
	fs_store_close(k);
	fs_store_close(hub);
}

static void flip_a_byte(fs_changeset *cs, fs_store *hub)
{
	char *t = strdup(fs_seal_answers_text(json_object_get(cs->changes[0].value, "answers")));
	size_t n = strlen(t);

	(void)hub;
	t[n - 10] = t[n - 10] == 'A' ? 'B' : 'A';
	set_sealed(cs, 0, t);
	free(t);
}

/* Sealed with another hub's key but labelled with this hub's key id. */
static void other_key_same_id(fs_changeset *cs, fs_store *hub)
{
	fs_store *other = hub_open("seal_other", NULL);
	hub_keys_public mine, theirs;
	char *t = NULL, *u;
	const char *plain = "{\"consent\":true,\"overall\":4}";

	CHECK(hub_keys_public_get(hub, &mine, NULL) == 0);
	CHECK(hub_keys_public_get(other, &theirs, NULL) == 0);
	CHECK(fs_seal_text(&t, theirs.seal, plain, strlen(plain), NULL) == 0);
	u = strdup(t);
	memcpy(u + strlen(FS_SEAL_PREFIX), mine.seal, FS_SEAL_KEYID_LEN);
	set_sealed(cs, 0, u);
	free(t);
	free(u);
	fs_store_close(other);
}

static void unknown_key(fs_changeset *cs, fs_store *hub)
{
	fs_store *other = hub_open("seal_stranger", NULL);
	hub_keys_public theirs;
	char *t = NULL;
	const char *plain = "{\"consent\":true,\"overall\":4}";

	(void)hub;
	CHECK(hub_keys_public_get(other, &theirs, NULL) == 0);
	CHECK(fs_seal_text(&t, theirs.seal, plain, strlen(plain), NULL) == 0);
	set_sealed(cs, 0, t);
	free(t);
	fs_store_close(other);
}

static void bad_base64(fs_changeset *cs, fs_store *hub)
{
	hub_keys_public mine;
	char t[200];

	CHECK(hub_keys_public_get(hub, &mine, NULL) == 0);
	snprintf(t, sizeof(t), FS_SEAL_PREFIX "%.16s:!!not base64!!", mine.seal);
	set_sealed(cs, 0, t);
}

static void not_an_object(fs_changeset *cs, fs_store *hub)
{
	hub_keys_public mine;
	char *t = NULL;

	CHECK(hub_keys_public_get(hub, &mine, NULL) == 0);
	CHECK(fs_seal_text(&t, mine.seal, "[1,2,3]", 7, NULL) == 0);
	set_sealed(cs, 0, t);
	free(t);
}

/* fs2 whose sealed bytes are not a deflate stream. */
static void not_deflated(fs_changeset *cs, fs_store *hub)
{
	hub_keys_public mine;
	char *t = NULL;

	CHECK(hub_keys_public_get(hub, &mine, NULL) == 0);
	CHECK(fs_seal_text(&t, mine.seal, "\xff\xfe not deflate", 16, NULL) == 0);
	memcpy(t, FS_SEAL_PREFIX_DEFLATE, strlen(FS_SEAL_PREFIX_DEFLATE));
	set_sealed(cs, 0, t);
	free(t);
}

/* fs2 whose deflate stream inflates to 1 MiB (over the 256 KiB cap). */
static void deflate_bomb(fs_changeset *cs, fs_store *hub)
{
	static unsigned char zeros[1u << 20], packed[1u << 16];
	hub_keys_public mine;
	z_stream z;
	char *t = NULL;

	memset(&z, 0, sizeof(z));
	CHECK(deflateInit2(&z, 9, Z_DEFLATED, -15, 9, Z_DEFAULT_STRATEGY) == Z_OK);
	z.next_in = zeros;
	z.avail_in = sizeof(zeros);
	z.next_out = packed;
	z.avail_out = sizeof(packed);
	CHECK(deflate(&z, Z_FINISH) == Z_STREAM_END);
	deflateEnd(&z);
	CHECK(hub_keys_public_get(hub, &mine, NULL) == 0);
	CHECK(fs_seal_text(&t, mine.seal, packed, sizeof(packed) - z.avail_out, NULL) == 0);
	memcpy(t, FS_SEAL_PREFIX_DEFLATE, strlen(FS_SEAL_PREFIX_DEFLATE));
	set_sealed(cs, 0, t);
	free(t);
}

/* fs2 for a questionnaire version the hub does not hold. */
static void unknown_version(fs_changeset *cs, fs_store *hub)
{
	(void)hub;
	json_object_set_new(cs->changes[0].value, "version", json_integer(9));
}

static void not_fs1(fs_changeset *cs, fs_store *hub)
{
	(void)hub;
	set_sealed(cs, 0, "plain words");
}

static void tampered_is_quarantined(void) { quarantines("tamper", flip_a_byte, "cannot be opened"); }
static void wrong_key_is_quarantined(void) { quarantines("wrong", other_key_same_id, "cannot be opened"); }
static void unknown_key_is_quarantined(void) { quarantines("unknown", unknown_key, "sealed to unknown key"); }
static void bad_base64_is_quarantined(void) { quarantines("b64", bad_base64, "bad base64"); }
static void non_object_is_quarantined(void) { quarantines("nonobj", not_an_object, "not a JSON object"); }
static void not_deflated_is_quarantined(void) { quarantines("nodefl", not_deflated, "not deflated answers"); }
static void deflate_bomb_is_quarantined(void) { quarantines("bomb", deflate_bomb, "at most 262144 bytes"); }
static void unknown_version_is_quarantined(void) { quarantines("nover", unknown_version, "questionnaire version is not known"); }
static void malformed_is_quarantined(void) { quarantines("nofs1", not_fs1, "not fs1: or fs2:KEYID:BASE64"); }

static void rotation_keeps_old_keys(void)
{
	test_clock clk = {1795770000000ull};
	fs_store *hub = hub_open("seal_rot", &clk), *k = kiosk_of(hub, "k-rot", &clk);
	fs_store *other = hub_open("seal_rot_other", NULL);
	hub_keys_public before, after, theirs;
	char keyid[FS_SEAL_KEYID_LEN + 1], id[FS_UUID_LEN + 1], header[200], *text = NULL;
	fs_err e = {0, ""};
	int changed = 0;

	CHECK(hub_keys_public_get(hub, &before, &e) == 0);
	add_response(k, id, "Old-Key-Text"); /* sealed to the first key, unsent */
	CHECK_MSG(hub_keys_rotate(hub, keyid, &e) == 0, "%s", e.msg);
	CHECK(hub_keys_public_get(hub, &after, &e) == 0);
	CHECK(strncmp(after.seal, keyid, FS_SEAL_KEYID_LEN) == 0);
	CHECK(strcmp(after.seal, before.seal) != 0);
	CHECK(strcmp(after.sign, before.sign) == 0); /* the signing key stays */
	CHECK_MSG(test_sync(k, hub, &e) == 0, "%s", e.msg);
	stored_answers(hub, id, &text);
	CHECK(text != NULL && strstr(text, "Old-Key-Text") != NULL);
	free(text);
	CHECK(quarantined(hub).n == 0);
	/* The new key, signed by another hub: refused, the pin stays. */
	CHECK(hub_keys_public_get(other, &theirs, &e) == 0);
	snprintf(header, sizeof(header), "%s:%s", after.seal, theirs.seal_sig);
	CHECK(fs_seal_adopt_key(k, header, &changed, NULL) == FS_EINVAL && !changed);
	snprintf(header, sizeof(header), "%s:%s", theirs.seal, theirs.seal_sig);
	CHECK(fs_seal_adopt_key(k, header, &changed, NULL) == FS_EINVAL && !changed);
	/* Signed by this hub: adopted, then new responses seal to it. */
	snprintf(header, sizeof(header), "%s:%s", after.seal, after.seal_sig);
	CHECK_MSG(fs_seal_adopt_key(k, header, &changed, &e) == 0 && changed, "%s", e.msg);
	CHECK(fs_seal_adopt_key(k, header, &changed, &e) == 0 && !changed);
	add_response(k, id, "New-Key-Text");
	stored_answers(k, id, &text);
	CHECK(text != NULL && strstr(text, keyid) != NULL);
	free(text);
	CHECK_MSG(test_sync(k, hub, &e) == 0, "%s", e.msg);
	stored_answers(hub, id, &text);
	CHECK(text != NULL && strstr(text, "New-Key-Text") != NULL);
	free(text);
	fs_store_close(other);
	fs_store_close(k);
	fs_store_close(hub);
}

static void wipe_order_verifies_for_its_site_only(void)
{
	test_clock clk = {1795770000000ull};
	fs_store *hub = hub_open("seal_wipe", &clk), *k = kiosk_of(hub, "k-wipe", &clk);
	fs_store *other = hub_open("seal_wipe_other", NULL);
	fs_store *plain = test_store(dir, "k-plain", "north", &clk);
	char sig[FS_SIGN_SIG_B64_MAX + 1];
	fs_err e = {0, ""};

	CHECK_MSG(hub_keys_sign_wipe(hub, "k-wipe", sig, &e) == 0, "%s", e.msg);
	CHECK_MSG(fs_seal_verify_wipe(k, sig, &e) == 0, "%s", e.msg);
	CHECK(fs_seal_verify_wipe(plain, sig, NULL) == FS_ENOTFOUND); /* nothing pinned */
	CHECK(hub_keys_sign_wipe(hub, "k-other", sig, NULL) == 0);
	CHECK(fs_seal_verify_wipe(k, sig, NULL) == FS_EINVAL); /* another site's order */
	CHECK(hub_keys_sign_wipe(other, "k-wipe", sig, NULL) == 0);
	CHECK(fs_seal_verify_wipe(k, sig, NULL) == FS_EINVAL); /* another hub's */
	CHECK(fs_seal_verify_wipe(k, "", NULL) == FS_EINVAL);
	CHECK(fs_seal_verify_wipe(k, "not base64!", NULL) == FS_EINVAL);
	fs_store_close(plain);
	fs_store_close(other);
	fs_store_close(k);
	fs_store_close(hub);
}

static void unpinned_store_keeps_answers_in_clear(void)
{
	test_clock clk = {1795770000000ull};
	fs_store *hub = hub_open("seal_clear", &clk), *k = test_store(dir, "k-clear", "north", &clk);
	char id[FS_UUID_LEN + 1], *text = NULL;
	fs_err e = {0, ""};

	CHECK(test_publish(hub, &e) == 0);
	CHECK_MSG(test_sync(k, hub, &e) == 0, "%s", e.msg);
	CHECK(!fs_seal_pinned(k));
	add_response(k, id, "Clear-Text");
	stored_answers(k, id, &text);
	CHECK(text != NULL && strstr(text, "Clear-Text") != NULL);
	free(text);
	fs_store_close(k);
	fs_store_close(hub);
}

typedef struct racer {
	const char *name;
	hub_keys_public pub;
	int rc;
} racer;

static void *race(void *arg)
{
	racer *r = arg;
	fs_store *s = hub_open(r->name, NULL);

	r->rc = hub_keys_public_get(s, &r->pub, NULL);
	fs_store_close(s);
	return NULL;
}

static void processes_sharing_a_store_make_one_key(void)
{
	int round;

	for (round = 0; round < 6; round++) {
		char name[32];
		racer r[4];
		pthread_t t[4];
		int i;

		snprintf(name, sizeof(name), "seal_race%d", round);
		/* The store exists (schema made), its keys not yet. */
		fs_store_close(hub_open(name, NULL));
		for (i = 0; i < 4; i++) {
			r[i].name = name;
			pthread_create(&t[i], NULL, race, &r[i]);
		}
		for (i = 0; i < 4; i++)
			pthread_join(t[i], NULL);
		for (i = 0; i < 4; i++) {
			CHECK(r[i].rc == 0);
			CHECK_STR(r[i].pub.seal, r[0].pub.seal);
			CHECK_STR(r[i].pub.sign, r[0].pub.sign);
		}
	}
}

int main(int argc, char **argv)
{
	if (argc > 1)
		pg_base = argv[1];
	test_tmpdir(dir);
	RUN(sealed_round_trip_and_resend);
	RUN(tampered_is_quarantined);
	RUN(wrong_key_is_quarantined);
	RUN(unknown_key_is_quarantined);
	RUN(bad_base64_is_quarantined);
	RUN(non_object_is_quarantined);
	RUN(malformed_is_quarantined);
	RUN(not_deflated_is_quarantined);
	RUN(unknown_version_is_quarantined);
	RUN(deflate_bomb_is_quarantined);
	RUN(rotation_keeps_old_keys);
	RUN(wipe_order_verifies_for_its_site_only);
	RUN(unpinned_store_keeps_answers_in_clear);
	RUN(processes_sharing_a_store_make_one_key);
	test_rmdir(dir);
	return TEST_DONE();
}
