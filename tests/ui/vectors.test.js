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
