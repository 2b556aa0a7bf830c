// The console's Contacts and follow-ups page in Chromium (issue 11,
// "Contacts and follow-ups"): contacts recorded with real agents at kiosks
// of regions north and south reach the hub by sync. An admin sees the
// counts per region and lists the overdue and due-today contacts (marked
// in words), opens one, changes its notes and closes it: a second kiosk
// of north receives the edit at its next sync, the south kiosk nothing;
// the list, the view and the edit are in the audit trail without the notes
// or a person's reference, and nothing of a contact is in the hub's log.
// An analyst of south sees only south and gets 404 for north's contact and
// region through the API (403 for the edit), and an API token is refused
// (401: contacts take a session); a viewer sees only the
// counts, small ones suppressed, and no list (403 through the API). axe-core
// at 1280x800 and 390x844 on each. Run by tests/ui/run.sh with HUB_BIN and
// AGENT_BIN.
'use strict';
const {test, describe, before, after} = require('node:test');
const assert = require('node:assert');
const fs = require('node:fs');
const path = require('node:path');
const {execFileSync} = require('node:child_process');
const {startHub, hubCmd, enrollKiosk, launch, newPage, login, logout, openPage, checkPage, request, stopAll} =
	require('./console_harness.js');

const AGENT_BIN = process.env.AGENT_BIN;
const PW = {admin: 'admin password 1', north: 'analyst password 1', south: 'analyst password 2',
	viewer: 'viewer password 1'};

function agent(kiosk, args) {
	return execFileSync(AGENT_BIN, [args[0], '--data', kiosk.dir, ...args.slice(1)],
		{stdio: ['ignore', 'pipe', 'pipe']}).toString();
}

let seq = 0;
function addContact(kiosk, fields) {
	const file = path.join(kiosk.dir, `c${++seq}.json`);
	fs.writeFileSync(file, JSON.stringify(Object.assign({contact_at: '2026-11-20T10:00:00Z',
		channel: 'phone', worker: 'w-amy'}, fields)));
	return agent(kiosk, ['contact', 'add', file]).trim();
}

// A date d days from today, in this machine's zone (the browser's too).
function day(d) {
	const t = new Date();
	t.setDate(t.getDate() + d);
	const p = (n) => String(n).padStart(2, '0');
	return `${t.getFullYear()}-${p(t.getMonth() + 1)}-${p(t.getDate())}`;
}

// Status and body of a console API call made by the logged-in page.
function call(page, method, url, body) {
	return page.evaluate(async ([m, u, b]) => {
		try {
			return {status: 200, data: await window.FsConsole.api(m, u, b)};
		} catch (e) {
			return {status: e.status, data: e.data};
		}
	}, [method, url, body]);
}

// The summary row of a region, as the page's table shows it.
async function summaryRow(page, region) {
	const row = page.getByRole('table', {name: 'Contacts by region'}).getByRole('row', {name: new RegExp(`^${region}\\b`)});
	return (await row.locator('td').allTextContents()).map((s) => s.trim());
}

describe('console contacts and follow-ups', () => {
	let hub, browser, page, a, b, c, dueId, southId;

	before(async () => {
		hub = await startHub({users: [
			{name: 'root-admin', role: 'admin', password: PW.admin},
			{name: 'ana-north', role: 'analyst', regions: ['north'], password: PW.north},
			{name: 'ana-south', role: 'analyst', regions: ['south'], password: PW.south},
			{name: 'vic', role: 'viewer', password: PW.viewer}
		]});
		a = enrollKiosk(hub, 'library-a', 'north');
		b = enrollKiosk(hub, 'library-b', 'north');
		c = enrollKiosk(hub, 'market-c', 'south');
		// north: 6 overdue, 1 due today, 5 later (one by another worker),
		// 1 done (later: none), 1 closed.
		for (let i = 1; i <= 6; i++)
			addContact(a, {person_ref: `ZQLATE${i}`, follow_up_date: day(-i), notes: `ZQNOTE late ${i}`});
		dueId = addContact(a, {person_ref: 'ZQTODAY', follow_up_date: day(0), notes: 'ZQNOTE first visit',
			topics: ['food', 'debt'], support: 'ZQSUPPORT food bank'});
		for (let i = 1; i <= 5; i++)
			addContact(a, {person_ref: `ZQSOON${i}`, follow_up_date: day(i + 1), worker: i === 5 ? 'w-bo' : 'w-amy'});
		addContact(a, {person_ref: 'ZQDONE', follow_up_date: day(-3), follow_up_done: true});
		addContact(a, {person_ref: 'ZQSHUT', status: 'closed'});
		// south: two open, one overdue.
		southId = addContact(c, {person_ref: 'ZQSOUTH1', follow_up_date: day(-1), notes: 'ZQNOTE south'});
		addContact(c, {person_ref: 'ZQSOUTH2'});
		a.sync();
		c.sync();
		b.sync();
		browser = await launch();
		page = await newPage(browser);
	});
	after(() => stopAll(browser, hub, [a, b, c]));

	test('an admin sees the counts and the overdue and due-today contacts', async () => {
		await login(page, hub, 'root-admin', PW.admin);
		await page.getByRole('link', {name: 'Contacts and follow-ups'}).click();
		await page.locator('main h1', {hasText: 'Contacts and follow-ups'}).waitFor();
		await page.getByRole('table', {name: 'Contacts by region'}).waitFor();
		// Open (overdue + due today + later + done), overdue, due today, closed.
		assert.deepStrictEqual(await summaryRow(page, 'north'), ['13', '6', '1', '1']);
		assert.deepStrictEqual(await summaryRow(page, 'south'), ['2', '1', '0', '0']);
		const list = page.getByRole('table', {name: /^Contacts \(overdue\): 7$/});
		await list.waitFor();
		const late = list.getByRole('row', {name: /ZQLATE1/});
		assert.match(await late.textContent(), /⚠ Overdue/);
		assert.match(await list.getByRole('row', {name: /ZQSOUTH1/}).textContent(), /⚠ Overdue/);
		assert.strictEqual(await list.getByRole('row', {name: /ZQDONE|ZQTODAY|ZQSOON/}).count(), 0);
		assert.ok(!(await list.textContent()).includes('ZQNOTE'), 'no notes in the list');
		await page.getByLabel('State', {exact: true}).selectOption('due_today');
		await page.getByRole('button', {name: 'Show contacts'}).click();
		const today = page.getByRole('table', {name: /^Contacts \(due today\): 1$/});
		await today.waitFor();
		assert.match(await today.getByRole('row', {name: /ZQTODAY/}).textContent(), /● Due today/);
		await page.getByLabel('State', {exact: true}).selectOption('');
		await page.getByLabel('Region', {exact: true}).selectOption('north');
		await page.getByLabel('Worker', {exact: true}).fill('w-bo');
		await page.getByRole('button', {name: 'Show contacts'}).click();
		const bo = page.getByRole('table', {name: /^Contacts \(any\): 1$/});
		await bo.waitFor();
		await bo.getByRole('row', {name: /ZQSOON5/}).waitFor();
		await page.getByLabel('Worker', {exact: true}).fill('');
		await page.getByLabel('State', {exact: true}).selectOption('closed');
		await page.getByRole('button', {name: 'Show contacts'}).click();
		const shut = page.getByRole('table', {name: /^Contacts \(closed\): 1$/});
		await shut.getByRole('row', {name: /ZQSHUT/}).waitFor();
		assert.match(await shut.textContent(), /Closed \d+ \w+ \d{4}/);
		// Pages are bounded.
		const big = await call(page, 'GET', '/api/contacts?limit=201');
		assert.strictEqual(big.status, 400);
		const paged = await call(page, 'GET', '/api/contacts?limit=5&offset=10');
		assert.strictEqual(paged.status, 200);
		assert.strictEqual(paged.data.total, 16);
		assert.strictEqual(paged.data.contacts.length, 5);
		await page.getByLabel('State', {exact: true}).selectOption('overdue');
		await page.getByLabel('Region', {exact: true}).selectOption('');
		await page.getByRole('button', {name: 'Show contacts'}).click();
		await page.getByRole('table', {name: /^Contacts \(overdue\): 7$/}).waitFor();
		await checkPage(page, 'contacts-admin');
	});

	test('an admin changes the notes and closes a contact; a second kiosk of north receives it', async () => {
		await page.getByLabel('State', {exact: true}).selectOption('due_today');
		await page.getByRole('button', {name: 'Show contacts'}).click();
		await page.getByRole('button', {name: 'Open contact ZQTODAY'}).click();
		const box = page.getByRole('region', {name: 'Contact ZQTODAY'});
		await box.waitFor();
		assert.match(await box.textContent(), /food, debt/);
		assert.match(await box.textContent(), /ZQSUPPORT food bank/);
		assert.strictEqual(await page.getByLabel('Notes', {exact: true}).inputValue(), 'ZQNOTE first visit');
		await checkPage(page, 'contacts-detail');
		await page.getByLabel('Notes', {exact: true}).fill('ZQHUB called back, visit on Monday');
		await page.getByLabel('Closed (no more follow-up)', {exact: true}).check();
		await page.getByRole('button', {name: 'Save changes'}).click();
		await page.locator('#status', {hasText: 'Contact ZQTODAY saved'}).waitFor();
		// The counts follow (open 12: 6 overdue, none due today; 2 closed).
		await page.getByRole('table', {name: 'Contacts by region'})
			.getByRole('row', {name: /^north 12 6 0 2$/}).waitFor();
		await page.getByRole('table', {name: /^Contacts \(due today\)/}).waitFor({state: 'detached'});

		b.sync();
		const atB = JSON.parse(agent(b, ['contact', 'show', dueId]));
		assert.strictEqual(atB.notes, 'ZQHUB called back, visit on Monday');
		assert.strictEqual(atB.status, 'closed');
		assert.strictEqual(atB.support, 'ZQSUPPORT food bank', 'the other fields unchanged');
		c.sync();
		assert.throws(() => agent(c, ['contact', 'show', dueId]), 'not at the south kiosk');

		// A kiosk's edit that arrived after the page was opened is not overwritten.
		const file = path.join(a.dir, 'late.json');
		a.sync();
		fs.writeFileSync(file, JSON.stringify({notes: 'ZQKIOSK newer'}));
		agent(a, ['contact', 'update', dueId, file]);
		a.sync();
		const stale = await call(page, 'POST', '/api/contacts/edit', {id: dueId, notes: 'ZQHUB again',
			expect: {notes: 'ZQHUB called back, visit on Monday'}});
		assert.strictEqual(stale.status, 409);
		assert.strictEqual(stale.data.error, 'changed');
		const other = await call(page, 'POST', '/api/contacts/edit', {id: dueId, person_ref: 'ZQX'});
		assert.strictEqual(other.status, 400, 'only notes and status');

		const audit = hubCmd(hub, ['audit', '--json']).trim().split('\n').map((l) => JSON.parse(l));
		const mine = audit.filter((e) => e.actor === 'console:root-admin');
		const actions = mine.map((e) => e.action);
		assert.ok(actions.includes('contacts_list'));
		assert.ok(actions.includes('contact_view'));
		const edit = mine.find((e) => e.action === 'contact_edit');
		assert.deepStrictEqual(edit.detail, {contact: dueId, region: 'north', fields: ['notes', 'status']});
		const text = JSON.stringify(audit);
		for (const secret of ['ZQHUB', 'ZQNOTE', 'ZQTODAY', 'ZQLATE', 'ZQSUPPORT'])
			assert.ok(!text.includes(secret), `no ${secret} in the audit trail`);
		for (const secret of ['ZQ', 'w-bo', dueId])
			assert.ok(!hub.log().includes(secret), `no ${secret} in the hub's log`);
		await logout(page);
	});

	test('an analyst of south sees south only; north is 404 through the API', async () => {
		await login(page, hub, 'ana-south', PW.south);
		await openPage(page, 'contacts', 'Contacts and follow-ups');
		await page.getByRole('table', {name: /^Contacts \(overdue\): 1$/}).getByRole('row', {name: /ZQSOUTH1/}).waitFor();
		assert.strictEqual(await page.getByRole('table', {name: 'Contacts by region'}).getByRole('row', {name: /^north/}).count(), 0);
		assert.deepStrictEqual(await summaryRow(page, 'south'), ['2', '1', '0', '0']);
		const r = {
			one: await call(page, 'GET', `/api/contacts/one?id=${dueId}`),
			region: await call(page, 'GET', '/api/contacts?region=north'),
			list: await call(page, 'GET', '/api/contacts'),
			sum: await call(page, 'GET', '/api/contacts/summary'),
			edit: await call(page, 'POST', '/api/contacts/edit', {id: southId, notes: 'x'}),
			own: await call(page, 'GET', `/api/contacts/one?id=${southId}`),
			none: await call(page, 'GET', '/api/contacts/one?id=01890000-0000-7000-8000-000000000000')
		};
		assert.strictEqual(r.one.status, 404);
		assert.strictEqual(r.none.status, 404);
		assert.deepStrictEqual(r.one.data, r.none.data, 'another region\'s contact is one that does not exist');
		assert.strictEqual(r.region.status, 404);
		assert.deepStrictEqual(r.list.data.contacts.map((x) => x.region), ['south', 'south']);
		assert.deepStrictEqual(r.sum.data.regions.map((x) => x.region), ['south']);
		assert.strictEqual(r.edit.status, 403, 'an analyst may not edit');
		assert.strictEqual(r.own.status, 200);
		assert.strictEqual(r.own.data.contact.notes, 'ZQNOTE south');
		assert.strictEqual(r.own.data.can_edit, false);
		await page.getByRole('button', {name: 'Open contact ZQSOUTH1'}).click();
		await page.getByRole('region', {name: 'Contact ZQSOUTH1'}).waitFor();
		assert.strictEqual(await page.getByLabel('Notes', {exact: true}).count(), 0, 'no notes field to edit');
		const html = await page.content();
		for (const north of ['ZQLATE', 'ZQTODAY', 'ZQHUB', 'north'])
			assert.ok(!html.includes(north), `nothing of north (${north}) in the page`);
		await checkPage(page, 'contacts-analyst');
		await logout(page);
		// Contacts take a session: an API token (for the read API) is refused.
		const token = hubCmd(hub, ['user', 'token', 'ana-south']).trim();
		for (const url of ['/api/contacts', `/api/contacts/one?id=${southId}`, '/api/contacts/summary']) {
			const res = await request(hub.port, 'GET', url, {Host: `127.0.0.1:${hub.port}`,
				Authorization: `Bearer ${token}`});
			assert.strictEqual(res.status, 401, `${url} with an API token`);
		}
	});

	test('a viewer sees the counts only, small numbers suppressed', async () => {
		await login(page, hub, 'vic', PW.viewer);
		await openPage(page, 'contacts', 'Contacts and follow-ups');
		await page.getByRole('table', {name: 'Contacts by region'}).waitFor();
		// north: overdue 6, due today 0, later 6 (open 12); closed 2.
		assert.deepStrictEqual(await summaryRow(page, 'north'), ['12', '6', '0', 'fewer than 5']);
		// south: open 2 of which 1 overdue: all of it hidden.
		assert.deepStrictEqual(await summaryRow(page, 'south'), ['fewer than 5', 'fewer than 5', 'fewer than 5', '0']);
		assert.strictEqual(await page.getByRole('button', {name: 'Show contacts'}).count(), 0, 'no list');
		assert.strictEqual(await page.getByRole('heading', {name: 'Contacts', exact: true}).count(), 0);
		const r = {
			list: await call(page, 'GET', '/api/contacts'),
			one: await call(page, 'GET', `/api/contacts/one?id=${southId}`),
			sum: await call(page, 'GET', '/api/contacts/summary')
		};
		assert.strictEqual(r.list.status, 403);
		assert.strictEqual(r.one.status, 403);
		assert.strictEqual(r.sum.data.suppressed, true);
		assert.ok(!JSON.stringify(r.sum.data).includes('ZQ'));
		assert.ok(!(await page.content()).includes('ZQ'), 'no contact in the page');
		await checkPage(page, 'contacts-viewer');
		await logout(page);
	});

	test('a requested contact stays requested when its notes change, and closing it erases it', async () => {
		const askId = addContact(a, {person_ref: 'ZQASK', status: 'requested', worker: '(kiosk)',
			follow_up_date: day(0), notes: 'ZQASK call after 5'});
		a.sync();
		b.sync();
		await login(page, hub, 'root-admin', PW.admin);
		await openPage(page, 'contacts', 'Contacts and follow-ups');
		await page.getByLabel('State', {exact: true}).selectOption('requested');
		await page.getByRole('button', {name: 'Show contacts'}).click();
		await page.getByRole('button', {name: 'Open contact ZQASK'}).click();
		const box = page.getByRole('region', {name: 'Contact ZQASK'});
		await box.waitFor();
		assert.match(await box.textContent(), /Requested contact/);
		await page.getByLabel('Notes', {exact: true}).fill('ZQASK call after 6');
		await page.getByRole('button', {name: 'Save changes'}).click();
		await page.locator('#status', {hasText: 'Contact ZQASK saved'}).waitFor();
		let one = await call(page, 'GET', `/api/contacts/one?id=${askId}`);
		assert.strictEqual(one.data.contact.status, 'requested', 'a notes edit does not take it');
		const closed = await call(page, 'POST', '/api/contacts/edit', {id: askId, status: 'closed',
			expect: {status: 'requested'}});
		assert.strictEqual(closed.status, 200);
		one = await call(page, 'GET', `/api/contacts/one?id=${askId}`);
		assert.strictEqual(one.status, 404, 'erased at the hub');
		const erasures = JSON.parse(hubCmd(hub, ['erasures', '--json']));
		assert.strictEqual(erasures.filter((e) => e.kind === 'delete').length, 1, 'a delete erasure (the only one)');
		b.sync();
		assert.throws(() => agent(b, ['contact', 'show', askId]), 'gone at the other kiosk');
		await logout(page);
	});
});
