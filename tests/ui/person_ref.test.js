// The shared person_ref vectors (tests/vectors/person_ref.json) run through
// the kiosk's JavaScript (agent/ui/www/validate.js): accepted or refused and
// every message must equal what the C core gives (tests/person_ref_test.c).
'use strict';
const test = require('node:test');
const assert = require('node:assert');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..', '..');
const V = require(path.join(root, 'agent', 'ui', 'www', 'validate.js'));
const vectors = JSON.parse(fs.readFileSync(path.join(root, 'tests', 'vectors', 'person_ref.json'), 'utf8'));

test('the default pattern is the vectors default', () => {
	assert.strictEqual(V.PERSON_REF_DEFAULT, vectors.default);
	assert.ok(vectors.patterns.length >= 20 && vectors.values.length >= 15);
});

for (const p of vectors.patterns) {
	test('pattern ' + p.name, () => {
		const got = V.personRefRule(p.pattern);
		assert.strictEqual(got.ok, p.expect.ok);
		assert.strictEqual(got.ok ? got.rule.message : got.message, p.expect.message);
	});
}

for (const c of vectors.values) {
	test('value ' + c.name, () => {
		const pattern = c.pattern === undefined ? vectors.default : c.pattern;
		const rule = V.personRefRule(pattern);
		assert.ok(rule.ok);
		const got = V.checkPersonRef(rule.rule, c.value);
		if (c.ok) {
			assert.deepStrictEqual(got, {ok: true});
		} else {
			const want = vectors.patterns.find((p) => p.pattern === pattern).expect.message;
			assert.deepStrictEqual(got, {ok: false, message: want});
			if (c.value.length > 1)
				assert.ok(!got.message.includes(c.value), 'the message never repeats the value');
		}
	});
}
