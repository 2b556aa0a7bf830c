// The console's Erasure and Audit log pages in Chromium (issue 11,
// "Erasure and audit"): a real kiosk of region north holds contacts; an
// admin erases one in the console (a confirmation dialog, the word typed),
// it is gone from the hub at once; the kiosk syncs, loses it and confirms,
// and the page shows it confirmed. A north-only admin erases a person_ref
// of north but nothing of south, and may not open the audit log; the
// person_ref is shown nowhere. The audit log lists the erasures with the
// chain verified. An analyst and a viewer get 403 from every route; a
// forged start without the confirm field is refused. axe-core at 1280x800
// and 390x844. Run by tests/ui/run.sh with HUB_BIN and AGENT_BIN.
'use strict';
const {test, describe, before, after} = require('node:test');
const assert = require('node:assert');
const fs = require('node:fs');
const path = require('node:path');
const {execFileSync} = require('node:child_process');
const {startHub, hubCmd, enrollKiosk, launch, newPage, login, logout, openPage, checkPage, stopAll} =
	require('./console_harness.js');

const AGENT_BIN = process.env.AGENT_BIN;
const PW = {admin: 'admin password 1', north: 'north admin password', ana: 'analyst password 1',
	vi: 'viewer password 1'};

function agent(kiosk, args) {
	return execFileSync(AGENT_BIN, [args[0], '--data', kiosk.dir, ...args.slice(1)],
		{stdio: ['ignore', 'pipe', 'pipe']}).toString();
}

function addContact(kiosk, ref, notes) {
	const file = path.join(kiosk.dir, `c-${ref}.json`);
	fs.writeFileSync(file, JSON.stringify({person_ref: ref, contact_at: '2026-11-27T10:00:00Z',
		channel: 'phone', worker: 'w-test', notes}));
	return agent(kiosk, ['contact', 'add', file]).trim();
}

function kioskHolds(kiosk, id) {
	try {
		agent(kiosk, ['contact', 'show', id]);
		return true;
	} catch (e) {
		return false;
	}
}

function hubContacts(hub) {
	return hubCmd(hub, ['export', 'contacts', '--format', 'jsonl']);
}

// Every route of the two pages as the logged-in user: their statuses.
async function routeStatuses(page, body) {
	return page.evaluate(async (b) => {
		const out = {};
		for (const [name, method, p, data] of [['list', 'GET', '/api/erasures'],
			['start', 'POST', '/api/erasures/start', b], ['audit', 'GET', '/api/audit'],
			['verify', 'GET', '/api/audit/verify']]) {
			try {
				await window.FsConsole.api(method, p, data);
				out[name] = 200;
			} catch (e) {
				out[name] = e.status;
			}
		}
		return out;
	}, body);
}

describe('console erasure and audit', () => {
	let hub, browser, page, a, s, id, kept, southId, personId;

	before(async () => {
		hub = await startHub({users: [
			{name: 'root-admin', role: 'admin', password: PW.admin},
			{name: 'north-admin', role: 'admin', regions: ['north'], password: PW.north},
			{name: 'ana', role: 'analyst', password: PW.ana},
			{name: 'vi', role: 'viewer', password: PW.vi}
		]});
		a = enrollKiosk(hub, 'library-a', 'north');
		s = enrollKiosk(hub, 'library-s', 'south');
		id = addContact(a, 'ZQREFERASE1', 'ZQNOTEERASE1 housing');
		kept = addContact(a, 'ZQREFKEPT2', 'ZQNOTEKEPT2');
		personId = addContact(a, 'ZQPERSONNORTH3', 'ZQNOTEPERSON3');
		southId = addContact(s, 'ZQREFSOUTH4', 'ZQNOTESOUTH4');
		a.sync();
		s.sync();
		browser = await launch();
		page = await newPage(browser);
	});
	after(() => stopAll(browser, hub, [a, s]));

	test('an analyst and a viewer can reach neither page nor API', async () => {
		for (const [name, pw] of [['ana', PW.ana], ['vi', PW.vi]]) {
			await login(page, hub, name, pw);
			assert.strictEqual(await page.getByRole('link', {name: 'Erasure'}).count(), 0);
			assert.strictEqual(await page.getByRole('link', {name: 'Audit log'}).count(), 0);
			await openPage(page, 'erasure', 'Not allowed');
			const r = await routeStatuses(page, {target: 'contact', id, confirm: 'ERASE'});
			assert.deepStrictEqual(r, {list: 403, start: 403, audit: 403, verify: 403}, name);
			await logout(page);
		}
		assert.ok(kioskHolds(a, id) && hubContacts(hub).includes('ZQNOTEERASE1'), 'nothing erased');
	});

	test('a forged start without the confirm field is refused', async () => {
		await login(page, hub, 'root-admin', PW.admin);
		const r = await page.evaluate(async (cid) => {
			const out = [];
			for (const body of [{target: 'contact', id: cid}, {target: 'contact', id: cid, confirm: 'yes'}]) {
				try {
					await window.FsConsole.api('POST', '/api/erasures/start', body);
					out.push(200);
				} catch (e) {
					out.push(`${e.status} ${e.error}`);
				}
			}
			return out;
		}, id);
		assert.deepStrictEqual(r, ['400 confirm', '400 confirm']);
		assert.ok(hubContacts(hub).includes('ZQNOTEERASE1'), 'the hub still holds it');
	});

	test('an admin erases a contact; the kiosk erases it and confirms', async () => {
		await page.getByRole('link', {name: 'Erasure'}).click();
		await page.locator('main h1', {hasText: 'Erasure'}).waitFor();
		await page.getByText('No erasures yet.').waitFor();
		await page.getByRole('radio', {name: 'A contact'}).check();
		await page.getByLabel('Contact id').fill(id);
		await page.getByRole('button', {name: 'Continue'}).click();
		const dialog = page.getByRole('dialog', {name: `Erase the contact ${id}?`});
		await dialog.waitFor();
		assert.match(await dialog.textContent(), /This cannot be undone\./);
		assert.strictEqual(await page.evaluate(() => document.activeElement.id), 'er-word',
			'the dialog takes the focus to its field');
		await checkPage(page, 'erasure-confirm');
		// Cancel erases nothing and gives the focus back.
		await dialog.getByRole('button', {name: 'Cancel'}).click();
		await dialog.waitFor({state: 'detached'});
		assert.strictEqual(await page.evaluate(() => document.activeElement.textContent), 'Continue');
		assert.ok(hubContacts(hub).includes('ZQNOTEERASE1'));
		await page.getByRole('button', {name: 'Continue'}).click();
		await dialog.waitFor();
		await dialog.getByLabel('Type ERASE to confirm').fill('erase');
		await dialog.getByRole('button', {name: 'Erase it'}).click();
		await dialog.getByText('Type the word ERASE in capitals').waitFor();
		await dialog.getByLabel('Type ERASE to confirm').fill('ERASE');
		await dialog.getByRole('button', {name: 'Erase it'}).click();
		await page.locator('#er-result', {hasText: 'Erased 1 record at the hub'}).waitFor();
		const card = page.getByRole('article', {name: /^1 contact, /});
		await card.getByText('0 of 1 kiosk confirmed; 1 pending').waitFor();
		await card.getByRole('row', {name: /library-a north … Pending/}).waitFor();
		const exported = hubContacts(hub);
		assert.ok(!exported.includes('ZQNOTEERASE1') && !exported.includes('ZQREFERASE1'),
			'gone from the hub at once');
		assert.ok(exported.includes('ZQNOTEKEPT2'), 'the other contact kept');
		// The kiosk takes the erasure in, then confirms at its next sync.
		a.sync();
		a.sync();
		assert.ok(!kioskHolds(a, id), 'gone from the kiosk');
		assert.ok(kioskHolds(a, kept), 'the other contact kept at the kiosk');
		await openPage(page, 'audit', 'Audit log');
		await openPage(page, 'erasure', 'Erasure');
		const done = page.getByRole('article', {name: /^1 contact, /});
		await done.getByText('1 of 1 kiosk confirmed.').waitFor();
		await done.getByRole('row', {name: /library-a north ✓ Confirmed/}).waitFor();
		await done.getByText('Done', {exact: true}).waitFor();
		await checkPage(page, 'erasure');
		await logout(page);
	});

	test('a north admin erases a north person_ref, nothing of south, and no audit log', async () => {
		await login(page, hub, 'north-admin', PW.north);
		await openPage(page, 'erasure', 'Erasure');
		// South's contact: answered as if it did not exist.
		const r = await page.evaluate(async (sid) => {
			try {
				await window.FsConsole.api('POST', '/api/erasures/start', {target: 'contact', id: sid, confirm: 'ERASE'});
				return 200;
			} catch (e) {
				return `${e.status} ${e.error}`;
			}
		}, southId);
		assert.strictEqual(r, '404 not_found');
		assert.ok(hubContacts(hub).includes('ZQNOTESOUTH4'), 'south keeps its contact');
		await page.getByRole('radio', {name: 'Every contact of one person'}).check();
		await page.getByLabel('Person reference (person_ref)').fill('ZQPERSONNORTH3');
		await page.getByRole('button', {name: 'Continue'}).click();
		const dialog = page.getByRole('dialog');
		await dialog.getByLabel('Type ERASE to confirm').fill('ERASE');
		assert.ok(!(await dialog.textContent()).includes('ZQPERSONNORTH3'), 'the dialog does not echo it');
		await dialog.getByRole('button', {name: 'Erase it'}).click();
		await page.locator('#er-result', {hasText: 'Erased 1 record at the hub'}).waitFor();
		assert.ok(!hubContacts(hub).includes('ZQNOTEPERSON3'), 'the person\'s contact is gone');
		assert.strictEqual(await page.getByLabel('Person reference (person_ref)').inputValue(), '');
		assert.strictEqual(await page.getByRole('article').count(), 2, 'both north requests listed');
		assert.ok(!(await page.content()).includes('ZQPERSONNORTH3'), 'the person_ref shown nowhere');
		assert.strictEqual(await page.getByRole('link', {name: 'Audit log'}).count(), 1);
		await openPage(page, 'audit', 'Audit log');
		await page.getByText('The audit log is for admins of every region').waitFor();
		a.sync();
		assert.ok(!kioskHolds(a, personId), 'gone from the kiosk');
		await logout(page);
	});

	test('the audit log lists the erasures with the chain verified', async () => {
		await login(page, hub, 'root-admin', PW.admin);
		await page.getByRole('link', {name: 'Audit log'}).click();
		await page.locator('main h1', {hasText: 'Audit log'}).waitFor();
		await page.getByText('✓ Chain verified: ').waitFor();
		const table = page.getByRole('table', {name: 'Audit log entries, newest first'});
		await table.getByRole('row', {name: new RegExp(`console:root-admin erase .*contact: ${id}`)}).waitFor();
		await table.getByRole('row', {name: /console:north-admin erase .*by: person_ref/}).waitFor();
		assert.ok(!(await page.content()).includes('ZQPERSONNORTH3'), 'the person_ref is not in the log');
		assert.ok(!hub.log().includes('ZQPERSONNORTH3'), 'nor in the hub\'s own log');
		assert.ok(!hubCmd(hub, ['audit', '--json']).includes('ZQPERSONNORTH3'), 'nor in the trail');
		// Newest first.
		const ids = await table.locator('tbody tr th').allTextContents();
		assert.deepStrictEqual(ids.map(Number), ids.map(Number).slice().sort((x, y) => y - x));
		await checkPage(page, 'audit');
		await page.getByLabel('Action').fill('erase');
		await page.getByLabel('Actor').fill('north-admin');
		await page.getByRole('button', {name: 'Show'}).click();
		await page.getByText('1 entry shown, newest first.').waitFor();
		const today = new Date();
		const day = `${today.getFullYear()}-${String(today.getMonth() + 1).padStart(2, '0')}-${String(today.getDate()).padStart(2, '0')}`;
		await page.getByLabel('Actor').fill('');
		await page.getByLabel('From (day)').fill('2020-01-01');
		await page.getByLabel('To (day, included)').fill('2020-01-02');
		await page.getByRole('button', {name: 'Show'}).click();
		await page.getByText('No entries match.').first().waitFor();
		await page.getByLabel('To (day, included)').fill(day);
		await page.getByRole('button', {name: 'Show'}).click();
		await page.getByText('2 entries shown, newest first.').waitFor();
		// The CLI's check agrees.
		assert.match(hubCmd(hub, ['audit', '--verify']), /^audit trail verified: \d+ entries/);
		assert.strictEqual(hubCmd(hub, ['audit', '--action', 'erase', '--json']).trim().split('\n').length, 2);
		await logout(page);
	});
});
