// The console's Results page in Chromium (issue 11, "Results"): responses
// made with a real fieldsync-agent (`respond`) at two kiosks of regions a
// and b and synced appear in Results; an admin sees the counts and the
// free text; a viewer sees "fewer than 5" for small counts and no free
// text, on the page and from /api/results; an analyst of region a sees
// only region a's responses, and region b or b's kiosk is a 404 from
// /api/results; axe-core at 1280x800 and 390x844; screenshots kept in
// $UI_ARTIFACTS. Run by tests/ui/run.sh.
'use strict';
const {test, describe, before, after} = require('node:test');
const assert = require('node:assert');
const path = require('node:path');
const {execFileSync} = require('node:child_process');
const {startHub, hubCmd, enrollKiosk, launch, newPage, login, logout, openPage, checkPage, stopAll} =
	require('./console_harness.js');

const PW = {admin: 'admin password 1', viewer: 'viewer password 1', ana: 'analyst password 1'};
const AGENT_BIN = process.env.AGENT_BIN;
const EXAMPLE = path.join(__dirname, '..', '..', 'schema', 'examples', 'friends-and-family.json');

// A response made at kiosk k by the agent, as a kiosk worker would.
function respond(k, answers, extra) {
	execFileSync(AGENT_BIN, ['respond', '--data', k.dir, '--questionnaire', 'friends-and-family',
		'--answers', '-', ...(extra || [])], {input: JSON.stringify(answers), stdio: ['pipe', 'ignore', 'pipe']});
}

// GET a console API path from the page (its session cookie): {status, body}.
async function apiGet(page, p) {
	return page.evaluate(async (url) => {
		const r = await fetch(url, {headers: {Accept: 'application/json'}});
		return {status: r.status, body: await r.json().catch(() => null)};
	}, p);
}

describe('console results', () => {
	let hub, browser, page, kioskA, kioskB;

	before(async () => {
		hub = await startHub({users: [
			{name: 'root-admin', role: 'admin', password: PW.admin},
			{name: 'vera', role: 'viewer', password: PW.viewer},
			{name: 'ana', role: 'analyst', regions: ['a'], password: PW.ana}
		]});
		hubCmd(hub, ['publish', EXAMPLE]);
		kioskA = enrollKiosk(hub, 'library-a', 'a');
		kioskB = enrollKiosk(hub, 'surgery-b', 'b');
		for (let i = 0; i < 6; i++)
			respond(kioskA, {overall: 'very_good'});
		respond(kioskA, {overall: 'poor', why: 'The wait was far too long', follow_up: true},
			['--language', 'en', '--mode', 'assisted', '--worker', 'w1']);
		respond(kioskB, {overall: 'good', why: 'Region b only words'});
		respond(kioskB, {overall: 'good'});
		kioskA.sync();
		kioskB.sync();
		browser = await launch();
		page = await newPage(browser);
	});
	after(() => stopAll(browser, hub, [kioskA, kioskB]));

	test('an admin sees the responses synced by real kiosks, with free text', async () => {
		await login(page, hub, 'root-admin', PW.admin);
		await openPage(page, 'results', 'Results');
		const total = page.locator('.res-total');
		await total.waitFor();
		assert.strictEqual((await total.textContent()).trim(), '9 responses.');
		// the chart and its table carry the same numbers
		const table = page.getByRole('table', {name: /Overall.*table/});
		const veryGood = table.getByRole('row', {name: /Very good/});
		assert.match(await veryGood.textContent(), /Very good\s*6/);
		const chart = page.getByRole('img', {name: /Overall/}).first();
		assert.match(await chart.locator('desc').textContent(), /Very good: 6/);
		await page.getByText('The wait was far too long').waitFor();
		await page.getByText('Region b only words').waitFor();
		await checkPage(page, 'results-admin');
		// free text paged one question at a time, newest first
		const older = await apiGet(page, '/api/results?questionnaire=friends-and-family&text_question=why&text_offset=1&text_limit=1');
		assert.deepStrictEqual(older.body.questions.find((q) => q.id === 'why').texts.items.map((i) => i.answer),
			['The wait was far too long']);
		assert.strictEqual((await apiGet(page, '/api/results?questionnaire=friends-and-family&text_offset=x')).status, 400);
		// a filter: region b only
		await page.getByLabel('Region').selectOption('b');
		await page.getByRole('button', {name: 'Show results'}).click();
		await page.locator('.res-total', {hasText: '2 responses.'}).waitFor();
		await checkPage(page, 'results-admin-region-b');
		// k: set by an admin through the console, audited with the console's actor
		const set = await page.evaluate(() => window.FsConsole.api('POST', '/api/results/settings', {k: 3}));
		assert.deepStrictEqual(set, {k: 3, was: 5});
		await page.evaluate(() => window.FsConsole.api('POST', '/api/results/settings', {k: 5}));
		const bad = await page.evaluate(() => window.FsConsole.api('POST', '/api/results/settings', {k: 1})
			.then(() => 200, (e) => e.status));
		assert.strictEqual(bad, 400);
		const audit = hubCmd(hub, ['audit', '--json']).trim().split('\n').map((l) => JSON.parse(l));
		const ks = audit.filter((e) => e.action === 'results_k');
		assert.deepStrictEqual(ks.map((e) => [e.actor, e.detail.k, e.detail.was]),
			[['console:root-admin', 3, 5], ['console:root-admin', 5, 3]]);
		const texts = audit.filter((e) => e.action === 'results_text');
		assert.ok(texts.length >= 1 && texts.every((e) => e.actor === 'console:root-admin'), 'free text listing audited');
		assert.ok(!JSON.stringify(texts).includes('far too long'), 'no answer in the audit trail');
		await logout(page);
	});

	test('a viewer sees "fewer than 5" for small counts and no free text', async () => {
		await login(page, hub, 'vera', PW.viewer);
		await openPage(page, 'results', 'Results');
		await page.locator('.res-total', {hasText: '9'}).waitFor();
		const table = page.getByRole('table', {name: /Overall.*table/});
		assert.match(await table.getByRole('row', {name: /Very good/}).textContent(), /6/);
		assert.match(await table.getByRole('row', {name: /^Good/}).textContent(), /fewer than 5/);
		assert.match(await table.getByRole('row', {name: /^Poor/}).textContent(), /fewer than 5/);
		await page.getByText(/Small numbers are hidden/).waitFor();
		const text = await page.locator('main').textContent();
		assert.ok(!text.includes('The wait was far too long'), 'no free text for a viewer');
		assert.ok(!text.includes('Region b only words'), 'no free text for a viewer');
		const r = await apiGet(page, '/api/results?questionnaire=friends-and-family');
		assert.strictEqual(r.status, 200);
		assert.strictEqual(r.body.suppression.applied, true);
		const good = r.body.questions[0].options.find((o) => o.value === 'good');
		assert.deepStrictEqual([good.count, good.suppressed], [null, true]);
		assert.ok(!JSON.stringify(r.body).includes('The wait was far too long'));
		assert.strictEqual(r.body.questions.find((q) => q.id === 'why').texts, undefined);
		// a region filter under k hides the whole of it
		const b = await apiGet(page, '/api/results?questionnaire=friends-and-family&region=b');
		assert.deepStrictEqual([b.body.total.count, b.body.total.suppressed], [null, true]);
		const post = await page.evaluate(() => window.FsConsole.api('POST', '/api/results/settings', {k: 2})
			.then(() => 200, (e) => e.status));
		assert.strictEqual(post, 403, 'a viewer cannot change k');
		await checkPage(page, 'results-viewer');
		await logout(page);
	});

	test('an analyst of region a sees nothing of region b, on the page or from the API', async () => {
		await login(page, hub, 'ana', PW.ana);
		await openPage(page, 'results', 'Results');
		await page.locator('.res-total', {hasText: '7 responses.'}).waitFor();
		const options = await page.getByLabel('Region').locator('option').allTextContents();
		assert.deepStrictEqual(options, ['All my regions', 'a']);
		const text = await page.locator('main').textContent();
		assert.ok(text.includes('The wait was far too long'), 'region a free text shown');
		assert.ok(!text.includes('Region b only words'), 'no region b text');
		const all = await apiGet(page, '/api/results?questionnaire=friends-and-family');
		assert.strictEqual(all.status, 200);
		assert.strictEqual(all.body.total.count, 7, '"all" counts region a only');
		const good = all.body.questions[0].options.find((o) => o.value === 'good');
		assert.strictEqual(good.count, 0);
		for (const q of ['&region=b', `&site=${kioskB.site}`, '&region=nowhere', '&site=no-such-kiosk']) {
			const r = await apiGet(page, '/api/results?questionnaire=friends-and-family' + q);
			assert.strictEqual(r.status, 404, q);
			assert.strictEqual(r.body.error, 'not_found', q);
		}
		const own = await apiGet(page, `/api/results?questionnaire=friends-and-family&site=${kioskA.site}`);
		assert.strictEqual(own.body.total.count, 7);
		await checkPage(page, 'results-analyst');
		await logout(page);
	});
});
