// "You said, we did" updates in Chromium at two real kiosks (issue 13 item
// 1, docs/reciprocity.md); set up by tests/ui/updates.sh, which passes
// UI_A (north: "cafe" with an image and linked to "visit", "benches" for
// today only, "hours" for every region) and UI_B (south). The welcome
// screen shows A's updates one at a time with Previous, Pause and Next;
// the clock is Playwright's, so the rotation's timing is checked without
// waiting: nothing moves before 12 s, Pause stops it (aria-pressed) and
// the slide is then announced (aria-live polite), reduced motion never
// moves it; the image comes from the kiosk with its type, nosniff and
// without its text chunk; Welsh chosen shows the Welsh texts and the
// default language where there is none; B shows only "hours"; after
// answering "visit", the thank-you screen shows "cafe". axe: zero serious
// or critical at 800x480 and 1920x1080.
'use strict';
const {test, describe, before, after} = require('node:test');
const assert = require('node:assert');
const fs = require('node:fs');
const path = require('node:path');
const {launch, axeCheck, ARTIFACTS} = require('./harness.js');

const A = process.env.UI_A, B = process.env.UI_B;
if (!A || !B)
	throw new Error('run by tests/ui/updates.sh');
const DOCS = path.join(__dirname, '..', '..', 'docs', 'reciprocity');

async function checkScreen(page, name, doc) {
	fs.mkdirSync(ARTIFACTS, {recursive: true});
	for (const [w, h] of [[800, 480], [1920, 1080]]) {
		await page.setViewportSize({width: w, height: h});
		await axeCheck(page, `${name} at ${w}x${h}`);
		await page.screenshot({path: path.join(ARTIFACTS, `${name}-${w}x${h}.png`), fullPage: true});
	}
	if (doc) {
		fs.mkdirSync(DOCS, {recursive: true});
		fs.copyFileSync(path.join(ARTIFACTS, `${name}-800x480.png`), path.join(DOCS, `${doc}.png`));
	}
	await page.setViewportSize({width: 800, height: 480});
}

const slideTitle = (page) => page.locator('#updates-slide h3').textContent();

describe('updates at the kiosk', () => {
	let browser, page;

	before(async () => {
		browser = await launch();
		page = await browser.context.newPage();
	});
	after(async () => {
		if (browser)
			await browser.close();
	});

	test('the welcome screen rotates A\'s updates for reading, with Pause', async () => {
		await page.clock.install();
		await page.goto(A);
		await page.locator('main h1', {hasText: 'Welcome'}).waitFor();
		const box = page.getByRole('region', {name: 'You said, we did'});
		await box.waitFor();
		assert.strictEqual(await page.locator('#updates-slide article').count(), 1);
		assert.match(await box.textContent(), /1 of 3/);
		const first = await slideTitle(page);
		assert.strictEqual(await page.locator('#updates-slide').getAttribute('aria-live'), 'off');
		const pause = page.getByRole('button', {name: 'Pause'});
		assert.strictEqual(await pause.getAttribute('aria-pressed'), 'false');
		await page.mouse.move(0, 0);
		await page.clock.runFor(11000);
		assert.strictEqual(await slideTitle(page), first, 'moved before 12 s');
		await page.clock.runFor(2000);
		assert.notStrictEqual(await slideTitle(page), first, 'not moved at 13 s');
		// Pause: it stays, and is now announced.
		await pause.click();
		await page.mouse.move(0, 0);
		assert.strictEqual(await pause.getAttribute('aria-pressed'), 'true');
		assert.strictEqual(await page.locator('#updates-slide').getAttribute('aria-live'), 'polite');
		const held = await slideTitle(page);
		await page.clock.runFor(120000);
		assert.strictEqual(await slideTitle(page), held, 'moved while paused');
		// Next and Previous by hand.
		await page.getByRole('button', {name: 'Next'}).click();
		assert.notStrictEqual(await slideTitle(page), held);
		await page.getByRole('button', {name: 'Previous'}).click();
		assert.strictEqual(await slideTitle(page), held);
		// Until the cafe update (the one with the image) shows.
		for (let i = 0; i < 3 && !/café/.test(await slideTitle(page)); i++)
			await page.getByRole('button', {name: 'Next'}).click();
		assert.match(await slideTitle(page), /The café now opens until 7pm/);
		const img = page.locator('#updates-slide img');
		await page.waitForFunction(() => { const i = document.querySelector('#updates-slide img'); return i && i.complete && i.naturalWidth === 64; });
		assert.strictEqual(await img.getAttribute('alt'), '');
		await checkScreen(page, 'updates-welcome', 'updates-welcome');
	});

	test('the image is served by the kiosk, typed, nosniff, without its metadata', async () => {
		const r = await page.request.get(new URL('/api/updates/cafe/image', A).href);
		assert.strictEqual(r.status(), 200);
		assert.strictEqual(r.headers()['content-type'], 'image/png');
		assert.strictEqual(r.headers()['x-content-type-options'], 'nosniff');
		assert.match(r.headers()['cache-control'], /no-store/);
		const bytes = await r.body();
		assert.ok(!bytes.includes(Buffer.from('Ann Example')));
		assert.strictEqual(bytes.subarray(1, 4).toString(), 'PNG');
		assert.strictEqual((await page.request.get(new URL('/api/updates/benches/image', A).href)).status(), 404);
		assert.strictEqual((await page.request.get(new URL('/api/updates/hours/image', B).href)).status(), 404);
	});

	test('reduced motion: nothing moves on its own', async () => {
		const p = await browser.context.newPage();
		await p.emulateMedia({reducedMotion: 'reduce'});
		await p.clock.install();
		await p.goto(A);
		await p.getByRole('region', {name: 'You said, we did'}).waitFor();
		assert.strictEqual(await p.getByRole('button', {name: 'Pause'}).getAttribute('aria-pressed'), 'true');
		assert.strictEqual(await p.locator('#updates-slide').getAttribute('aria-live'), 'polite');
		const t0 = await slideTitle(p);
		await p.clock.runFor(120000);
		assert.strictEqual(await slideTitle(p), t0);
		await p.close();
	});

	test('B (south) shows only the update for every region', async () => {
		const p = await browser.context.newPage();
		await p.goto(B);
		const box = p.getByRole('region', {name: 'You said, we did'});
		await box.waitFor();
		assert.match(await box.textContent(), /Longer library hours/);
		assert.doesNotMatch(await box.textContent(), /café|benches/);
		// One update: no rotation controls, announced.
		assert.strictEqual(await p.getByRole('button', {name: 'Pause'}).count(), 0);
		await p.close();
	});

	test('after answering, the thank-you screen shows the linked update, in Welsh', async () => {
		const p = await browser.context.newPage();
		await p.goto(A);
		await p.getByRole('region', {name: 'You said, we did'}).waitFor();
		await p.getByRole('button', {name: /Your visit/}).click();
		const cy = p.getByRole('button', {name: /Cymraeg/});
		if (await cy.count())
			await cy.first().click();
		await p.getByRole('textbox').first().fill('More seats please');
		await p.getByRole('button', {name: /Send|Anfon/}).first().click();
		const box = p.getByRole('region', {name: /What changed|newid/});
		await box.waitFor();
		const text = await box.textContent();
		assert.match(text, /Mae'r caffi ar agor tan 7pm|The café now opens until 7pm/);
		assert.doesNotMatch(text, /benches|library hours/);
		assert.strictEqual(await box.getAttribute('data-hold'), '1');
		await checkScreen(p, 'updates-thanks', 'updates-thanks');
		await p.close();
	});
});
