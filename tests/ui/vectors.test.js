// The shared answer vectors (tests/vectors/answers.json) run through the
// kiosk's JavaScript (agent/ui/www/validate.js): results, rules, questions
// and messages must equal what the C core gives (tests/questionnaire_test.c);
// the number_text cases hold FsValidate.readNumber to fs_number_from_text.
'use strict';
const test = require('node:test');
const assert = require('node:assert');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..', '..');
const V = require(path.join(root, 'agent', 'ui', 'www', 'validate.js'));
const vectors = JSON.parse(fs.readFileSync(path.join(root, 'tests', 'vectors', 'answers.json'), 'utf8'));

function load(q) {
	if (typeof q !== 'string')
		return q;
	return JSON.parse(fs.readFileSync(path.join(root, 'schema', 'examples', q + '.json'), 'utf8'));
}

test('vectors file holds the cases', () => {
	assert.ok(Array.isArray(vectors) && vectors.length >= 40);
});

for (const c of vectors.filter((v) => v.number_text !== undefined)) {
	test(c.name, () => {
		const got = V.readNumber(c.number_text);
		if (c.expect.ok) {
			assert.deepStrictEqual(got, {ok: true, value: c.expect.value});
			assert.ok(!Object.is(got.value, -0), 'never -0');
		} else {
			assert.deepStrictEqual(got, {ok: false, rule: c.expect.rule, message: c.expect.message});
		}
	});
}

for (const c of vectors.filter((v) => v.number_text === undefined)) {
	test(c.name, () => {
		const doc = load(c.questionnaire);
		const got = V.validateAnswers(doc, c.answers, c.today);
		if (c.expect.ok)
			assert.deepStrictEqual(got, {ok: true});
		else
			assert.deepStrictEqual(got, {ok: false, question: c.expect.question,
				rule: c.expect.rule, message: c.expect.message});
		if (c.shown !== undefined) {
			assert.deepStrictEqual(V.shownQuestions(doc, c.answers), c.shown);
			doc.questions.forEach((q, i) =>
				assert.strictEqual(V.isShown(doc, i, c.answers), c.shown.includes(q.id)));
		}
	});
}

// The shared document vectors (tests/vectors/documents.json): closing, stems
// and ui_strings through FsValidate.checkKioskTexts, with the kiosk's list
// of words (strings.js) — the same results and messages as
// fs_questionnaire_validate.
const S = require(path.join(root, 'agent', 'ui', 'www', 'strings.js')).FsStrings;
const docVectors = JSON.parse(fs.readFileSync(path.join(root, 'tests', 'vectors', 'documents.json'), 'utf8'));
const words = S.questionnaireWords();

test('document vectors: "every kiosk string" names exactly the kiosk\'s list', () => {
	const every = docVectors.find((c) => c.name === 'every kiosk string, each with its placeholders');
	assert.deepStrictEqual(Object.keys(every.document.ui_strings.pl).sort(), S.questionnaireKeys.slice().sort());
	for (const k of S.questionnaireKeys)
		assert.ok(typeof S.text.en[k] === 'string', `English text for ${k}`);
	assert.ok(docVectors.length >= 30);
});

for (const c of docVectors) {
	test('document: ' + c.name, () => {
		const got = V.checkKioskTexts(c.document, words);
		assert.deepStrictEqual(got, c.expect.ok ? {ok: true} : {ok: false, message: c.expect.message});
	});
}
