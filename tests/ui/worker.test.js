// The kiosk's worker screens in Chromium (issue 8, "Outreach workers"):
// the names to tap and the number pad (the keyboard still works, the PIN
// never shown), the worker on a contact is the one logged in (also refused
// server-side), the compact contact form at 800x480 with Save in view and
// required fields marked, the search over contacts, due today marked not
// by colour alone, dates as Day / Month / Year (a US-locale browser too),
// axe at 800x480 and 1920x1080 on every screen. Run by tests/ui/run.sh.
'use strict';
const {test, describe, before, after} = require('node:test');
const assert = require('node:assert');
const {startHost, dump, launch, axeCheck, shots, fillDayMonthYear} = require('./harness.js');

const SAM = '246813', KIM = '975319';

function dayOffset(n) {
	const d = new Date(Date.now() + n * 86400000);
	const p = (x) => String(x).padStart(2, '0');
	return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
}

async function open(page, url) {
	await page.evaluate((u) => location.replace(u), url);
	await page.locator('main h1').first().waitFor();
}

// axe at both sizes the kiosk must work at, and the screenshots.
async function checkScreen(page, name) {
	for (const [w, h] of [[800, 480], [1920, 1080]]) {
		await page.setViewportSize({width: w, height: h});
		await axeCheck(page, `${name} at ${w}x${h}`);
	}
	await page.setViewportSize({width: 800, height: 480});
	await shots(page, name);
}

// In by the keyboard (the screens after the PIN screen are tested apart
// from the pad).
async function keyLogin(page, name, pin) {
	await page.getByRole('button', {name: 'Staff'}).click();
	await page.locator('#w-name').fill(name);
	await page.locator('#w-pin').fill(pin);
	await page.locator('#w-pin').press('Enter');
	await page.locator('main h1', {hasText: 'Follow-ups due'}).waitFor();
}

// A contact through the API as the page sends it (fast set-up).
async function addContact(page, fields) {
	return page.evaluate((f) => fetch('/api/worker/contacts', {method: 'POST',
		headers: {'Content-Type': 'application/json'}, body: JSON.stringify(f)})
		.then((r) => r.json().then((j) => ({status: r.status, body: j}))), fields);
}

describe('kiosk worker screens', () => {
	let host, browser, page;

	before(async () => {
		host = await startHost({workers: [{name: 'sam', pin: SAM}, {name: 'kim', pin: KIM}]});
		browser = await launch();
		page = await browser.context.newPage();
		await page.goto(host.url);
	});

	after(async () => {
		await browser.close();
		await host.stop();
	});

	test('PIN screen: names to tap, a number pad of large keys, the PIN never shown', async () => {
		await open(page, host.url);
		await page.getByRole('button', {name: 'Staff'}).click();
		const names = page.getByRole('group', {name: 'Tap your name'});
		await names.getByRole('button', {name: 'kim', exact: true}).waitFor();
		assert.deepStrictEqual(await names.getByRole('button').allTextContents(), ['kim', 'sam']);
		await checkScreen(page, 'w1-pin-screen');
		await names.getByRole('button', {name: 'kim', exact: true}).click();
		assert.strictEqual(await page.getByLabel('Your worker name').inputValue(), 'kim');
		assert.strictEqual(await names.getByRole('button', {name: 'kim', exact: true}).getAttribute('aria-pressed'), 'true');
		assert.strictEqual(await names.getByRole('button', {name: 'sam', exact: true}).getAttribute('aria-pressed'), 'false');
		const pad = page.getByRole('group', {name: 'Number pad'});
		const keys = await pad.getByRole('button').all();
		assert.strictEqual(keys.length, 12, 'ten digits, delete and OK');
		for (const k of keys) {
			const b = await k.boundingBox();
			assert.ok(b.width >= 48 && b.height >= 48, `key ${await k.textContent()}: ${b.width}x${b.height}`);
		}
		for (const d of '9753199')
			await pad.getByRole('button', {name: d, exact: true}).click();
		await pad.getByRole('button', {name: 'Delete last digit'}).click();
		const pin = page.getByLabel('PIN');
		assert.strictEqual(await pin.getAttribute('type'), 'password', 'the PIN is not echoed');
		assert.strictEqual(await pin.inputValue(), KIM);
		assert.ok(!(await page.locator('main').textContent()).includes(KIM), 'no digit shown as text');
		await pad.getByRole('button', {name: 'OK, enter worker mode'}).click();
		await page.locator('main h1', {hasText: 'Follow-ups due'}).waitFor();
		assert.match(await page.locator('.bar-title').textContent(), /kim/);
		await page.getByRole('button', {name: 'Lock'}).click();
		await page.locator('main h1', {hasText: 'Welcome'}).waitFor();
		// the keyboard still works: type the name and the PIN, Enter
		await page.getByRole('button', {name: 'Staff'}).click();
		await page.getByLabel('Your worker name').fill('sam');
		await page.getByLabel('PIN').focus();
		await page.keyboard.type('000000');
		await page.keyboard.press('Enter');
		await page.getByRole('alert').filter({hasText: 'Wrong name or PIN.'}).waitFor();
		assert.strictEqual(await page.getByLabel('PIN').inputValue(), '', 'cleared after each try');
		await page.getByLabel('PIN').focus();
		await page.keyboard.type(SAM);
		await page.keyboard.press('Enter');
		await page.locator('main h1', {hasText: 'Follow-ups due'}).waitFor();
		await page.getByRole('button', {name: 'Lock'}).click();
		await page.locator('main h1', {hasText: 'Welcome'}).waitFor();
	});

	test('compact contact form at 800x480: Save in view, required marked, the worker the one logged in', async () => {
		await page.setViewportSize({width: 800, height: 480});
		await open(page, host.url);
		await keyLogin(page, 'kim', KIM);
		await page.getByRole('button', {name: 'New contact'}).click();
		await page.locator('#c-person_ref').waitFor();
		const save = page.getByRole('button', {name: 'Save contact'});
		const box = await save.boundingBox();
		assert.ok(box.y >= 0 && box.y + box.height <= 480, `Save at y ${box.y}..${box.y + box.height}`);
		for (const label of ['Person reference', 'Channel']) {
			const l = page.locator('label', {hasText: label});
			assert.match(await l.textContent(), /\(required\)/, `${label} marked required`);
		}
		assert.match(await page.locator('fieldset legend', {hasText: 'When the contact happened'}).textContent(), /\(required\)/);
		assert.strictEqual(await page.locator('#c-person_ref').getAttribute('aria-required'), 'true');
		assert.strictEqual(await page.getByLabel('Worker', {exact: true}).count(), 0, 'no free-text worker field');
		assert.match(await page.locator('main').textContent(), /Recorded by: kim/);
		await checkScreen(page, 'w2-contact-form');
		// scrolled to the end, still in view
		await page.locator('#c-notes').scrollIntoViewIfNeeded();
		const box2 = await save.boundingBox();
		assert.ok(box2.y >= 0 && box2.y + box2.height <= 480, `Save after scrolling at ${box2.y}`);
		await page.locator('#c-person_ref').fill('K1');
		await save.click();
		await page.locator('table.contacts', {hasText: 'K1'}).waitFor();
		assert.strictEqual(dump(host).contacts.find((c) => c.person_ref === 'K1').worker, 'kim');
		// server-side: a page cannot name another worker, on create or update
		const r = await addContact(page, {person_ref: 'K2', contact_at: '2026-11-01T10:00:00Z', channel: 'phone', worker: 'sam'});
		assert.strictEqual(r.status, 422);
		assert.match(r.body.message, /worker/);
		const id = dump(host).contacts.find((c) => c.person_ref === 'K1').id;
		const u = await page.evaluate((i) => fetch('/api/worker/contacts/' + i, {method: 'PUT',
			headers: {'Content-Type': 'application/json'}, body: JSON.stringify({worker: 'sam'})})
			.then((x) => x.status), id);
		assert.strictEqual(u, 422);
		assert.strictEqual(dump(host).contacts.find((c) => c.person_ref === 'K1').worker, 'kim');
		// an update by another worker keeps the contact's worker
		await page.getByRole('button', {name: 'Lock'}).click();
		await page.locator('main h1', {hasText: 'Welcome'}).waitFor();
		await keyLogin(page, 'sam', SAM);
		await page.getByRole('button', {name: 'Contacts'}).click();
		await page.getByRole('button', {name: 'Edit contact K1'}).click();
		await page.getByText('Recorded by: kim').waitFor(); // the contact's, not the one logged in
		await page.locator('#c-notes').fill('seen by sam');
		await page.getByRole('button', {name: 'Save contact'}).click();
		await page.locator('main h1', {hasText: 'Contacts in this region'}).waitFor();
		const k1 = dump(host).contacts.find((c) => c.person_ref === 'K1');
		assert.strictEqual(k1.worker, 'kim');
		assert.strictEqual(k1.notes, 'seen by sam');
		await page.getByRole('button', {name: 'Lock'}).click();
		await page.locator('main h1', {hasText: 'Welcome'}).waitFor();
	});

	test('dates as Day / Month / Year, one format, in a US-locale browser too', async () => {
		const us = await launch({locale: 'en-US'});
		const p = await us.context.newPage();
		try {
			await p.goto(host.url);
			await keyLogin(p, 'sam', SAM);
			await p.getByRole('button', {name: 'New contact'}).click();
			assert.strictEqual(await p.locator('input[type="date"], input[type="datetime-local"], input[type="time"]').count(), 0,
				'no browser date controls');
			for (const part of ['Day', 'Month', 'Year'])
				assert.strictEqual(await p.locator('#c-follow_up_date-set').getByLabel(part, {exact: true}).count(), 1);
			await p.locator('#c-person_ref').fill('D1');
			await fillDayMonthYear(p, 'c-follow_up_date', '2026-02-31');
			await p.getByRole('button', {name: 'Save contact'}).click();
			const err = p.getByRole('alert').filter({hasText: 'Follow-up date: That is not a real date: February 2026 has 28 days.'});
			await err.waitFor();
			assert.strictEqual(await p.locator('#c-follow_up_date').getAttribute('aria-invalid'), 'true');
			assert.strictEqual(dump(host).contacts.filter((c) => c.person_ref === 'D1').length, 0, 'nothing sent');
			await fillDayMonthYear(p, 'c-contact_at', '2026-03-27');
			await p.locator('#c-contact_time').fill('14:30');
			await fillDayMonthYear(p, 'c-follow_up_date', '2026-04-05');
			await p.getByRole('button', {name: 'Save contact'}).click();
			await p.locator('table.contacts', {hasText: 'D1'}).waitFor();
			const d1 = dump(host).contacts.find((c) => c.person_ref === 'D1');
			assert.strictEqual(d1.follow_up_date, '2026-04-05');
			const local = new Date(d1.contact_at);
			assert.deepStrictEqual([local.getFullYear(), local.getMonth() + 1, local.getDate(), local.getHours(), local.getMinutes()],
				[2026, 3, 27, 14, 30]);
			const row = p.locator('table.contacts tr', {hasText: 'D1'});
			assert.match(await row.textContent(), /27 March 2026, 14:30/);
			assert.match(await row.textContent(), /5 April 2026/);
			assert.doesNotMatch(await p.locator('table.contacts').textContent(), /\d{1,2}\/\d{1,2}\/\d{4}/, 'no mm/dd/yyyy');
			// the edit form shows the stored dates in the same fields
			await p.getByRole('button', {name: 'Edit contact D1'}).click();
			assert.strictEqual(await p.locator('#c-follow_up_date').inputValue(), '5');
			assert.strictEqual(await p.locator('#c-follow_up_date-month').inputValue(), '4');
			assert.strictEqual(await p.locator('#c-follow_up_date-year').inputValue(), '2026');
			assert.strictEqual(await p.locator('#c-contact_time').inputValue(), '14:30');
			await p.getByRole('button', {name: 'Lock'}).click();
		} finally {
			await us.close();
		}
	});

	test('search over contacts, due today and overdue marked in words', async () => {
		await page.setViewportSize({width: 800, height: 480});
		await open(page, host.url);
		await keyLogin(page, 'sam', SAM);
		const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
		for (const [ref, topics, due] of [['ST1', ['housing'], dayOffset(0)], ['ST2', ['debt'], dayOffset(-3)],
			['ST3', ['food'], dayOffset(5)], ['ST4', ['fuel'], null]])
			assert.strictEqual((await addContact(page, {person_ref: ref, contact_at: now, channel: 'phone', topics,
				follow_up_date: due})).status, 201);
		await page.getByRole('button', {name: 'Follow-ups due'}).click();
		const today = page.locator('table.contacts tr', {hasText: 'ST1'});
		await today.waitFor();
		assert.match(await today.textContent(), /Due today/);
		assert.strictEqual(await today.getAttribute('class'), 'due-today');
		const late = page.locator('table.contacts tr', {hasText: 'ST2'});
		assert.match(await late.textContent(), /Overdue/);
		assert.strictEqual(await page.locator('table.contacts tr', {hasText: 'ST3'}).count(), 0);
		await checkScreen(page, 'w3-followups');
		await page.getByRole('button', {name: 'Contacts'}).click();
		const search = page.getByRole('searchbox', {name: 'Search contacts'});
		await search.waitFor();
		assert.match(await page.locator('table.contacts tr', {hasText: 'ST1'}).textContent(), /Due today/);
		assert.doesNotMatch(await page.locator('table.contacts tr', {hasText: 'ST3'}).textContent(), /Due today|Overdue/);
		const all = await page.locator('table.contacts tbody tr').count();
		await search.fill('debt');
		await page.getByRole('status').filter({hasText: `1 of ${all} contacts match.`}).waitFor();
		assert.deepStrictEqual((await page.locator('table.contacts tbody th').allTextContents()), ['ST2']);
		await search.fill('st phone');
		await page.getByRole('status').filter({hasText: `4 of ${all} contacts match.`}).waitFor();
		await search.fill('nothing-like-this');
		await page.getByText('No contact matches the search.').waitFor();
		await search.fill('');
		assert.strictEqual(await page.locator('table.contacts tbody tr').count(), all);
		await checkScreen(page, 'w4-contacts-search');
		await page.getByRole('button', {name: 'Lock'}).click();
		await page.locator('main h1', {hasText: 'Welcome'}).waitFor();
	});
});
