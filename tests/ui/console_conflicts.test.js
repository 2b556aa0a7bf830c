// The console's Conflicts page in Chromium (issue 11, "Conflicts"): two
// real kiosks of region north change one contact's notes without syncing
// in between -> a conflict at the hub; an admin sees it in plain words
// (both values, kiosk names, times) and keeps the replaced value; both
// kiosks sync and hold it, with the conflict closed in their own stores; a
// second conflict is resolved with a new value typed in the page. An
// analyst of another region sees nothing of it and may not resolve (403).
// axe-core at 1280x800 and 390x844. Run by tests/ui/run.sh with HUB_BIN
// and AGENT_BIN.
'use strict';
const {test, describe, before, after} = require('node:test');
const assert = require('node:assert');
const fs = require('node:fs');
const path = require('node:path');
const {execFileSync} = require('node:child_process');
const {startHub, enrollKiosk, launch, newPage, login, logout, openPage, checkPage, stopAll} =
	require('./console_harness.js');

const AGENT_BIN = process.env.AGENT_BIN;
const PW = {admin: 'admin password 1', ana: 'analyst password 1'};

function agent(kiosk, args) {
	return execFileSync(AGENT_BIN, [args[0], '--data', kiosk.dir, ...args.slice(1)],
		{stdio: ['ignore', 'pipe', 'pipe']}).toString();
}

function fields(kiosk, name, obj) {
	const file = path.join(kiosk.dir, name);
	fs.writeFileSync(file, JSON.stringify(obj));
	return file;
}

function contactOf(kiosk, id) {
	return JSON.parse(agent(kiosk, ['contact', 'show', id]));
}

function status(kiosk) {
	return JSON.parse(agent(kiosk, ['status', '--json']));
}

describe('console conflicts', () => {
	let hub, browser, page, a, b, id;

	before(async () => {
		hub = await startHub({users: [
			{name: 'root-admin', role: 'admin', password: PW.admin},
			{name: 'ana', role: 'analyst', regions: ['south'], password: PW.ana}
		]});
		a = enrollKiosk(hub, 'library-a', 'north');
		b = enrollKiosk(hub, 'library-b', 'north');
		id = agent(a, ['contact', 'add', fields(a, 'c.json', {person_ref: 'JB0142',
			contact_at: '2026-11-27T10:00:00Z', channel: 'phone', worker: 'w-test', notes: 'first visit'})]).trim();
		a.sync();
		b.sync();
		// Both change the notes before either syncs again: b's is later.
		agent(a, ['contact', 'update', id, fields(a, 'a.json', {notes: 'ZQA called back'})]);
		await new Promise((r) => setTimeout(r, 20));
		agent(b, ['contact', 'update', id, fields(b, 'b.json', {notes: 'ZQB met at the drop-in'})]);
		a.sync();
		b.sync();
		a.sync();
		browser = await launch();
		page = await newPage(browser);
	});
	after(() => stopAll(browser, hub, [a, b]));

	test('an admin sees the conflict in plain words and keeps the replaced value', async () => {
		assert.strictEqual(status(a).records.conflicts_open, 1);
		assert.strictEqual(status(b).records.conflicts_open, 1);
		await login(page, hub, 'root-admin', PW.admin);
		await page.getByRole('link', {name: 'Conflicts'}).click();
		await page.locator('main h1', {hasText: 'Conflicts'}).waitFor();
		const card = page.getByRole('article', {name: `notes of contact ${id}`});
		await card.waitFor();
		const summary = await card.locator('p').first().textContent();
		assert.match(summary, new RegExp(`^Two kiosks changed notes of contact ${id} while offline: 'ZQA called back' at library-a on \\d+ \\w+ \\d\\d:\\d\\d, 'ZQB met at the drop-in' at library-b on \\d+ \\w+ \\d\\d:\\d\\d\\. Kept: 'ZQB met at the drop-in'\\.$`));
		await checkPage(page, 'conflicts-open');
		await card.getByRole('button', {name: "Keep 'ZQA called back'"}).click();
		await page.getByText('No open conflicts.').waitFor();
		await page.getByLabel('Only conflicts not resolved yet').uncheck();
		await page.getByRole('button', {name: 'Show'}).click();
		const done = page.getByRole('article', {name: `notes of contact ${id}`});
		await done.getByText('Resolved', {exact: true}).waitFor();
		assert.match(await done.locator('p').first().textContent(), /Resolved on .* by the hub: kept 'ZQA called back'\.$/);
		assert.strictEqual(await done.getByRole('button').count(), 0, 'no buttons on a resolved conflict');
		await checkPage(page, 'conflicts-resolved');
	});

	test('the resolution reaches both kiosks and closes the conflict there', () => {
		b.sync();
		a.sync();
		assert.strictEqual(contactOf(b, id).notes, 'ZQA called back');
		assert.strictEqual(contactOf(a, id).notes, 'ZQA called back');
		for (const k of [a, b]) {
			const r = status(k).records;
			assert.strictEqual(r.conflicts, 1);
			assert.strictEqual(r.conflicts_open, 0);
		}
	});

	test('a second conflict resolved with a new value typed in the page', async () => {
		agent(a, ['contact', 'update', id, fields(a, 'a2.json', {support: 'ZQA benefits form'})]);
		await new Promise((r) => setTimeout(r, 20));
		agent(b, ['contact', 'update', id, fields(b, 'b2.json', {support: 'ZQB food bank referral'})]);
		a.sync();
		b.sync();
		a.sync();
		await page.getByLabel('Only conflicts not resolved yet').check();
		await page.getByRole('button', {name: 'Show'}).click();
		const card = page.getByRole('article', {name: `support of contact ${id}`});
		await card.waitFor();
		await card.getByRole('button', {name: 'Write a new value'}).click();
		await card.getByLabel('New value for support').fill('ZQNEW benefits form and food bank');
		await checkPage(page, 'conflicts-new-value');
		await card.getByRole('button', {name: 'Save the new value'}).click();
		await page.getByText('No open conflicts.').waitFor();
		b.sync();
		a.sync();
		for (const k of [a, b]) {
			assert.strictEqual(contactOf(k, id).support, 'ZQNEW benefits form and food bank');
			assert.strictEqual(status(k).records.conflicts_open, 0);
		}
		await logout(page);
	});

	test('an analyst of another region sees none and may not resolve', async () => {
		await login(page, hub, 'ana', PW.ana);
		await openPage(page, 'conflicts', 'Conflicts');
		await page.getByText('No open conflicts.').waitFor();
		const r = await page.evaluate(async (cid) => {
			const list = await window.FsConsole.api('GET', '/api/conflicts');
			let status = 200;
			try {
				await window.FsConsole.api('POST', '/api/conflicts/resolve', {id: cid, keep: 'winner'});
			} catch (e) {
				status = e.status;
			}
			return {n: list.conflicts.length, status};
		}, `${id}/notes/0000000000000000/x`);
		assert.strictEqual(r.n, 0, 'nothing of region north');
		assert.strictEqual(r.status, 403, 'an analyst may not resolve');
		assert.ok(!(await page.content()).includes('ZQA'), 'no value of region north in the page');
		await checkPage(page, 'conflicts-analyst');
		await logout(page);
	});
});
