// The console's public receipt page in Chromium (GET /receipt, issue 13
// item 3): no login. A kiosk's response carries the hash of a known code;
// the person types the code loosely and sees it received, withdraws it
// (a confirm step) and sees it withdrawn, and the response is gone from
// the hub's export; a mistyped code is refused in plain words; a code in
// the fragment (/receipt#CODE, the kiosk's QR) fills the field and leaves
// the address bar; a call without the page's form token, or from another
// origin, is refused; the 11th lookup a minute from one address is 429;
// no code or hash in the hub's log. axe-core at 1280x800 and 390x844; the
// screenshot docs/reciprocity.md uses. Run by tests/ui/run.sh with HUB_BIN.
'use strict';
const {test, describe, before, after} = require('node:test');
const assert = require('node:assert');
const fs = require('node:fs');
const path = require('node:path');
const zlib = require('node:zlib');
const {execFileSync} = require('node:child_process');
const {startHub, hubCmd, launch, newPage, checkPage, stopAll, request, SIZES} =
	require('./console_harness.js');

const EXAMPLE = path.join(__dirname, '..', '..', 'schema', 'examples', 'friends-and-family.json');
const SHOT = path.join(__dirname, '..', '..', 'docs', 'reciprocity', 'receipt-console.png');
const DATA = '7K3MQ9TX2HBD'; // 12 data characters of a code

// The check character of 12 data characters (receipt.h): the value mod 37.
function withCheck(data) {
	const a = '0123456789ABCDEFGHJKMNPQRSTVWXYZ*~$=U';
	let v = 0n;
	for (const ch of data)
		v = v * 32n + BigInt(a.indexOf(ch));
	return data + a[Number(v % 37n)];
}
// The hash stores keep (b2sum: node has no BLAKE2b-256).
function hashOf(code) {
	const data = code.replace(/-/g, '').slice(0, 12);
	return execFileSync('b2sum', ['-l', '256'], {input: Buffer.concat([
		Buffer.from('fieldsync-receipt/1\0'), Buffer.from(data)])}).toString().split(' ')[0];
}

const HLC = () => (BigInt(Date.now()) << 16n).toString(16).padStart(16, '0');

async function enroll(hub, region) {
	const code = hubCmd(hub, ['enroll', '--region', region]).trim();
	const port = Number(new URL(hub.syncUrl).port);
	const r = await request(port, 'POST', '/v1/enroll', {'Content-Type': 'application/json'},
		JSON.stringify({code}));
	return JSON.parse(r.body);
}

async function pushResponse(hub, kiosk, id, receipt) {
	const change = {table: 'responses', id, hlc: HLC(), site: kiosk.site, response: {
		questionnaire: 'friends-and-family', version: 1, language: 'en', mode: 'self',
		started_at: '2026-11-27T10:00:00Z', submitted_at: '2026-11-27T10:01:00Z',
		answers: {overall: 'good'}, receipt}};
	const set = {format: 'fieldsync-changeset/1', site: kiosk.site, from: 0, to: 1, more: false,
		time: Date.now(), changes: [change]};
	const port = Number(new URL(hub.syncUrl).port);
	const r = await request(port, 'POST', '/v1/sync?cursor=0', {
		Authorization: `Bearer ${kiosk.token}`, 'Content-Type': 'application/vnd.fieldsync.changeset+json',
		'Content-Encoding': 'gzip'}, zlib.gzipSync(JSON.stringify(set)));
	assert.strictEqual(r.status, 200, r.body);
}

describe('console public receipt page', () => {
	let hub, browser, page;
	const code = withCheck(DATA);
	const shown = code.slice(0, 4) + '-' + code.slice(4, 8) + '-' + code.slice(8, 12) + '-' + code.slice(12);
	const rid = '0190b6c2-7d2e-7a01-8b3c-4d5e6f708192';

	before(async () => {
		hub = await startHub();
		hubCmd(hub, ['publish', EXAMPLE]);
		const k = await enroll(hub, 'north');
		await pushResponse(hub, k, rid, hashOf(code));
		browser = await launch();
		page = await newPage(browser);
	});
	after(() => stopAll(browser, hub));

	test('the page, without a login: the code, the lost-code warning', async () => {
		await page.goto(hub.url + 'receipt');
		await page.getByRole('heading', {level: 1, name: 'Your receipt'}).waitFor();
		await page.getByText('it cannot be recovered').waitFor();
		await checkPage(page, 'receipt');
	});

	test('a mistyped code is refused in plain words', async () => {
		const wrong = shown.slice(0, -1) + (shown.endsWith('0') ? '1' : '0');
		await page.getByLabel('Receipt code').fill(wrong);
		await page.getByRole('button', {name: 'Look up'}).click();
		await page.getByRole('alert').filter({hasText: 'does not check out'}).waitFor();
		assert.strictEqual(await page.getByLabel('Receipt code').getAttribute('aria-invalid'), 'true');
	});

	test('typed loosely: received, then withdrawn with a confirm step', async () => {
		await page.getByLabel('Receipt code').fill(shown.toLowerCase().replace(/-/g, ' '));
		await page.getByRole('button', {name: 'Look up'}).click();
		await page.getByText('Your answers were received.').waitFor();
		await page.getByText('Questionnaire: Friends and Family Test').waitFor().catch(async () =>
			page.getByText(/Questionnaire: .*answered on 2026-11-27/).waitFor());
		await checkPage(page, 'receipt-received');
		for (const [w, h] of SIZES.slice(0, 1)) {
			await page.setViewportSize({width: w, height: h});
			await page.screenshot({path: SHOT, fullPage: true});
		}
		await page.getByRole('button', {name: 'Withdraw my answers'}).click();
		await page.getByRole('heading', {name: 'Withdraw your answers?'}).waitFor();
		await checkPage(page, 'receipt-confirm');
		await page.getByRole('button', {name: 'Yes, withdraw my answers'}).click();
		await page.getByText('Your answers were withdrawn').waitFor();
		const out = hubCmd(hub, ['export', 'responses', '--format', 'jsonl']);
		assert.ok(!out.includes(rid), 'the withdrawn response is not exported');
		const audit = hubCmd(hub, ['audit', '--json']);
		assert.match(audit, /"action":"receipt_withdraw"/);
		assert.ok(!audit.includes(hashOf(code)) && !audit.includes(code));
	});

	test('a code in the fragment fills the field and leaves the address bar', async () => {
		await page.goto('about:blank');
		await page.goto(hub.url + 'receipt#' + shown);
		await page.getByRole('heading', {level: 1, name: 'Your receipt'}).waitFor();
		assert.strictEqual(await page.getByLabel('Receipt code').inputValue(), shown);
		assert.strictEqual(new URL(page.url()).hash, '');
	});

	test('no form token, another origin: refused; the limit per address', async () => {
		const body = JSON.stringify({code: shown, action: 'status'});
		const noToken = await request(hub.port, 'POST', '/api/receipt', {'Content-Type': 'application/json',
			Origin: `http://127.0.0.1:${hub.port}`, Host: `127.0.0.1:${hub.port}`}, body);
		assert.strictEqual(noToken.status, 403);
		const evil = await request(hub.port, 'POST', '/api/receipt', {'Content-Type': 'application/json',
			Origin: 'http://evil.example', Host: `127.0.0.1:${hub.port}`}, body);
		assert.strictEqual(evil.status, 403);
		const statuses = await page.evaluate(async (c) => {
			const t = (await (await fetch('/api/receipt/token')).json()).token;
			const out = [];
			for (let i = 0; i < 12; i++) {
				const r = await fetch('/api/receipt', {method: 'POST', headers: {'Content-Type':
					'application/json', 'X-CSRF-Token': t}, body: JSON.stringify({code: c, action: 'status'})});
				out.push(r.status);
			}
			return out;
		}, shown);
		assert.strictEqual(statuses[statuses.length - 1], 429, statuses.join(' '));
		assert.ok(!hub.log().includes(shown) && !hub.log().includes(hashOf(code)),
			'no code or hash in the log');
	});
});
