// "I'd like someone to contact me" in Chromium against a real hub and two
// real kiosks of one region (issue 13 item 4, docs/reciprocity.md); set up
// by tests/ui/contact_request.sh, which passes UI_A, UI_B (the kiosks'
// pages), CR_TMP (A's and B's DATA dirs, the logs), CR_HUB and CR_HUB_DIR.
// A person answers at A, is offered the separate step on the thank-you
// screen, asks to be contacted; nothing is kept before Send; the request
// is released after A's delay, synced and listed at B as a requested
// contact due today; the stores, the hub's exports (CSV and XLSX, responses
// and contacts) and the logs hold nothing that links it to the response;
// the worker takes it and closes it, which erases it (kind delete). A
// cancelled form and a half-filled one cleared by the idle reset leave
// nothing anywhere. axe: zero serious or critical at 1280x800 and 390x844
// on every new screen.
'use strict';
const {test, describe, before, after} = require('node:test');
const assert = require('node:assert');
const fs = require('node:fs');
const path = require('node:path');
const {execFileSync} = require('node:child_process');
const {launch, axeCheck, ARTIFACTS} = require('./harness.js');
const {jsonl, sql, filesHolding, sleep, until} = require('./system_lib.js');

const A = process.env.UI_A, B = process.env.UI_B, TMP = process.env.CR_TMP;
const HUB = process.env.CR_HUB, HUB_DIR = process.env.CR_HUB_DIR;
if (!A || !B || !TMP || !HUB || !HUB_DIR)
	throw new Error('run by tests/ui/contact_request.sh');
const DIR_A = path.join(TMP, 'a'), DIR_B = path.join(TMP, 'b');
const tag = Date.now().toString(36);
const NAME = 'Zorah' + tag, HOW = 'zq-how-' + tag + '@example.org', RESP = 'ZQRESP' + tag;
const CANCEL = 'ZQCANCEL' + tag, HALF = 'ZQHALF' + tag;
const DELAY_MIN_MS = 3000;
const QN = 'contact-test';
let sentAt = 0; // when the person pressed Send (ms)

function hub(cmd, ...args) {
	return execFileSync(HUB, [cmd, '--data', HUB_DIR, ...args]).toString();
}

// An export as text; an XLSX is a zip of XML parts, read whole.
function exportText(kind, format) {
	const file = path.join(TMP, `export-${kind}-${Date.now()}.${format}`);
	const extra = kind === 'responses' && format === 'csv' ? ['--questionnaire', QN] : [];
	hub('export', kind, '--format', format, '--output', file, ...extra);
	const text = format === 'xlsx' ? execFileSync('unzip', ['-p', file]).toString()
		: fs.readFileSync(file, 'utf8');
	fs.rmSync(file);
	return text;
}

function logs() {
	return fs.readdirSync(TMP).filter((f) => f.endsWith('.log')).map((f) => path.join(TMP, f));
}

function waiting() {
	const f = path.join(DIR_A, 'contact-requests.json');
	return fs.existsSync(f) ? JSON.parse(fs.readFileSync(f, 'utf8')).requests : [];
}

// A UUIDv7's time (ms).
function uuidMs(id) {
	return parseInt(id.replace(/-/g, '').slice(0, 12), 16);
}

// axe at both sizes of the issue, and a screenshot of each.
async function checkScreen(page, name) {
	fs.mkdirSync(ARTIFACTS, {recursive: true});
	for (const [w, h] of [[1280, 800], [390, 844]]) {
		await page.setViewportSize({width: w, height: h});
		await axeCheck(page, `${name} at ${w}x${h}`);
		await page.screenshot({path: path.join(ARTIFACTS, `${name}-${w}x${h}.png`), fullPage: true});
	}
	await page.setViewportSize({width: 1280, height: 800});
}

async function welcome(page) {
	await page.locator('main h1', {hasText: 'Welcome'}).waitFor();
}

// Answer the questionnaire at A up to its thank-you screen.
async function answer(page, text) {
	await page.goto(A);
	await welcome(page);
	await page.getByRole('button', {name: 'Your visit'}).click();
	await page.getByRole('textbox', {name: 'Anything to tell us?'}).fill(text);
	await page.getByRole('button', {name: 'Send my answers'}).click();
	await page.locator('main h1', {hasText: 'Thank you'}).waitFor();
}

async function openForm(page) {
	await page.getByRole('button', {name: 'Yes, ask someone to contact me'}).click();
	await page.locator('main h1', {hasText: 'Would you like someone to contact you?'}).waitFor();
}

describe('asking to be contacted', () => {
	let browser, page;

	before(async () => {
		browser = await launch();
		page = await browser.context.newPage();
		await page.setViewportSize({width: 1280, height: 800});
	});

	after(async () => {
		await browser.close();
	});

	test('a separate, optional step on the thank-you screen; nothing kept before Send; no details after', async () => {
		await answer(page, RESP);
		const offer = page.getByRole('region', {name: 'Would you like someone to contact you?'});
		assert.match(await offer.textContent(), /separate from your answers: they will not be linked/);
		await checkScreen(page, 'cr1-thanks-offer');
		await openForm(page);
		// Every field by its label; the consent says who sees it and for how long.
		await page.getByLabel('What should we call you?').waitFor();
		const consent = page.getByRole('checkbox', {name: /outreach workers of this area will see my name.*after 90 days at the latest/});
		assert.strictEqual(await consent.isChecked(), false, 'consent is never ticked for the person');
		await checkScreen(page, 'cr2-form');
		// Send with nothing: each fault named next to its field, nothing queued.
		await page.getByRole('button', {name: 'Send my request'}).click();
		assert.strictEqual(await page.locator('#cr-err-name').textContent(), 'Please answer this question.');
		assert.strictEqual(await page.locator('#cr-err-consent').textContent(),
			'Please tick the box to agree, or choose Cancel.');
		assert.strictEqual(await page.getByLabel('What should we call you?').getAttribute('aria-invalid'), 'true');
		await checkScreen(page, 'cr3-form-errors');
		await page.getByLabel('What should we call you?').fill(NAME);
		await page.getByRole('radio', {name: 'A text message or email'}).check();
		await page.getByLabel('How can we reach you?').fill(HOW);
		await page.getByRole('radio', {name: 'Housing'}).check();
		await consent.check();
		assert.deepStrictEqual(waiting(), [], 'nothing is saved before Send');
		sentAt = Date.now();
		await page.getByRole('button', {name: 'Send my request'}).click();
		await page.locator('main h1', {hasText: 'Your request has been sent'}).waitFor();
		const shown = await page.locator('main').textContent();
		assert.ok(!shown.includes(NAME) && !shown.includes(HOW), 'the confirmation shows no details');
		assert.strictEqual(await page.locator('input').count(), 0);
		await checkScreen(page, 'cr4-sent');
		// Durable before "sent", and nothing of the response with it.
		const q = waiting();
		assert.strictEqual(q.length, 1);
		assert.deepStrictEqual(Object.keys(q[0]).sort(), ['by', 'how', 'name', 'release_ms', 'topic', 'topic_label']);
		assert.strictEqual(q[0].name, NAME);
		assert.ok(!JSON.stringify(q[0]).includes(QN) && !JSON.stringify(q[0]).includes(RESP));
		assert.ok(q[0].release_ms >= sentAt + DELAY_MIN_MS - 1000, 'released later, not now');
		await page.getByRole('button', {name: 'Finish'}).click();
		await welcome(page);
	});

	test('Cancel: nothing is kept, the next person starts afresh', async () => {
		await answer(page, 'second visit');
		await openForm(page);
		await page.getByLabel('What should we call you?').fill(CANCEL);
		await page.getByRole('button', {name: 'Cancel'}).click();
		await welcome(page);
		assert.ok(!(await page.content()).includes(CANCEL));
		assert.deepStrictEqual(filesHolding(DIR_A, CANCEL), []);
		assert.ok(waiting().every((r) => r.name !== CANCEL));
	});

	test('the idle reset clears a half-filled form: the next person never sees it', async () => {
		await answer(page, 'third visit');
		await openForm(page);
		await page.getByLabel('What should we call you?').fill(HALF);
		await page.getByRole('radio', {name: 'A phone call'}).check();
		// 30 s idle (--ui-idle-timeout 30): the warning, then a fresh page.
		await page.locator('#idle').waitFor({state: 'visible', timeout: 40000});
		await page.locator('main h1', {hasText: 'Welcome'}).waitFor({timeout: 40000});
		assert.ok(!(await page.content()).includes(HALF));
		const values = await page.locator('input').evaluateAll((l) => l.map((i) => i.value));
		assert.ok(values.every((v) => !v.includes(HALF)));
		await page.goBack().catch(() => {});
		assert.ok(!(await page.content()).includes(HALF), 'not in the history either');
		assert.deepStrictEqual(filesHolding(DIR_A, HALF), []);
		assert.ok(waiting().every((r) => r.name !== HALF));
	});

	test('released, synced, in the follow-ups at B; no store, export or log links it to the response; closed means erased', async () => {
		// The response at the hub, and the contact once A released and synced it.
		const resp = await until('the response at the hub', () =>
			jsonl(hub('export', 'responses', '--format', 'jsonl')).find((r) => r.answers && r.answers.comment === RESP));
		const contact = await until('the released contact at the hub', () =>
			jsonl(hub('export', 'contacts', '--format', 'jsonl')).find((c) => (c.notes || '').includes(NAME)));
		assert.deepStrictEqual(waiting(), [], 'the request left A\'s queue once released');
		assert.strictEqual(contact.status, 'requested');
		assert.strictEqual(contact.worker, '(kiosk)');
		assert.strictEqual(contact.region, 'north');
		assert.strictEqual(contact.channel, 'text');
		assert.deepStrictEqual(contact.topics, ['housing']);
		assert.ok(contact.notes.includes(HOW) && contact.notes.includes('Housing'));
		// Nothing of the response in the contact: no id, questionnaire,
		// version, language, or answer; only the contact model's fields.
		const allowed = ['id', 'region', 'person_ref', 'contact_at', 'channel', 'duration_min', 'topics',
			'support', 'signposted', 'follow_up_date', 'follow_up_done', 'status', 'worker', 'notes', 'deleted'];
		assert.deepStrictEqual(Object.keys(contact).filter((k) => !allowed.includes(k)), []);
		const cText = JSON.stringify(contact);
		for (const s of [resp.id, QN, RESP, resp.started_at, resp.submitted_at])
			assert.ok(!cText.includes(s), `the contact holds ${s}`);
		assert.ok(!JSON.stringify(resp).includes(contact.id) && !JSON.stringify(resp).includes(NAME));
		// Its stamps are the release's: at least the delay after Send (and
		// so after the answers), never the time of the visit.
		const submitted = Date.parse(resp.submitted_at);
		assert.ok(sentAt > 0 && sentAt >= submitted);
		assert.ok(uuidMs(contact.id) - sentAt >= DELAY_MIN_MS - 50,
			`contact made ${uuidMs(contact.id) - sentAt} ms after Send`);
		assert.ok(Date.parse(contact.contact_at) - sentAt >= DELAY_MIN_MS - 1000);
		// The hub's store: the contact's rows hold no response id, the
		// response's row no contact id or name, and they came in different
		// change sets (the contact's seqs all after the response's).
		const db = path.join(HUB_DIR, 'hub.db');
		const fields = sql(db, `SELECT field, value, hlc, site, seq FROM contact_fields WHERE contact_id = '${contact.id}'`);
		assert.ok(fields.length > 0);
		assert.ok(!JSON.stringify(fields).includes(resp.id));
		const rrow = sql(db, `SELECT * FROM responses WHERE id = '${resp.id}'`);
		assert.strictEqual(rrow.length, 1);
		assert.ok(!JSON.stringify(rrow).includes(contact.id) && !JSON.stringify(rrow).includes(NAME));
		assert.ok(fields.every((f) => f.seq > rrow[0].seq), 'the contact arrived after the response');
		assert.ok(fields.every((f) => Math.floor(f.hlc / 65536) - sentAt >= DELAY_MIN_MS - 50));
		// The kiosks' stores: A's and B's contact rows hold no response id.
		for (const dir of [DIR_A, DIR_B]) {
			const kf = sql(path.join(dir, 'kiosk.db'), `SELECT * FROM contact_fields WHERE contact_id = '${contact.id}'`);
			assert.ok(!JSON.stringify(kf).includes(resp.id), dir);
			const kr = sql(path.join(dir, 'kiosk.db'), 'SELECT * FROM responses');
			assert.ok(!JSON.stringify(kr).includes(NAME) && !JSON.stringify(kr).includes(contact.id), dir);
		}
		// The exports, both formats: no response in the contacts, no contact in the responses.
		for (const format of ['csv', 'xlsx']) {
			const r = exportText('responses', format), c = exportText('contacts', format);
			assert.ok(r.includes(resp.id), `responses ${format} has the response`);
			assert.ok(c.includes(contact.id), `contacts ${format} has the contact`);
			for (const s of [NAME, HOW, contact.id])
				assert.ok(!r.includes(s), `responses ${format} holds ${s}`);
			for (const s of [resp.id, RESP, QN])
				assert.ok(!c.includes(s), `contacts ${format} holds ${s}`);
		}
		// No log carries the details; the cancelled and the cleared forms are nowhere.
		for (const f of logs())
			for (const s of [NAME, HOW, CANCEL, HALF])
				assert.ok(!fs.readFileSync(f, 'utf8').includes(s), `${path.basename(f)} holds ${s}`);
		for (const dir of [DIR_A, DIR_B, HUB_DIR])
			for (const s of [CANCEL, HALF])
				assert.deepStrictEqual(filesHolding(dir, s), [], `${s} in ${dir}`);

		// B: the worker's follow-ups list it as a requested contact, due today.
		const w = await browser.context.newPage();
		await w.setViewportSize({width: 1280, height: 800});
		await w.goto(B);
		await welcome(w);
		await w.getByRole('button', {name: 'Staff'}).click();
		await w.locator('#w-name').fill('kim');
		await w.locator('#w-pin').fill('975319');
		await w.locator('#w-pin').press('Enter');
		await w.locator('main h1', {hasText: 'Follow-ups due'}).waitFor();
		const row = w.locator('tr', {hasText: contact.person_ref});
		await until('the request at B', async () => {
			if (await row.count() > 0)
				return true;
			await w.getByRole('button', {name: 'Follow-ups due'}).click();
			return false;
		});
		assert.match(await row.textContent(), /Requested contact/);
		assert.match(await row.textContent(), /Due today/);
		await checkScreen(w, 'cr5-worker-followups');
		await w.getByRole('button', {name: 'Take requested contact ' + contact.person_ref}).click();
		await w.locator('main h1', {hasText: 'Update contact'}).waitFor();
		await w.locator('#c-request-hint').waitFor();
		assert.ok((await w.getByLabel('Notes').inputValue()).includes(NAME));
		assert.strictEqual(await w.getByLabel('Status').inputValue(), 'open');
		await checkScreen(w, 'cr6-taken');
		// Done: closing erases it at B, the hub (kind delete) and A.
		await w.getByLabel('Status').selectOption('closed');
		await w.getByRole('button', {name: 'Save contact'}).click();
		await w.locator('main h1', {hasText: 'Contacts'}).waitFor();
		await until('the erasure at the hub', () =>
			sql(db, `SELECT kind FROM erasures WHERE id = '${contact.id}'`).some((e) => e.kind === 'delete'));
		assert.strictEqual(sql(db, `SELECT count(*) AS n FROM contact_fields WHERE contact_id = '${contact.id}'`)[0].n, 0);
		assert.ok(!exportText('contacts', 'csv').includes(NAME));
		await until('the erasure at A', () =>
			sql(path.join(DIR_A, 'kiosk.db'), `SELECT count(*) AS n FROM contact_fields WHERE contact_id = '${contact.id}'`)[0].n === 0);
		await w.close();
	});
});
