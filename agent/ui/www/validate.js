/* fieldsync kiosk: condition evaluation and answer validation, the
 * JavaScript twin of core/src/questionnaire.c (fs_question_is_shown,
 * fs_answers_validate), core/src/number_text.c (readNumber:
 * fs_number_from_text) and core/src/person_ref.c (personRefRule,
 * checkPersonRef: tests/vectors/person_ref.json). The rules and messages are
 * docs/questionnaire-format.md; tests/vectors/answers.json holds the cases
 * both must pass (tests/ui/vectors.test.js runs them here).
 *
 * Loads in the browser (window.FsValidate) and in node (module.exports).
 * The document passed in must be valid (the hub and the kiosk's store only
 * hold valid ones). Messages name the question and the rule, never an
 * answer. */
(function (root, factory) {
	'use strict';
	if (typeof module === 'object' && module.exports)
		module.exports = factory();
	else
		root.FsValidate = factory();
})(typeof self !== 'undefined' ? self : this, function () {
	'use strict';

	var DEFAULT_MAX_LENGTH = 2000;
	var QUESTION_ID = /^[a-z][a-z0-9_]{0,63}$/;
	var has = Object.prototype.hasOwnProperty;

	function isObject(v) {
		return v !== null && typeof v === 'object' && !Array.isArray(v);
	}

	/* The answer given to id: undefined when absent (null is an answer). */
	function answerOf(answers, id) {
		return isObject(answers) && has.call(answers, id) ? answers[id] : undefined;
	}

	/* Strings byte for byte, numbers by value, booleans; different JSON
	 * types are never equal. */
	function sameValue(a, b) {
		var t = typeof a;
		if (t !== typeof b || (t !== 'number' && t !== 'string' && t !== 'boolean'))
			return false;
		return a === b;
	}

	/* ctx: {index: id -> question index among those visited, shown: [],
	 * value: []}. A comparison naming a skipped question is false. */
	function evaluate(ctx, cond) {
		var op = null, arg, i, j, ans;
		for (var key in cond) {
			if (has.call(cond, key) && key !== 'question') {
				op = key;
				arg = cond[key];
			}
		}
		if (op === null)
			return false;
		if (!has.call(cond, 'question')) {
			if (op === 'not')
				return !evaluate(ctx, arg);
			if (op === 'all') {
				for (i = 0; i < arg.length; i++)
					if (!evaluate(ctx, arg[i]))
						return false;
				return true;
			}
			for (i = 0; i < arg.length; i++) /* any */
				if (evaluate(ctx, arg[i]))
					return true;
			return false;
		}
		j = has.call(ctx.index, cond.question) ? ctx.index[cond.question] : -1;
		if (j < 0 || !ctx.shown[j])
			return false;
		ans = ctx.value[j] === null ? undefined : ctx.value[j]; /* null: not answered */
		if (op === 'answered')
			return (ans !== undefined) === (arg === true);
		if (ans === undefined)
			return false;
		switch (op) {
		case 'equals':
			return sameValue(ans, arg);
		case 'gte':
			return typeof ans === 'number' && ans >= arg;
		case 'lte':
			return typeof ans === 'number' && ans <= arg;
		case 'in':
			for (i = 0; i < arg.length; i++)
				if (sameValue(ans, arg[i]))
					return true;
			return false;
		case 'includes':
			if (!Array.isArray(ans))
				return false;
			for (i = 0; i < ans.length; i++)
				if (sameValue(ans[i], arg))
					return true;
			return false;
		default:
			return false;
		}
	}

	/* Visit questions in order, recording each one's answer and whether it
	 * is shown; fn(i, q, ctx) may return a value to stop early. */
	function walk(doc, answers, fn) {
		var qs = doc.questions, ctx = {index: Object.create(null), shown: [], value: []};
		for (var i = 0; i < qs.length; i++) {
			var q = qs[i];
			ctx.value[i] = answerOf(answers, q.id);
			ctx.shown[i] = q.show_if === undefined || evaluate(ctx, q.show_if);
			ctx.index[q.id] = i;
			var r = fn(i, q, ctx);
			if (r !== undefined)
				return r;
		}
		return undefined;
	}

	/* The ids of the questions shown given the answers so far, in order. */
	function shownQuestions(doc, answers) {
		var out = [];
		walk(doc, answers, function (i, q, ctx) {
			if (ctx.shown[i])
				out.push(q.id);
		});
		return out;
	}

	/* Is question index i of doc shown? */
	function isShown(doc, i, answers) {
		return walk(doc, answers, function (k, q, ctx) {
			if (k === i)
				return ctx.shown[k];
		}) === true;
	}

	function fault(question, rule, text) {
		return {
			ok: false,
			question: question === null ? '' : question,
			rule: rule,
			message: question === null ? 'answers: ' + text : 'question "' + question + '": ' + text
		};
	}

	function isWhole(x) {
		return Number.isInteger(x);
	}

	/* Real calendar date YYYY-MM-DD, years 0001-9999, Gregorian. */
	function dateIsValid(s) {
		var m = /^([0-9]{4})-([0-9]{2})-([0-9]{2})$/.exec(s);
		if (m === null)
			return false;
		var y = +m[1], mo = +m[2], d = +m[3];
		if (y < 1 || mo < 1 || mo > 12 || d < 1)
			return false;
		var leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
		var days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][mo - 1];
		return d <= days;
	}

	function checkRange(q, v, id) {
		if (q.min !== undefined && v < q.min)
			return fault(id, 'min', 'must be at least ' + String(q.min));
		if (q.max !== undefined && v > q.max)
			return fault(id, 'max', 'must be at most ' + String(q.max));
		return null;
	}

	function optionIndex(q, s) {
		for (var i = 0; i < q.options.length; i++)
			if (q.options[i].value === s)
				return i;
		return -1;
	}

	function checkMulti(q, v, id) {
		if (!Array.isArray(v))
			return fault(id, 'type', 'must be a list of option values');
		if (v.length === 0)
			return fault(id, 'empty', 'must include at least one option');
		var chosen = [];
		for (var i = 0; i < v.length; i++) {
			if (typeof v[i] !== 'string')
				return fault(id, 'type', 'must be a list of option values');
			var o = optionIndex(q, v[i]);
			if (o < 0)
				return fault(id, 'option', 'includes a value that is not one of its options');
			if (chosen[o])
				return fault(id, 'duplicate', 'includes the same option more than once');
			chosen[o] = true;
		}
		if (q.min !== undefined && v.length < q.min)
			return fault(id, 'min', 'must include at least ' + q.min + ' option' +
				(q.min === 1 ? '' : 's'));
		if (q.max !== undefined && v.length > q.max)
			return fault(id, 'max', 'must include at most ' + q.max + ' option' +
				(q.max === 1 ? '' : 's'));
		return null;
	}

	function checkText(q, v, id) {
		var max = q.max_length !== undefined ? q.max_length : DEFAULT_MAX_LENGTH;
		if (typeof v !== 'string')
			return fault(id, 'type', 'must be a string');
		var t = v.trim();
		if (t === '')
			return fault(id, 'empty', 'must not be empty');
		if (t !== v)
			return fault(id, 'not_trimmed', 'must not start or end with white space');
		if (v.length > max && Array.from(v).length > max)
			return fault(id, 'max_length', 'must be at most ' + max + ' characters');
		return null;
	}

	function checkDate(q, v, today, id) {
		if (typeof v !== 'string')
			return fault(id, 'type', 'must be a date written YYYY-MM-DD');
		if (!dateIsValid(v))
			return fault(id, 'date', 'must be a real calendar date written YYYY-MM-DD');
		if (q.min !== undefined && v < (q.min === 'today' ? today : q.min))
			return fault(id, 'min', 'must not be earlier than ' + q.min);
		if (q.max !== undefined && v > (q.max === 'today' ? today : q.max))
			return fault(id, 'max', 'must not be later than ' + q.max);
		return null;
	}

	/* The answer v given to shown question q, or null when it is fine. */
	function checkAnswer(q, v, today) {
		var id = q.id;
		switch (q.type) {
		case 'single_choice':
			if (typeof v !== 'string')
				return fault(id, 'type', 'must be an option value');
			if (optionIndex(q, v) < 0)
				return fault(id, 'option', 'is not one of its options');
			return null;
		case 'multi_choice':
			return checkMulti(q, v, id);
		case 'text':
			return checkText(q, v, id);
		case 'number':
			if (typeof v !== 'number')
				return fault(id, 'type', 'must be a number');
			if (q.integer === true && !isWhole(v))
				return fault(id, 'integer', 'must be a whole number');
			return checkRange(q, v, id);
		case 'scale':
			if (typeof v !== 'number')
				return fault(id, 'type', 'must be a number');
			if (!isWhole(v))
				return fault(id, 'integer', 'must be a whole number');
			return checkRange(q, v, id);
		case 'date':
			return checkDate(q, v, today, id);
		default: /* yes_no, consent */
			if (typeof v !== 'boolean')
				return fault(id, 'type', 'must be true or false');
			if (q.type === 'consent' && v === false && q.required === true)
				return fault(id, 'consent_declined',
					'consent was not given, so nothing may be stored');
			return null;
		}
	}

	/* One question's own checks, as the page runs them before "next":
	 * the question (shown) with answer v (undefined: none given). */
	function validateQuestion(q, v, today) {
		if (q.type === 'info')
			return {ok: true};
		if (v === undefined)
			return q.required === true ? fault(q.id, 'required', 'is required') : {ok: true};
		return checkAnswer(q, v, today) || {ok: true};
	}

	/* The whole answers object against doc; today is "YYYY-MM-DD".
	 * Returns {ok: true} or {ok: false, question, rule, message}. */
	function validateAnswers(doc, answers, today) {
		if (!isObject(answers))
			return fault(null, 'type', 'must be a JSON object');
		var given = 0;
		var r = walk(doc, answers, function (i, q, ctx) {
			var v = ctx.value[i];
			if (v === undefined) {
				if (ctx.shown[i] && q.type !== 'info' && q.required === true)
					return fault(q.id, 'required', 'is required');
				return undefined;
			}
			given++;
			if (q.type === 'info')
				return fault(q.id, 'not_shown', 'is information only and takes no answer');
			if (!ctx.shown[i])
				return fault(q.id, 'not_shown', 'is not shown, so it takes no answer');
			return checkAnswer(q, v, today) || undefined;
		});
		if (r !== undefined)
			return r;
		var keys = Object.keys(answers);
		if (given === keys.length)
			return {ok: true};
		var ids = Object.create(null), first = null;
		doc.questions.forEach(function (q) { ids[q.id] = true; });
		keys.forEach(function (k) {
			if (!QUESTION_ID.test(k) || ids[k])
				return;
			if (first === null || k < first) /* ASCII: UTF-16 order is byte order */
				first = k;
		});
		if (first === null)
			return fault(null, 'unknown', 'has a key that is not a question of this questionnaire');
		var f = fault(null, 'unknown', '"' + first + '" is not a question of this questionnaire');
		f.question = first;
		return f;
	}

	/* A number as a person types it: the twin of core's
	 * fs_number_from_text (fieldsync/number_text.h), same rule, rules and
	 * messages. Returns {ok: true, value} or {ok: false, rule, message};
	 * text that could mean two numbers ("1,000") is refused, never guessed. */
	var MAX_DIGITS = 15;
	var POW10 = [1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];
	var NUMBER_MESSAGES = {
		type: 'must be a number written with digits, such as 12 or 2.5',
		grouping: 'must be written without digit grouping (1000, not 1,000 or 1 000)',
		digits: 'must have at most ' + MAX_DIGITS + ' digits'
	};
	var DIGIT = 0, POINT = 1, COMMA = 2, GROUP = 3, SIGN = 4, SPACE = 5, OTHER = 6;

	function classify(cp) {
		if (cp >= 0x30 && cp <= 0x39)
			return [DIGIT, cp - 0x30];
		if (cp >= 0x0660 && cp <= 0x0669) /* Arabic-Indic */
			return [DIGIT, cp - 0x0660];
		if (cp >= 0x06F0 && cp <= 0x06F9) /* Extended (Persian, Urdu) */
			return [DIGIT, cp - 0x06F0];
		switch (cp) {
		case 0x2E: case 0x066B: return [POINT];
		case 0x2C: return [COMMA];
		case 0x066C: case 0x27: case 0x2019: return [GROUP];
		case 0x2D: case 0x2B: case 0x2212: return [SIGN];
		case 0x20: case 0x09: case 0x0A: case 0x0D: case 0xA0: case 0x2009: case 0x202F:
			return [SPACE];
		default: return [OTHER];
		}
	}

	function readNumber(text) {
		function refuse(rule) {
			return {ok: false, rule: rule, message: NUMBER_MESSAGES[rule]};
		}
		if (typeof text !== 'string')
			return refuse('type');
		var negative = false, stray = false, space = false;
		var points = 0, commas = 0, groups = 0;
		var digits = 0, beforeComma = 0, afterSep = 0, last = -1, mantissa = 0;
		for (var i = 0; i < text.length; i++) {
			var cp = text.codePointAt(i);
			if (cp > 0xFFFF)
				i++;
			else if (cp >= 0xD800 && cp <= 0xDFFF)
				return refuse('type'); /* a lone surrogate: not UTF-8 in C */
			var k = classify(cp), c = k[0];
			if (c === SPACE) {
				space = last !== -1;
				continue;
			}
			if (space) {
				if (c === DIGIT && last === DIGIT)
					groups++;
				else
					stray = true;
				space = false;
			}
			switch (c) {
			case SIGN:
				if (last !== -1)
					stray = true;
				negative = cp !== 0x2B;
				break;
			case DIGIT:
				if (digits < MAX_DIGITS)
					mantissa = mantissa * 10 + k[1];
				digits++;
				afterSep++;
				break;
			case POINT:
				points++;
				afterSep = 0;
				break;
			case COMMA:
				if (points)
					stray = true;
				commas++;
				beforeComma = digits;
				afterSep = 0;
				break;
			case GROUP:
				if (last !== DIGIT)
					stray = true;
				groups++;
				break;
			default:
				stray = true;
			}
			last = c;
		}
		if (stray || digits === 0 || points > 1)
			return refuse('type');
		if (groups || commas > 1 || (commas === 1 && points === 1))
			return refuse('grouping');
		if (last !== DIGIT)
			return refuse('type');
		if (commas === 1 && afterSep === 3 && beforeComma > 0)
			return refuse('grouping');
		if (digits > MAX_DIGITS)
			return refuse('digits');
		var v = mantissa / POW10[points || commas ? afterSep : 0];
		return {ok: true, value: negative && v !== 0 ? -v : v};
	}

	/* Text of a questionnaire text object in lang, else the default. */
	function text(doc, t, lang) {
		if (t === undefined || t === null)
			return '';
		if (has.call(t, lang))
			return t[lang];
		return t[doc.languages[0]];
	}

	/* ---- the kiosk's texts of a document: the twin of the closing,
	 * stems and ui_strings checks of core/src/questionnaire_doc.c, same
	 * order and messages (tests/vectors/documents.json). The rest of the
	 * document must be valid. words: {name: [placeholder, ...]}, the
	 * kiosk's words a questionnaire may carry (FsStrings.questionnaireWords()). */
	var MAX_TEXT_CHARS = 10000, MAX_UI_STRING_CHARS = 500, MAX_STEMS = 100, MAX_QUESTIONS = 500;
	var QUOTE_MAX = 64;

	/* A schema value as C quotes it: JSON-escaped, cut after 64 bytes. */
	function quote(str) {
		var bytes = new TextEncoder().encode(str), cut = bytes.length, out = '"';
		if (cut > QUOTE_MAX) {
			cut = QUOTE_MAX;
			while (cut > 0 && (bytes[cut] & 0xc0) === 0x80)
				cut--;
		}
		var s = new TextDecoder().decode(bytes.subarray(0, cut));
		for (var i = 0; i < s.length; i++) {
			var c = s.charCodeAt(i);
			if (s[i] === '"' || s[i] === '\\')
				out += '\\' + s[i];
			else if (s[i] === '\n')
				out += '\\n';
			else if (s[i] === '\r')
				out += '\\r';
			else if (s[i] === '\t')
				out += '\\t';
			else if (c < 0x20 || c === 0x7f)
				out += '\\u' + ('000' + c.toString(16)).slice(-4);
			else
				out += s[i];
		}
		return out + (cut < bytes.length ? '..."' : '"');
	}

	function pathKey(path, key) {
		if (/^[A-Za-z0-9_-]{1,64}$/.test(key))
			return path + (path ? '.' : '') + key;
		return path + '[' + quote(key) + ']';
	}

	function docFault(path, text) {
		return {ok: false, message: (path || 'document') + ': ' + text};
	}

	/* A text of the document (C's check_text): the path points at it. */
	function checkDocText(doc, t, path) {
		if (!isObject(t))
			return docFault(path, 'must be an object from language tag to text');
		if (!has.call(t, doc.languages[0]))
			return docFault(path, 'has no text in the default language ' + quote(doc.languages[0]));
		for (var k in t) {
			if (!has.call(t, k))
				continue;
			var p = pathKey(path, k), v = t[k];
			if (doc.languages.indexOf(k) < 0)
				return docFault(p, 'is not one of the languages');
			if (typeof v !== 'string' || v.trim() === '')
				return docFault(p, 'must be a non-empty string');
			if (v.length > MAX_TEXT_CHARS && Array.from(v).length > MAX_TEXT_CHARS)
				return docFault(p, 'must be at most ' + MAX_TEXT_CHARS + ' characters');
		}
		return null;
	}

	function checkStems(doc) {
		var stems = doc.stems;
		if (stems === undefined)
			return null;
		if (!Array.isArray(stems) || stems.length < 1 || stems.length > MAX_STEMS)
			return docFault('stems', 'must be an array of 1 to ' + MAX_STEMS + ' stems');
		var ids = doc.questions.map(function (q) { return q.id; }), seen = Object.create(null);
		for (var i = 0; i < stems.length; i++) {
			var st = stems[i], p = 'stems[' + i + ']', k, r;
			if (!isObject(st))
				return docFault(p, 'must be an object');
			for (k in st)
				if (has.call(st, k) && k !== 'text' && k !== 'questions')
					return docFault(pathKey(p, k), 'unknown key');
			if (st.text === undefined)
				return docFault(p + '.text', 'is required');
			if ((r = checkDocText(doc, st.text, p + '.text')))
				return r;
			var qs = st.questions, pq = p + '.questions';
			if (qs === undefined)
				return docFault(pq, 'is required');
			if (!Array.isArray(qs) || qs.length < 1 || qs.length > MAX_QUESTIONS)
				return docFault(pq, 'must be an array of 1 to ' + MAX_QUESTIONS + ' question ids');
			for (var j = 0; j < qs.length; j++) {
				var pj = pq + '[' + j + ']';
				if (typeof qs[j] !== 'string')
					return docFault(pj, 'must be a string');
				if (ids.indexOf(qs[j]) < 0)
					return docFault(pj, quote(qs[j]) + ' is not a question in this questionnaire');
				if (has.call(seen, qs[j]))
					return docFault(pj, quote(qs[j]) + ' already has a stem (' + seen[qs[j]] + ')');
				seen[qs[j]] = 'stems[' + i + '].questions[' + j + ']';
			}
		}
		return null;
	}

	/* Each {name} of names exactly once, and no other brace. */
	function placeholdersOk(s, names) {
		var seen = {}, count = 0, re = /\{([^{}]*)\}/g, m;
		var rest = s.replace(re, function (all, name) {
			if (names.indexOf(name) < 0 || seen[name])
				count = -Infinity;
			seen[name] = true;
			count++;
			return '';
		});
		return rest.indexOf('{') < 0 && rest.indexOf('}') < 0 && count === names.length;
	}

	function listPlaceholders(names) {
		return names.map(function (n, i) {
			return (i === 0 ? '' : i + 1 === names.length ? ' and ' : ', ') + '{' + n + '}';
		}).join('');
	}

	function checkUiStrings(doc, words) {
		var all = doc.ui_strings;
		if (all === undefined)
			return null;
		if (!isObject(all))
			return docFault('ui_strings', 'must be an object from language tag to the kiosk\'s words');
		for (var lang in all) {
			if (!has.call(all, lang))
				continue;
			var p = pathKey('ui_strings', lang), tab = all[lang];
			if (doc.languages.indexOf(lang) < 0)
				return docFault(p, 'is not one of the languages');
			if (!isObject(tab))
				return docFault(p, 'must be an object from name to text');
			for (var key in tab) {
				if (!has.call(tab, key))
					continue;
				var pk = pathKey(p, key), v = tab[key];
				if (!has.call(words, key))
					return docFault(pk, 'is not one of the kiosk\'s words');
				if (typeof v !== 'string' || v.trim() === '')
					return docFault(pk, 'must be a non-empty string');
				if (v.length > MAX_UI_STRING_CHARS && Array.from(v).length > MAX_UI_STRING_CHARS)
					return docFault(pk, 'must be at most ' + MAX_UI_STRING_CHARS + ' characters');
				if (!placeholdersOk(v, words[key]))
					return docFault(pk, words[key].length === 0 ? 'must not contain { or }'
						: 'must contain ' + listPlaceholders(words[key]) +
							' once each and no other { or }');
			}
		}
		return null;
	}

	/* closing, stems and ui_strings of doc: {ok: true} or {ok: false,
	 * message}, the message exactly core's. */
	function checkKioskTexts(doc, words) {
		return (doc.closing !== undefined && checkDocText(doc, doc.closing, 'closing')) ||
			checkStems(doc) || checkUiStrings(doc, words) || {ok: true};
	}

	/* ---- person_ref: the twin of core/src/person_ref.c ----
	 * The deployment's pattern (agent.json "person_ref_pattern", given to
	 * the page by GET /api/kiosk): "charset=SPEC min=N max=N", items
	 * separated by spaces; SPEC is printable ASCII without space, single
	 * characters and ranges X-Y, "-" of its own first or last. Messages
	 * are built by the same steps as in C; tests/vectors/person_ref.json
	 * holds both to them. */
	var PERSON_REF_DEFAULT = 'charset=A-Za-z0-9 min=1 max=16';
	var PERSON_REF_LEN_MAX = 64;

	function printable(code) {
		return code >= 0x21 && code <= 0x7e;
	}

	function patternError(text) {
		return {ok: false, message: 'person_ref pattern: ' + text};
	}

	function readBound(s) {
		if (!/^[1-9][0-9]?$/.test(s))
			return -1;
		var v = Number(s);
		return v <= PERSON_REF_LEN_MAX ? v : -1;
	}

	function readCharset(allowed, s) {
		var i = 0, n = s.length;
		var notPrintable = "charset= takes printable ASCII characters only";
		if (n === 0)
			return 'charset= needs characters';
		while (i < n) {
			var a = s.charCodeAt(i);
			if (!printable(a))
				return notPrintable;
			if (i + 2 < n && s[i + 1] === '-' && s[i] !== '-') {
				var b = s.charCodeAt(i + 2);
				if (!printable(b))
					return notPrintable;
				if (b < a)
					return 'charset= range ' + s[i] + '-' + s[i + 2] + ' is backwards';
				for (; a <= b; a++)
					allowed[a] = true;
				i += 3;
				continue;
			}
			if (s[i] === '-' && i !== 0 && i !== n - 1)
				return 'charset= takes "-" of its own only first or last';
			allowed[a] = true;
			i++;
		}
		return null;
	}

	function fullRange(allowed, from, to) {
		for (var c = from.charCodeAt(0); c <= to.charCodeAt(0); c++)
			if (!allowed[c])
				return false;
		return true;
	}

	function describe(allowed) {
		var upper = fullRange(allowed, 'A', 'Z'), lower = fullRange(allowed, 'a', 'z');
		var digit = fullRange(allowed, '0', '9');
		var words = [], chars = '', runs = 0, c;
		if (upper && lower)
			words.push('letters');
		else if (upper)
			words.push('capital letters');
		else if (lower)
			words.push('small letters');
		if (digit)
			words.push('digits');
		function rest(code) {
			var ch = String.fromCharCode(code);
			if ((upper && ch >= 'A' && ch <= 'Z') || (lower && ch >= 'a' && ch <= 'z') ||
				(digit && ch >= '0' && ch <= '9'))
				return false;
			return allowed[code] === true;
		}
		for (c = 0x21; c <= 0x7e; c++) {
			if (!rest(c))
				continue;
			var end = c;
			while (end + 1 <= 0x7e && rest(end + 1))
				end++;
			var sep = runs ? ' ' : '';
			if (end - c >= 2)
				chars += sep + String.fromCharCode(c) + '-' + String.fromCharCode(end), runs += 2;
			else if (end > c)
				chars += sep + String.fromCharCode(c) + ' ' + String.fromCharCode(end), runs += 2;
			else
				chars += sep + String.fromCharCode(c), runs += 1;
			c = end;
		}
		if (runs > 0)
			words.push((runs === 1 ? 'the character ' : 'the characters ') + chars);
		return words.map(function (w, i) {
			return (i === 0 ? '' : i + 1 === words.length ? ' or ' : ', ') + w;
		}).join('');
	}

	/* The rule of a pattern: {ok: true, rule: {allowed, min, max, message}}
	 * or {ok: false, message} naming the item (as fs_person_ref_rule_parse). */
	function personRefRule(pattern) {
		var rule = {allowed: {}, min: 1, max: 16, message: ''};
		var have = {charset: 0, min: 0, max: 0};
		/* Bytes, as C counts them. */
		if (typeof pattern !== 'string' || new TextEncoder().encode(pattern).length > 200)
			return patternError('longer than 200 bytes');
		var items = pattern.split(' ').filter(function (x) { return x !== ''; });
		for (var k = 0; k < items.length; k++) {
			var item = items[k], eq = item.indexOf('=');
			var key = eq < 0 ? item : item.slice(0, eq), val = item.slice(eq + 1);
			if (eq >= 0 && key === 'charset') {
				if (have.charset++)
					return patternError('charset= given twice');
				var bad = readCharset(rule.allowed, val);
				if (bad)
					return patternError(bad);
			} else if (eq >= 0 && (key === 'min' || key === 'max')) {
				if (have[key]++)
					return patternError(key + '= given twice');
				var v = readBound(val);
				if (v < 0)
					return patternError(key + '= must be a whole number from 1 to ' + PERSON_REF_LEN_MAX);
				rule[key] = v;
			} else {
				var shown = item.slice(0, 40);
				for (var j = 0; j < shown.length; j++)
					if (!printable(shown.charCodeAt(j)))
						return patternError('only printable ASCII items separated by spaces');
				return patternError('unknown item "' + shown + '" (items are charset=, min= and max=)');
			}
		}
		if (!have.charset)
			return patternError('charset= is required');
		if (rule.min > rule.max)
			return patternError('min=' + rule.min + ' is above max=' + rule.max);
		var count = rule.min === rule.max ? String(rule.min) : rule.min + '\u2013' + rule.max;
		rule.message = 'person_ref must be ' + count + ' ' + describe(rule.allowed) +
			', no spaces: it is a pseudonymous reference, never a name';
		return {ok: true, rule: rule};
	}

	/* Does value follow rule? {ok: true} or {ok: false, message}; the
	 * message never repeats the value. */
	function checkPersonRef(rule, value) {
		var refused = {ok: false, message: rule.message};
		if (typeof value !== 'string' || value.length < rule.min || value.length > rule.max)
			return refused;
		for (var i = 0; i < value.length; i++)
			if (rule.allowed[value.charCodeAt(i)] !== true)
				return refused;
		return {ok: true};
	}

	return {
		validateAnswers: validateAnswers,
		validateQuestion: validateQuestion,
		shownQuestions: shownQuestions,
		isShown: isShown,
		dateIsValid: dateIsValid,
		readNumber: readNumber,
		text: text,
		checkKioskTexts: checkKioskTexts,
		PERSON_REF_DEFAULT: PERSON_REF_DEFAULT,
		personRefRule: personRefRule,
		checkPersonRef: checkPersonRef
	};
});
