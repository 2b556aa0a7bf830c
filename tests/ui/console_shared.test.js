// The console's Questionnaires page, shared results (docs/reciprocity.md
// "Shared results", docs/console.md): an admin of every region marks a
// questionnaire as shared with its k (shown in the list and the panel,
// audited as console:share), changes k, and stops sharing (audited
// unshare); a regional admin's request and a bad k are refused by the API.
// axe-core at 1280x800 and 390x844; the screenshot for
// docs/reciprocity/shared-console.png. Run by tests/ui/run.sh.
'use strict';
const {test, describe, before, after} = require('node:test');
const assert = require('node:assert');
const fs = require('node:fs');
const path = require('node:path');
const {startHub, hubCmd, launch, newPage, login, logout, openPage, checkPage, stopAll} =
	require('./console_harness.js');

const PW = 'admin password 1';
const QN = 'friends-and-family';
const GOOD = path.join(__dirname, '..', '..', 'schema', 'examples', `${QN}.json`);
const DOCS = path.join(__dirname, '..', '..', 'docs', 'reciprocity');

describe('console shared results', () => {
	let hub, browser, page;

	before(async () => {
		hub = await startHub({users: [{name: 'root-admin', role: 'admin', password: PW},
			{name: 'north-admin', role: 'admin', regions: ['north'], password: PW}]});
		hubCmd(hub, ['publish', GOOD]);
		browser = await launch();
		page = await newPage(browser);
		await login(page, hub, 'root-admin', PW);
	});
	after(async () => stopAll(browser, hub));

	test('marked as shared with k shown, audited as console:share', async () => {
		await openPage(page, 'questionnaires', 'Questionnaires');
		const row = page.getByRole('row', {name: new RegExp(QN)});
		await row.waitFor();
		assert.match(await row.textContent(), /no/);
		await page.getByRole('button', {name: `Manage ${QN}`}).click();
		await page.locator(`#qs-${QN}-now`, {hasText: 'Not shared'}).waitFor();
		const k = page.getByLabel(/^k: the fewest responses/);
		assert.strictEqual(await k.inputValue(), '10', 'k 10 by default');
		await page.getByLabel('Share the results with the kiosks').check();
		await k.fill('12');
		await page.getByRole('button', {name: 'Save sharing'}).click();
		await page.locator(`#qs-${QN}-now`, {hasText: 'Shared now, with k = 12'}).waitFor();
		assert.match(await page.getByRole('row', {name: new RegExp(QN)}).textContent(), /yes, k = 12/);
		assert.deepStrictEqual(JSON.parse(hubCmd(hub, ['share', '--list', '--json'])), {[QN]: 12});
		const audit = hubCmd(hub, ['audit', '--json']);
		assert.match(audit, /"action":"share","actor":"console:root-admin","at":"[^"]+","at_ms":\d+,"detail":\{"k":12,"questionnaire":"friends-and-family","was":0\}/);
		await checkPage(page, 'questionnaires-shared');
		fs.mkdirSync(DOCS, {recursive: true});
		await page.locator(`#qs-${QN}-h`).scrollIntoViewIfNeeded();
		await page.locator('section', {has: page.locator(`#qs-${QN}-h`)})
			.screenshot({path: path.join(DOCS, 'shared-console.png')});
	});

	test('a bad k is refused on the page and by the API', async () => {
		const k = page.getByLabel(/^k: the fewest responses/);
		await k.fill('3');
		await page.getByRole('button', {name: 'Save sharing'}).click();
		await page.locator('#alert', {hasText: 'k must be a whole number from 5 to 100'}).waitFor();
		const st = await page.evaluate(async (id) => {
			const r = await window.FsConsole.api('POST', '/api/questionnaires/share', {id, shared: true, k: 4})
				.then(() => 'ok', (e) => e.message);
			return r;
		}, QN);
		assert.match(st, /k.*5 to 100|from 5/);
		assert.deepStrictEqual(JSON.parse(hubCmd(hub, ['share', '--list', '--json'])), {[QN]: 12});
	});

	test('stopped sharing: audited unshare', async () => {
		await page.getByLabel(/^k: the fewest responses/).fill('12');
		await page.getByLabel('Share the results with the kiosks').uncheck();
		await page.getByRole('button', {name: 'Save sharing'}).click();
		await page.locator(`#qs-${QN}-now`, {hasText: 'Not shared'}).waitFor();
		assert.deepStrictEqual(JSON.parse(hubCmd(hub, ['share', '--list', '--json'])), {});
		assert.match(hubCmd(hub, ['audit', '--json']), /"action":"unshare","actor":"console:root-admin"/);
	});

	test('an admin of one region may not share (the figures reach every region)', async () => {
		await logout(page);
		await login(page, hub, 'north-admin', PW);
		await openPage(page, 'questionnaires', 'Questionnaires');
		const msg = await page.evaluate(async (id) =>
			window.FsConsole.api('POST', '/api/questionnaires/share', {id, shared: true})
				.then(() => 'ok', (e) => e.message), QN);
		assert.match(msg, /every region/);
		assert.deepStrictEqual(JSON.parse(hubCmd(hub, ['share', '--list', '--json'])), {});
	});
});
