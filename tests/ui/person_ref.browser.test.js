// The deployment's person_ref rule in the kiosk UI (issue 10, item 6): the
// worker's contact form refuses a name in the browser, with the rule's
// message announced (role alert) and the field marked invalid, and stores
// nothing; the store refuses it too when the page's check is bypassed; the
// configured pattern reaches the page. Run by tests/ui/run.sh.
'use strict';
const {test, describe, before, after} = require('node:test');
const assert = require('node:assert');
const {startHost, dump, launch, axeCheck} = require('./harness.js');

const PIN = '246813';
const NAME = 'Jane Smith DOB 01/02/1950 NHS 943 476 5919';
const DEFAULT_MSG = 'person_ref must be 1\u201316 letters or digits, no spaces: it is a ' +
	'pseudonymous reference, never a name';

async function workerNewContact(page, url) {
	await page.evaluate((u) => location.replace(u), url);
	await page.locator('main h1').first().waitFor();
	await page.getByRole('button', {name: 'Staff'}).click();
	await page.getByLabel('Your worker name').fill('sam');
	await page.getByLabel('PIN').fill(PIN);
	await page.getByRole('button', {name: 'Enter worker mode'}).click();
	await page.locator('main h1', {hasText: 'Follow-ups due'}).waitFor();
	await page.getByRole('button', {name: 'New contact'}).click();
	await page.locator('main h1', {hasText: 'New contact'}).waitFor();
}

describe('kiosk UI: person_ref rule', () => {
	let host, custom, browser, page;

	before(async () => {
		host = await startHost({workers: [{name: 'sam', pin: PIN}]});
		custom = await startHost({workers: [{name: 'sam', pin: PIN}],
			personRefPattern: 'charset=A-Z0-9- min=4 max=10'});
		browser = await launch();
		page = await browser.context.newPage();
	});
	after(async () => {
		await browser.close();
		await host.stop();
		await custom.stop();
	});

	test('a name is refused in the browser, announced, and nothing is stored', async () => {
		await workerNewContact(page, host.url);
		const ref = page.getByLabel('Person reference (not their name)');
		let posts = 0;
		page.on('request', (r) => {
			if (r.method() === 'POST' && r.url().endsWith('/api/worker/contacts'))
				posts++;
		});
		await ref.fill(NAME);
		await page.getByRole('button', {name: 'Save contact'}).click();
		const alert = page.getByRole('alert').filter({hasText: 'person_ref'});
		await alert.waitFor();
		assert.strictEqual((await alert.textContent()).trim(), 'Not saved: ' + DEFAULT_MSG);
		assert.ok(!(await alert.textContent()).includes('Jane'), 'the message never repeats the value');
		assert.strictEqual(await ref.getAttribute('aria-invalid'), 'true');
		assert.ok(await ref.evaluate((e) => e === document.activeElement), 'the field has the focus');
		const described = await ref.evaluate((e) => e.getAttribute('aria-describedby'));
		assert.ok(described.split(' ').includes('contact-error'), 'the field is described by the error');
		await axeCheck(page, 'person-ref-refused');
		// 17 characters and a non-ASCII letter: refused the same way.
		for (const bad of ['ABCDEFGHIJ1234567', 'Zo\u00eb42', 'JB-0142']) {
			await ref.fill(bad);
			await page.getByRole('button', {name: 'Save contact'}).click();
			await page.getByRole('alert').filter({hasText: DEFAULT_MSG}).waitFor();
		}
		assert.strictEqual(posts, 0, 'nothing was sent');
		assert.strictEqual(dump(host).contacts.length, 0);
		// A good one is saved.
		await ref.fill('JB0142');
		await page.getByRole('button', {name: 'Save contact'}).click();
		await page.locator('main h1', {hasText: 'Contacts in this region'}).waitFor();
		const held = dump(host).contacts;
		assert.deepStrictEqual(held.map((c) => c.person_ref), ['JB0142']);
	});

	test('the store refuses a name the page did not check', async () => {
		const got = await page.evaluate((name) => fetch('/api/worker/contacts', {
			method: 'POST', headers: {'Content-Type': 'application/json'},
			body: JSON.stringify({person_ref: name, contact_at: '2026-01-05T10:00:00Z', channel: 'phone'})
		}).then(async (r) => ({status: r.status, body: await r.json()})), NAME);
		assert.strictEqual(got.status, 422);
		assert.strictEqual(got.body.message, DEFAULT_MSG);
		assert.strictEqual(dump(host).contacts.length, 1);
	});

	test('the configured pattern reaches the page', async () => {
		await workerNewContact(page, custom.url);
		const kiosk = await page.evaluate(() => fetch('/api/kiosk').then((r) => r.json()));
		assert.strictEqual(kiosk.person_ref_pattern, 'charset=A-Z0-9- min=4 max=10');
		const ref = page.getByLabel('Person reference (not their name)');
		await ref.fill('jb-1');
		await page.getByRole('button', {name: 'Save contact'}).click();
		await page.getByRole('alert').filter({hasText: 'person_ref must be 4\u201310 capital letters, ' +
			'digits or the character -, no spaces'}).waitFor();
		assert.strictEqual(dump(custom).contacts.length, 0);
		await ref.fill('JB-0142');
		await page.getByRole('button', {name: 'Save contact'}).click();
		await page.locator('main h1', {hasText: 'Contacts in this region'}).waitFor();
		assert.deepStrictEqual(dump(custom).contacts.map((c) => c.person_ref), ['JB-0142']);
	});
});
