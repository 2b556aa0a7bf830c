// Shared results in Chromium against a real hub and two real kiosks (issue
// 13 item 2, docs/reciprocity.md "Shared results"); set up by
// tests/ui/shared_results.sh, which passes UI_N (north's kiosk page), UI_S
// (south's), SR_HUB and SR_HUB_DIR. Shared with k 5: after the first
// response the thank-you screen says "not enough answers yet" and shows no
// number; after 5 and a release, the next person's thank-you screen gives
// the rounded total and the most common answer, and the welcome screen's
// "See what people said" opens every question's figures as a table (free
// text never); the south kiosk never has north's figures; unsharing removes
// them from the north kiosk. axe: zero serious or critical at 800x480 and
// 1920x1080; screenshots for docs/reciprocity/shared-*.png.
'use strict';
const {test, describe, before, after} = require('node:test');
const assert = require('node:assert');
const fs = require('node:fs');
const path = require('node:path');
const {execFileSync} = require('node:child_process');
const {launch, axeCheck, ARTIFACTS} = require('./harness.js');

const N = process.env.UI_N, S = process.env.UI_S;
const HUB = process.env.SR_HUB, HUB_DIR = process.env.SR_HUB_DIR;
if (!N || !S || !HUB || !HUB_DIR)
	throw new Error('run by tests/ui/shared_results.sh');
const QN = 'shared-test';
const SECRET = 'ZQSECRET' + Date.now().toString(36);
const DOCS = path.join(__dirname, '..', '..', 'docs', 'reciprocity');

function hub(cmd, ...args) {
	return execFileSync(HUB, [cmd, '--data', HUB_DIR, ...args]).toString();
}

async function sleep(ms) {
	await new Promise((r) => setTimeout(r, ms));
}

async function until(what, fn, secs = 30) {
	for (let i = 0; i < secs * 4; i++) {
		const v = await fn();
		if (v)
			return v;
		await sleep(250);
	}
	throw new Error('timed out waiting for ' + what);
}

async function results(page) {
	return page.evaluate(async (q) => {
		const r = await fetch('/api/results/' + q, {headers: {Accept: 'application/json'}});
		return r.status === 200 ? (await r.json()).results : 'status ' + r.status;
	}, QN);
}

// axe at the kiosk's two sizes, and a screenshot of each; doc: the
// 800x480 one also into docs/reciprocity/.
async function checkScreen(page, name, doc) {
	fs.mkdirSync(ARTIFACTS, {recursive: true});
	for (const [w, h] of [[800, 480], [1920, 1080]]) {
		await page.setViewportSize({width: w, height: h});
		await axeCheck(page, `${name} at ${w}x${h}`);
		await page.screenshot({path: path.join(ARTIFACTS, `${name}-${w}x${h}.png`), fullPage: true});
		if (doc && w === 800)
			await page.screenshot({path: path.join(DOCS, doc), fullPage: true});
	}
	await page.setViewportSize({width: 800, height: 480});
}

// Answer at north's kiosk up to the thank-you screen.
async function answer(page, hours, score) {
	await page.goto(N);
	await page.locator('main h1', {hasText: 'Welcome'}).waitFor();
	await page.locator('.choices-list').first().getByRole('button', {name: /The library/}).click();
	const english = page.locator('main').getByRole('button', {name: 'English', exact: true});
	await Promise.race([english.waitFor(), page.locator('main h1', {hasText: 'opening hours'}).waitFor()]);
	if (await english.count())
		await english.click();
	await page.locator('main h1', {hasText: 'Are the opening hours right for you?'}).waitFor();
	await page.locator(`input[name="q_hours"][value="${hours}"]`).check();
	await page.locator('#btn-next').click();
	await page.locator(`input[name="q_score"][value="${score}"]`).check();
	await page.locator('#btn-next').click();
	await page.getByRole('textbox', {name: 'Anything else?'}).fill(SECRET);
	await page.getByRole('button', {name: 'Send my answers'}).click();
	await page.locator('main h1', {hasText: 'Thank you'}).waitFor();
}

describe('shared results', () => {
	let browser, page;

	before(async () => {
		fs.mkdirSync(DOCS, {recursive: true});
		browser = await launch();
		page = await browser.context.newPage();
		await page.setViewportSize({width: 800, height: 480});
		hub('share', QN, '--k', '5');
		hub('release', '--now');
	});
	after(async () => {
		await browser.close();
	});

	test('fewer than k: "not enough answers yet", and no number', async () => {
		await page.goto(N);
		await until('north learns it is shared', async () => {
			const r = await results(page);
			return r && typeof r === 'object' && r.total === null;
		});
		await answer(page, 'later', 4);
		const box = page.getByRole('region', {name: 'What people in North said'});
		await box.locator('#shared-not-yet').waitFor();
		const text = await box.textContent();
		assert.match(text, /Not enough answers yet to show any results\. We show them once at least 5 people in North have answered\./);
		assert.ok(!/about \d|\d+ people have/i.test(text), `no figure: ${text}`);
		await checkScreen(page, 'shared1-not-yet', 'shared-not-yet.png');
	});

	test('k responses and a release: the rounded figures after the next submit', async () => {
		// 8 in all: 6 later, 1 yes, 1 earlier; scores 31 / 8
		for (const [h, s] of [['later', 5], ['later', 3], ['later', 4], ['later', 4], ['later', 2],
			['yes', 5], ['earlier', 4]])
			await answer(page, h, s);
		await until('the hub has 8 responses', async () => /north\t8 response/.test(hub('release')));
		assert.match(hub('release', '--now'), /north\t8 response\(s\)\treleased/);
		await until('north has the figures', async () => {
			const r = await results(page);
			return r && typeof r === 'object' && r.total === 10;
		});
		await answer(page, 'later', 5);
		const box = page.getByRole('region', {name: 'What people in North said'});
		await box.locator('#shared-total').waitFor();
		const text = (await box.textContent()).replace(/\s+/g, ' ');
		assert.match(text, /About 10 people in North have answered so far\./);
		assert.match(text, /Are the opening hours right for you\? The most common answer: I need it open later\./);
		assert.ok(!(await page.content()).includes(SECRET), 'free text never');
		await checkScreen(page, 'shared2-thanks', 'shared-thanks.png');
	});

	test('"See what people said": every question as text and a table', async () => {
		await page.goto(N);
		await page.locator('main h1', {hasText: 'Welcome'}).waitFor();
		await page.getByRole('button', {name: /See what people said: The library/}).click();
		await page.locator('main h1', {hasText: 'What people said'}).waitFor();
		const table = page.getByRole('table', {name: 'Are the opening hours right for you?'});
		const rows = await table.getByRole('row').allTextContents();
		// of 8: 6 later (rounded to 5), 1 yes and 1 earlier (fewer than k)
		assert.deepStrictEqual(rows.map((r) => r.replace(/\s+/g, ' ').trim()), [
			'AnswerPeople', 'Yesfewer than 5', 'I need it open laterabout 5', 'I need it open earlierfewer than 5']);
		const main = await page.locator('main').textContent();
		assert.match(main, /Average answer: 3\.9/);
		assert.ok(!main.includes('Anything else?'), 'no free-text question');
		await checkScreen(page, 'shared3-screen', 'shared-screen.png');
		await page.getByRole('button', {name: 'Back to the start'}).click();
		await page.locator('main h1', {hasText: 'Welcome'}).waitFor();
	});

	test('south never has north\'s figures', async () => {
		await page.goto(S);
		const r = await results(page);
		assert.ok(r === null || r.total === null, `south: ${JSON.stringify(r)}`);
	});

	test('unshared: the figures leave the north kiosk', async () => {
		hub('share', QN, '--off');
		await page.goto(N);
		await until('north drops them', async () => (await results(page)) === null);
		await page.goto(N);
		await page.locator('main h1', {hasText: 'Welcome'}).waitFor();
		await sleep(300);
		assert.strictEqual(await page.getByRole('button', {name: /See what people said/}).count(), 0);
	});
});
