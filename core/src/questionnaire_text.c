/* fieldsync: texts and languages of questionnaires. One language-tag rule
 * for a document's languages and a response's language; UTF-8 counting and
 * white space exactly as the kiosk's JavaScript sees them, so that "at most
 * N characters", "trimmed" and "blank" mean the same on both sides. */
#include <stdint.h>
#include <string.h>

#include "questionnaire_internal.h"

/* The one language-tag rule, for a document's languages and a response's
 * language (record_check.c). */
int fs_language_tag_is_valid(const char *s, size_t n)
{
	size_t i = 0, run, subtags = 0;

	if (s == NULL || n > FS_LANGUAGE_TAG_MAX)
		return 0;
	while (i < n && is_lower(s[i]))
		i++;
	if (i < 2 || i > 3)
		return 0;
	while (i < n) {
		if (s[i] != '-' || ++subtags > 4)
			return 0;
		i++;
		for (run = 0; i < n && is_alnum(s[i]); i++)
			run++;
		if (run < 1 || run > 8)
			return 0;
	}
	return 1;
}

int fs_questionnaire_offers_language(const json_t *doc, const char *lang)
{
	const json_t *langs = json_object_get(doc, "languages");
	size_t i;

	for (i = 0; lang != NULL && i < json_array_size(langs); i++)
		if (json_is_string(json_array_get(langs, i)) &&
		    strcmp(json_string_value(json_array_get(langs, i)), lang) == 0)
			return 1;
	return 0;
}

int fs_qn_same_tag(const char *a, const char *b)
{
	for (; *a != '\0' && *b != '\0'; a++, b++) {
		char x = (*a >= 'A' && *a <= 'Z') ? (char)(*a + 32) : *a;
		char y = (*b >= 'A' && *b <= 'Z') ? (char)(*b + 32) : *b;

		if (x != y)
			return 0;
	}
	return *a == *b;
}

size_t fs_qn_utf8_count(const char *s, size_t n)
{
	size_t i, count = 0;

	for (i = 0; i < n; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			count++;
	return count;
}

/* Decode the code point at s[0..n), which Jansson guarantees is UTF-8.
 * Returns its length in bytes (at least 1) and stores it in *cp. */
static size_t utf8_decode(const char *s, size_t n, uint32_t *cp)
{
	unsigned char c = (unsigned char)s[0];
	size_t len, i;
	uint32_t v;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xf0) {
		len = 4;
		v = c & 0x07;
	} else if (c >= 0xe0) {
		len = 3;
		v = c & 0x0f;
	} else {
		len = 2;
		v = c & 0x1f;
	}
	if (len > n) {
		*cp = 0xfffd;
		return 1;
	}
	for (i = 1; i < len; i++)
		v = (v << 6) | ((unsigned char)s[i] & 0x3f);
	*cp = v;
	return len;
}

/* White space as JavaScript's String.prototype.trim() sees it, so that the
 * kiosk and the hub agree on what "trimmed" means. */
static int is_space(uint32_t cp)
{
	return (cp >= 0x09 && cp <= 0x0d) || cp == 0x20 || cp == 0xa0 || cp == 0x1680 ||
	       (cp >= 0x2000 && cp <= 0x200a) || cp == 0x2028 || cp == 0x2029 || cp == 0x202f ||
	       cp == 0x205f || cp == 0x3000 || cp == 0xfeff;
}

int fs_qn_starts_with_space(const char *s, size_t n)
{
	uint32_t cp;

	return n > 0 && (utf8_decode(s, n, &cp), is_space(cp));
}

int fs_qn_ends_with_space(const char *s, size_t n)
{
	size_t i = n;
	uint32_t cp;

	if (n == 0)
		return 0;
	while (i > 0 && n - i < 4 && ((unsigned char)s[i - 1] & 0xc0) == 0x80)
		i--;
	if (i > 0)
		i--;
	utf8_decode(s + i, n - i, &cp);
	return is_space(cp);
}

int fs_qn_is_blank(const char *s, size_t n)
{
	size_t i = 0;
	uint32_t cp;

	while (i < n) {
		i += utf8_decode(s + i, n - i, &cp);
		if (!is_space(cp))
			return 0;
	}
	return 1;
}

/* The kiosk's own words that a questionnaire may carry for its languages
 * ("ui_strings", docs/questionnaire-format.md), each with the placeholders
 * its text must hold (space-separated, in the English order). The same
 * names are FsStrings.questionnaireKeys in agent/ui/www/strings.js;
 * tests/vectors/documents.json ("every kiosk string") holds both lists to
 * this one. Worker-mode words are not here: worker mode is in English. */
static const struct {
	const char *key;
	const char *placeholders;
} ui_strings[] = {
    {"language_name", ""},
    {"welcome", ""},
    {"welcome_lead", ""},
    {"none_offered", ""},
    {"staff", ""},
    {"choose_language", ""},
    {"language", ""},
    {"text_size", "n"},
    {"start", ""},
    {"next", ""},
    {"back", ""},
    {"submit", ""},
    {"progress", "n total"},
    {"optional", ""},
    {"intro_count", "n"},
    {"intro_count_1", ""},
    {"intro_count_upto", "n"},
    {"intro_time", "m"},
    {"intro_time_1", ""},
    {"choose_range", "min max"},
    {"choose_any", ""},
    {"choose_upto", "n"},
    {"choose_atleast", "n"},
    {"choose_exactly", "n"},
    {"num_range", "min max"},
    {"num_min", "min"},
    {"num_max", "max"},
    {"int_range", "min max"},
    {"int_min", "min"},
    {"int_max", "max"},
    {"int_any", ""},
    {"chars_max", "max"},
    {"chars_left", "n max"},
    {"chars_over", "n"},
    {"clear_choice", ""},
    {"more_below", ""},
    {"yes", ""},
    {"no", ""},
    {"consent_yes", ""},
    {"consent_no", ""},
    {"day", ""},
    {"month", ""},
    {"year", ""},
    {"date_hint", ""},
    {"stop", ""},
    {"stop_title", ""},
    {"stop_text", ""},
    {"stop_yes", ""},
    {"stop_no", ""},
    {"thanks_title", ""},
    {"thanks_text", ""},
    {"declined_title", ""},
    {"declined_text", ""},
    {"finish", ""},
    {"returning", "n"},
    {"idle_title", ""},
    {"idle_text", "n"},
    {"still_here", ""},
    {"discard_title", ""},
    {"discard_text", ""},
    {"discard_no", ""},
    {"discard_yes", ""},
    {"saving", ""},
    {"save_failed", ""},
    {"err_required", ""},
    {"err_option", ""},
    {"err_number", ""},
    {"err_grouping", ""},
    {"err_digits", "n"},
    {"err_integer", ""},
    {"err_min", "n"},
    {"err_max", "n"},
    {"err_multi_min", "n"},
    {"err_multi_max", "n"},
    {"err_date", ""},
    {"err_date_min", "d"},
    {"err_date_max", "d"},
    {"err_today", ""},
    {"err_length", "n"},
    {"err_empty", ""},
    {"err_other", ""},
    {"err_date_no_day", ""},
    {"err_date_no_month", ""},
    {"err_date_no_year", ""},
    {"err_date_year", ""},
    {"err_date_month", ""},
    {"err_date_day", ""},
    {"err_date_days", "m n"},
    /* the thank-you screen's request to be contacted (contact_request) */
    {"contact_offer_title", ""},
    {"contact_offer_text", ""},
    {"contact_offer_yes", ""},
    {"contact_name", ""},
    {"contact_how", ""},
    {"contact_how_hint", ""},
    {"contact_by", ""},
    {"contact_by_phone", ""},
    {"contact_by_text", ""},
    {"contact_by_in_person", ""},
    {"contact_topic", ""},
    {"contact_consent", "days"},
    {"contact_err_consent", ""},
    {"contact_send", ""},
    {"contact_cancel", ""},
    {"contact_sent_title", ""},
    {"contact_sent_text", ""},
    {"contact_failed", ""},
    /* "you said, we did" updates on the welcome and thank-you screens */
    {"updates_title", ""},
    {"updates_thanks_title", ""},
    {"updates_previous", ""},
    {"updates_next", ""},
    {"updates_pause", ""},
    {"updates_count", "n total"},
    /* the receipt code's section and lookup screen (receipt.js) */
    {"receipt_offer_title", ""},
    {"receipt_offer_text", ""},
    {"receipt_take", ""},
    {"receipt_your_code", ""},
    {"receipt_qr", ""},
    {"receipt_keep", ""},
    {"receipt_have", ""},
    {"receipt_lookup_title", ""},
    {"receipt_lookup_lead", ""},
    {"receipt_code_label", ""},
    {"receipt_code_hint", ""},
    {"receipt_check", ""},
    {"receipt_looking", ""},
    {"receipt_err_short", ""},
    {"receipt_err_long", ""},
    {"receipt_err_mistyped", ""},
    {"receipt_err_locked", "n"},
    {"receipt_err_hub_busy", ""},
    {"receipt_received", ""},
    {"receipt_withdrawn", ""},
    {"receipt_pending", ""},
    {"receipt_unknown", ""},
    {"receipt_offline", ""},
    {"receipt_questionnaire", ""},
    {"receipt_received_on", "d"},
    {"receipt_outcomes", ""},
    {"receipt_outcome_results", "d"},
    {"receipt_outcome_update", "d"},
    {"receipt_withdraw", ""},
    {"receipt_confirm_title", ""},
    {"receipt_confirm_text", ""},
    {"receipt_confirm_yes", ""},
    {"receipt_confirm_no", ""},
    {"receipt_done_title", ""},
    {"receipt_done_text", ""},
    {"receipt_withdraw_failed", ""},
    {"receipt_back", ""},
};

const char *fs_qn_ui_string_placeholders(const char *key)
{
	size_t i;

	for (i = 0; i < sizeof(ui_strings) / sizeof(ui_strings[0]); i++)
		if (strcmp(key, ui_strings[i].key) == 0)
			return ui_strings[i].placeholders;
	return NULL;
}

size_t fs_qn_ui_string_count(void)
{
	return sizeof(ui_strings) / sizeof(ui_strings[0]);
}

const char *fs_qn_ui_string_key(size_t i)
{
	return i < fs_qn_ui_string_count() ? ui_strings[i].key : NULL;
}

/* Does s (n bytes) hold each placeholder of the space-separated list
 * `names` exactly once, and no other brace? A placeholder is {name}. */
int fs_qn_ui_string_placeholders_ok(const char *s, size_t n, const char *names)
{
	unsigned seen = 0; /* bit k: the k-th name of `names` */
	unsigned want = 0;
	size_t i, k;
	const char *p;

	for (p = names, k = 0; *p != '\0'; k++) {
		want |= 1u << k;
		p += strcspn(p, " ");
		p += strspn(p, " ");
	}
	for (i = 0; i < n; i++) {
		size_t len;

		if (s[i] == '}')
			return 0;
		if (s[i] != '{')
			continue;
		for (len = 0; i + 1 + len < n && s[i + 1 + len] != '}' && s[i + 1 + len] != '{';
		     len++)
			;
		if (i + 1 + len >= n || s[i + 1 + len] != '}')
			return 0;
		for (p = names, k = 0; *p != '\0'; k++) {
			size_t w = strcspn(p, " ");

			if (w == len && memcmp(p, s + i + 1, len) == 0)
				break;
			p += w;
			p += strspn(p, " ");
		}
		if (*p == '\0' || (seen & (1u << k)))
			return 0;
		seen |= 1u << k;
		i += len + 1;
	}
	return seen == want;
}
