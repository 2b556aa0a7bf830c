// The console's Questionnaires page in Chromium (issue 11, "Questionnaires"):
// a bad file's faults listed with their JSON paths (and announced), a good
// one previewed by the kiosk's own page code (its question and options as a
// kiosk shows them; answering and sending in the preview stores nothing),
// published, offered to region a only: a real agent of region a lists it
// on its welcome screen (/api/kiosk) after a sync, one of region b does
// not; then withdrawn and retired from the page. axe-core at 1280x800 and
// 390x844 with the faults and with the preview; screenshots in
// $UI_ARTIFACTS. Run by tests/ui/run.sh.
'use strict';
const {test, describe, before, after} = require('node:test');
const assert = require('node:assert');
const fs = require('node:fs');
const path = require('node:path');
const {spawn} = require('node:child_process');
const net = require('node:net');
const {startHub, hubCmd, enrollKiosk, launch, newPage, login, openPage, checkPage, request} =
	require('./console_harness.js');

const PW = 'admin password 1';
const QN = 'friends-and-family';
const GOOD = path.join(__dirname, '..', '..', 'schema', 'examples', `${QN}.json`);

function freePort() {
	return new Promise((resolve) => {
		const s = net.createServer();
		s.listen(0, '127.0.0.1', () => {
			const p = s.address().port;
			s.close(() => resolve(p));
		});
	});
}

// The kiosk daemon with its UI, syncing every second: {port, stop()}.
async function runKiosk(kiosk) {
	const port = await freePort();
	const proc = spawn(process.env.AGENT_BIN, ['run', '--data', kiosk.dir, '--sync-interval', '1',
		'--max-backoff', '2', '--ui-listen', `127.0.0.1:${port}`], {stdio: 'ignore'});
	const k = {port, proc, stop: () => new Promise((r) => { proc.on('exit', r); proc.kill('SIGTERM'); })};
	for (let i = 0; i < 200; i++) {
		const r = await kioskList(k).catch(() => null);
		if (r !== null)
			return k;
		await new Promise((r) => setTimeout(r, 50));
	}
	throw new Error('the kiosk UI did not start');
}

// The ids the kiosk's welcome screen lists (GET /api/kiosk as its page asks).
async function kioskList(k) {
	const base = `http://127.0.0.1:${k.port}`;
	const r = await request(k.port, 'GET', '/api/kiosk', {Host: `127.0.0.1:${k.port}`, Origin: base,
		'Sec-Fetch-Site': 'same-origin'});
	if (r.status !== 200)
		throw new Error(`kiosk answered ${r.status}`);
	return JSON.parse(r.body).questionnaires.map((q) => q.id);
}

async function until(what, fn, ms = 20000) {
	const end = Date.now() + ms;
	for (;;) {
		if (await fn())
			return;
		if (Date.now() > end)
			throw new Error(`timed out: ${what}`);
		await new Promise((r) => setTimeout(r, 200));
	}
}

describe('console questionnaires', () => {
	let hub, browser, page, kioskA, kioskB, runA, runB, tmp;

	before(async () => {
		hub = await startHub({users: [{name: 'root-admin', role: 'admin', password: PW}]});
		kioskA = enrollKiosk(hub, 'library-a', 'a');
		kioskB = enrollKiosk(hub, 'surgery-b', 'b');
		runA = await runKiosk(kioskA);
		runB = await runKiosk(kioskB);
		tmp = fs.mkdtempSync(path.join(require('node:os').tmpdir(), 'fs-q-'));
		browser = await launch();
		page = await newPage(browser);
		await login(page, hub, 'root-admin', PW);
	});
	after(async () => {
		for (const r of [runA, runB])
			if (r)
				await r.stop();
		if (browser)
			await browser.close();
		if (hub)
			await hub.stop();
		for (const k of [kioskA, kioskB])
			if (k)
				k.remove();
		if (tmp)
			fs.rmSync(tmp, {recursive: true, force: true});
	});

	test('a bad file: its fault with the JSON path, announced, nothing published', async () => {
		await openPage(page, 'questionnaires', 'Questionnaires');
		const doc = JSON.parse(fs.readFileSync(GOOD, 'utf8'));
		doc.questions[0].options[2].value = 'Not Valid';
		const bad = path.join(tmp, 'bad.json');
		fs.writeFileSync(bad, JSON.stringify(doc, null, 2));
		await page.getByLabel('Questionnaire file (JSON)').setInputFiles(bad);
		const item = page.locator('#q-errors li').first();
		await item.waitFor();
		assert.strictEqual(await item.locator('.q-path').textContent(), 'questions[0].options[2].value');
		assert.match(await item.textContent(), /does not match \[a-z0-9_\]\{1,64\}/);
		const alert = page.locator('#alert');
		assert.strictEqual(await alert.getAttribute('role'), 'alert');
		assert.match(await alert.textContent(), /questions\[0\]\.options\[2\]\.value: /);
		assert.strictEqual(await page.locator('#q-publish').count(), 0, 'no publish button');
		await checkPage(page, 'questionnaires-errors');
		// Not JSON at all: the line and column.
		const junk = path.join(tmp, 'junk.json');
		fs.writeFileSync(junk, '{"format": "fieldsync-questionnaire/1",\n  "id": }');
		await page.getByLabel('Questionnaire file (JSON)').setInputFiles(junk);
		await page.locator('#q-errors li', {hasText: 'line 2'}).waitFor();
		assert.strictEqual(await page.locator('#q-errors .q-path').first().textContent(), 'document');
		assert.strictEqual(JSON.parse(hubCmd(hub, ['questionnaires', '--json'])).length, 0);
	});

	test('a good file: previewed by the kiosk page, nothing stored; published', async () => {
		await page.getByLabel('Questionnaire file (JSON)').setInputFiles(GOOD);
		await page.locator('#q-valid').waitFor();
		const frame = page.frameLocator('#q-preview-frame');
		await frame.locator('main h1', {hasText: 'Welcome'}).waitFor();
		await frame.getByRole('button', {name: 'Tell us about your visit'}).click();
		await frame.locator('main').getByRole('button', {name: 'English', exact: true}).click();
		await frame.locator('main h1', {hasText: 'Overall, how was your experience of our service?'}).waitFor();
		const labels = await frame.locator('main label').allTextContents();
		for (const o of ['Very good', 'Good', 'Neither good nor poor', 'Poor', 'Very poor', "Don't know"])
			assert.ok(labels.some((l) => l.trim() === o), `option ${o} shown: ${labels}`);
		await checkPage(page, 'questionnaires-preview');
		// Answer and send in the preview: the kiosk thanks, nothing leaves.
		await frame.locator('input[name="q_overall"][value="good"]').check();
		await frame.locator('#btn-next').click();
		await frame.locator('#btn-next', {hasText: 'Send my answers'}).waitFor();
		await frame.locator('#btn-next').click();
		await frame.locator('main h1', {hasText: 'Thank you'}).waitFor();
		const submitted = await page.locator('#q-preview-frame').evaluate((f) => f.contentWindow.fsPreviewSubmitted);
		assert.strictEqual(submitted, 1, 'the submission stayed in the frame');
		await page.locator('#q-preview-note', {hasText: 'nothing was saved or sent'}).waitFor();
		assert.strictEqual(hubCmd(hub, ['export', 'responses', '--format', 'jsonl']).trim(), '');

		await page.getByRole('button', {name: `Publish ${QN} version 1`}).click();
		await page.locator('#q-published', {hasText: `Published ${QN} version 1`}).waitFor();
		await page.getByRole('table', {name: 'Published questionnaires'}).waitFor();
		const row = page.getByRole('row', {name: new RegExp(QN)});
		assert.match(await row.textContent(), /everywhere/);
		const list = JSON.parse(hubCmd(hub, ['questionnaires', '--json']));
		assert.strictEqual(list[0].id, QN);
		const audit = hubCmd(hub, ['audit', '--json']);
		assert.match(audit, /"action":"publish","actor":"console:root-admin"/);
	});

	test('offered to region a: a real kiosk of a lists it, one of b does not', async () => {
		await until('both kiosks list it', async () =>
			(await kioskList(runA)).includes(QN) && (await kioskList(runB)).includes(QN));
		await page.getByRole('button', {name: `Manage ${QN}`}).click();
		await page.getByLabel('Region with kiosks').selectOption('a');
		await page.getByRole('button', {name: 'Offer in this region'}).click();
		await page.locator(`#qm-${QN}-now`, {hasText: 'Offered now: a.'}).waitFor();
		await until('b stops listing it', async () => !(await kioskList(runB)).includes(QN));
		assert.ok((await kioskList(runA)).includes(QN), 'a lists it');
		await checkPage(page, 'questionnaires-offers');
		const audit = hubCmd(hub, ['audit', '--json']);
		assert.match(audit, /"action":"offer","actor":"console:root-admin","at":"[^"]+","at_ms":\d+,"detail":\{"questionnaire":"friends-and-family","region":"a"\}/);
	});

	test('withdrawn from a, then retired: a stops listing it; the API refuses what it must', async () => {
		await page.getByLabel('Region with kiosks').selectOption('a');
		await page.getByRole('button', {name: 'Withdraw from this region'}).click();
		await page.locator(`#qm-${QN}-now`, {hasText: 'Offered now: nowhere.'}).waitFor();
		await until('a stops listing it', async () => !(await kioskList(runA)).includes(QN));
		await page.getByRole('button', {name: 'Offer everywhere'}).click();
		await page.locator(`#qm-${QN}-now`, {hasText: 'Offered now: everywhere.'}).waitFor();
		await until('a lists it again', async () => (await kioskList(runA)).includes(QN));
		await page.getByRole('button', {name: `Retire ${QN}`}).click();
		await page.locator(`#qm-${QN}-now`, {hasText: 'retired'}).waitFor();
		await until('a stops listing it', async () => !(await kioskList(runA)).includes(QN));
		// Without a session, or cross-origin, nothing is changed.
		const r = await request(hub.port, 'POST', '/api/questionnaires/retire',
			{'Content-Type': 'application/json', Host: `127.0.0.1:${hub.port}`,
				Origin: `http://127.0.0.1:${hub.port}`}, JSON.stringify({id: QN, retired: false}));
		assert.ok(r.status === 401 || r.status === 403, `no session: ${r.status}`);
		assert.strictEqual(JSON.parse(hubCmd(hub, ['questionnaires', '--json']))[0].retired, true);
		await page.getByRole('button', {name: `Bring ${QN} back`}).click();
		await page.locator(`#qm-${QN}-now`, {hasText: 'Offered now: everywhere.'}).waitFor();
	});
});
