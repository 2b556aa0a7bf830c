// A person's receipt code in Chromium against a real hub and two real
// kiosks of one region (issue 13 item 3, docs/kiosk.md "Receipt codes");
// set up by tests/ui/receipt.sh, which passes UI_A, UI_B (the kiosks'
// pages), RC_TMP (A's and B's DATA dirs, the logs), RC_HUB and RC_HUB_DIR.
// At A a person answers and takes a receipt code: nothing is shown before
// they ask, then the code large, its QR code and the lost-code warning. A
// syncs. At B a wrong check character is refused in plain words; the code
// typed as people do (lowercase, spaces) says "received"; withdraw asks
// to confirm, then says the answers go from every copy. B syncs: the hub's
// store and its exports no longer hold the response, A erases it, and the
// code itself is in no store, file or log. axe: zero serious or critical
// at 800x480 and 1920x1080 on every screen.
'use strict';
const {test, describe, before, after} = require('node:test');
const assert = require('node:assert');
const fs = require('node:fs');
const path = require('node:path');
const {execFileSync} = require('node:child_process');
const {launch, axeCheck, ARTIFACTS} = require('./harness.js');
const {jsonl, sql, filesHolding, until} = require('./system_lib.js');

const A = process.env.UI_A, B = process.env.UI_B, TMP = process.env.RC_TMP;
const HUB = process.env.RC_HUB, HUB_DIR = process.env.RC_HUB_DIR;
if (!A || !B || !TMP || !HUB || !HUB_DIR)
	throw new Error('run by tests/ui/receipt.sh');
const DIR_A = path.join(TMP, 'a'), DIR_B = path.join(TMP, 'b');
const RESP = 'ZQRECEIPT' + Date.now().toString(36);
const CHECKS = '0123456789ABCDEFGHJKMNPQRSTVWXYZ*~$=U';
let code = '', respId = '';

function hub(cmd, ...args) {
	return execFileSync(HUB, [cmd, '--data', HUB_DIR, ...args]).toString();
}

// axe at both kiosk sizes, and a screenshot of each.
async function checkScreen(page, name) {
	fs.mkdirSync(ARTIFACTS, {recursive: true});
	for (const [w, h] of [[800, 480], [1920, 1080]]) {
		await page.setViewportSize({width: w, height: h});
		await axeCheck(page, `${name} at ${w}x${h}`);
		await page.screenshot({path: path.join(ARTIFACTS, `${name}-${w}x${h}.png`), fullPage: true});
	}
	await page.setViewportSize({width: 1280, height: 800});
}

async function welcome(page) {
	await page.locator('main h1', {hasText: 'Welcome'}).waitFor();
}

describe('a receipt code', () => {
	let browser, page;

	before(async () => {
		browser = await launch();
		page = await browser.context.newPage();
		await page.setViewportSize({width: 1280, height: 800});
	});

	after(async () => {
		await browser.close();
	});

	test('at A: taken on the thank-you screen, shown large with its QR code and the warning', async () => {
		// A page of its own with a clock that moves only when told, so the
		// checks below cannot outlast the thank-you screen's 10 s.
		const outer = page;
		page = await browser.context.newPage();
		await page.clock.install();
		await page.goto(A);
		await welcome(page);
		await page.getByRole('button', {name: 'Your library'}).click();
		await page.getByRole('textbox', {name: 'Anything to tell us?'}).fill(RESP);
		await page.getByRole('button', {name: 'Send my answers'}).click();
		await page.locator('main h1', {hasText: 'Thank you'}).waitFor();
		const section = page.getByRole('region', {name: 'A receipt for your answers'});
		const left = async () => Number((await page.locator('.done p.hint').textContent()).match(/\d+/)[0]);
		// Not taken, the code holds nothing: the next person at the screen
		// has at most 10 s in which to take it.
		assert.strictEqual(await section.getAttribute('data-hold'), null);
		assert.ok(await left() <= 10);
		assert.strictEqual(await page.locator('#receipt-code').count(), 0, 'nothing shown before asked');
		await checkScreen(page, 'receipt-1-offer');
		await page.getByRole('button', {name: 'Take a receipt code'}).click();
		await page.locator('#receipt-code').waitFor();
		// Taken, it holds the screen a minute from then.
		assert.ok(await left() >= 55);
		await page.clock.runFor(30000);
		assert.ok(await left() > 20 && await left() <= 30);
		code = (await page.locator('#receipt-code span[aria-hidden]').textContent()).trim();
		assert.match(code, /^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z*~$=]$/);
		assert.strictEqual(await page.evaluate(() => document.activeElement.id), 'receipt-code');
		assert.strictEqual(await page.getByRole('img', {name: 'QR code of your receipt code'}).count(), 1);
		assert.match(await page.locator('#receipt-keep').textContent(),
			/Write it down or take a photo\. If you lose it, nobody can find it again, not even us\./);
		await checkScreen(page, 'receipt-2-code');
		await page.getByRole('button', {name: 'Finish'}).click();
		await welcome(page);
		assert.ok(!(await page.content()).includes(code), 'gone from the page after Finish');
		await page.close();
		page = outer;
	});

	test('A syncs: the hub holds the response with the receipt\'s hash, never the code', async () => {
		const resp = await until('the response at the hub', () =>
			jsonl(hub('export', 'responses', '--format', 'jsonl')).find((r) => r.answers && r.answers.comment === RESP));
		respId = resp.id;
		const rows = sql(path.join(HUB_DIR, 'hub.db'), `SELECT receipt FROM responses WHERE id = '${respId}'`);
		assert.strictEqual(rows.length, 1);
		assert.match(rows[0].receipt, /^[0-9a-f]{64}$/);
		assert.ok(!('receipt' in resp) && !JSON.stringify(resp).includes(rows[0].receipt),
			'exports never show the receipt');
	});

	test('at B: a wrong check character is refused in plain words; the code as typed says "received"; withdrawn after a confirm step', async () => {
		await page.goto(B);
		await welcome(page);
		await checkScreen(page, 'receipt-3-welcome');
		await page.getByRole('button', {name: 'I have a receipt code'}).click();
		await page.locator('main h1', {hasText: 'Your receipt code'}).waitFor();
		const input = page.getByRole('textbox', {name: 'Receipt code'});
		assert.strictEqual(await page.evaluate(() => document.activeElement.id), 'receipt-input');
		const last = code.slice(-1), wrong = CHECKS[(CHECKS.indexOf(last) + 1) % CHECKS.length];
		await input.fill(code.slice(0, -1) + wrong);
		await page.getByRole('button', {name: 'Check my code'}).click();
		await page.locator('#receipt-error:not([hidden])').waitFor();
		assert.strictEqual(await page.locator('#receipt-error').textContent(),
			'This code is not right. Look again for a mistyped letter or number.');
		assert.strictEqual(await input.getAttribute('aria-invalid'), 'true');
		await checkScreen(page, 'receipt-4-mistyped');
		// As people copy it: lowercase, spaces for dashes.
		await input.fill(code.toLowerCase().replace(/-/g, ' '));
		await page.getByRole('button', {name: 'Check my code'}).click();
		await page.locator('#receipt-status').waitFor();
		assert.strictEqual(await page.locator('#receipt-status').textContent(), 'Your answers have been received.');
		assert.match(await page.locator('#receipt-result').textContent(), /Questionnaire: Your library/);
		await checkScreen(page, 'receipt-5-received');
		await page.getByRole('button', {name: 'Withdraw my answers'}).click();
		await page.locator('#receipt-confirm-title').waitFor();
		assert.strictEqual(await page.evaluate(() => document.activeElement.id), 'receipt-confirm-title');
		await checkScreen(page, 'receipt-6-confirm');
		await page.getByRole('button', {name: 'Yes, withdraw them'}).click();
		await page.locator('main h1', {hasText: 'Your answers are being withdrawn'}).waitFor();
		assert.strictEqual(await page.locator('#receipt-done').textContent(),
			'Your answers will be removed from every copy, including the hub\'s.');
		assert.ok(!(await page.content()).includes(code) &&
			!(await page.content()).includes(code.toLowerCase().replace(/-/g, ' ')), 'no code left on screen');
		await checkScreen(page, 'receipt-7-withdrawn');
		await page.getByRole('button', {name: 'Finish'}).click();
		await welcome(page);
	});

	test('B syncs: the hub\'s store and exports no longer hold it, A erases it, the code is nowhere', async () => {
		const db = path.join(HUB_DIR, 'hub.db');
		await until('the erasure at the hub', () =>
			sql(db, `SELECT count(*) AS n FROM responses WHERE id = '${respId}'`)[0].n === 0);
		for (const format of ['jsonl', 'csv']) {
			const out = hub('export', 'responses', '--format', format, ...(format === 'csv' ? ['--questionnaire', 'receipt-test'] : []));
			assert.ok(!out.includes(RESP) && !out.includes(respId), `the hub's ${format} export holds it`);
		}
		await until('the erasure at A', () =>
			sql(path.join(DIR_A, 'kiosk.db'), `SELECT count(*) AS n FROM responses WHERE id = '${respId}'`)[0].n === 0);
		// The code (in any of its forms) is in no store, file or log.
		const data = code.replace(/-/g, '');
		for (const dir of [DIR_A, DIR_B, HUB_DIR, TMP])
			for (const s of [code, data, data.toLowerCase()])
				assert.deepStrictEqual(filesHolding(dir, s), [], `${s} in ${dir}`);
	});
});
