// The console's Exports page in Chromium (issue 11, "Exports"): an analyst
// of region a downloads CSV (labels in Urdu, Europe/London times, the
// byte-order mark) and XLSX through the page; LibreOffice headless opens
// both (one soffice run) and the values are checked: a number is a number,
// a date a date, 12:00Z on 2026-07-01 shows 13:00, multi-choice as 0/1
// columns, =1+1 never a formula; nothing of region b is in either file, nor
// in what the page's session gets from /api/export or /v1/admin/responses;
// asking for region b is refused. axe-core at 1280x800 and 390x844.
// Two kiosks (regions a and b) push their responses over /v1/sync.
'use strict';
const {test, describe, before, after} = require('node:test');
const assert = require('node:assert');
const {execFileSync} = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const zlib = require('node:zlib');
const {startHub, hubCmd, launch, newPage, login, openPage, checkPage} =
	require('./console_harness.js');

const PW = {admin: 'admin password 1', ana: 'analyst password 1'};
const SOFFICE = ['/usr/bin/soffice', '/usr/bin/libreoffice'].find((p) => fs.existsSync(p));
const FODS_DUMP = path.join(__dirname, '..', 'e2e', 'fods_dump.py');

const QUESTIONNAIRE = {
	format: 'fieldsync-questionnaire/1', id: 'exp', version: 1, languages: ['en', 'ur'],
	title: {en: 'Export test', ur: 'ٹیسٹ'},
	questions: [
		{id: 'num', type: 'number', label: {en: 'Number'}},
		{id: 'day', type: 'date', label: {en: 'Day'}},
		{id: 'fruit', type: 'single_choice', label: {en: 'Fruit'},
			options: [{value: 'apple', label: {en: 'Apple', ur: 'سیب'}}, {value: 'pear', label: {en: 'Pear'}}]},
		{id: 'needs', type: 'multi_choice', label: {en: 'Needs'},
			options: [{value: 'food', label: {en: 'Food'}}, {value: 'fuel', label: {en: 'Fuel'}}]},
		{id: 'note', type: 'text', label: {en: 'Note'}}
	]
};

function hlc() {
	return (BigInt(Date.now()) << 16n).toString(16).padStart(16, '0');
}

// Enroll a kiosk of region over HTTP and push one change set of responses.
async function pushResponses(hub, region, bodies) {
	const code = hubCmd(hub, ['enroll', '--region', region]).trim();
	let res = await fetch(`${hub.syncUrl}/v1/enroll`, {method: 'POST',
		headers: {'Content-Type': 'application/json'}, body: JSON.stringify({code, name: `kiosk-${region}`})});
	assert.strictEqual(res.status, 200, 'enroll');
	const {site, token} = await res.json();
	const ids = bodies.map(() => crypto.randomUUID());
	const cs = {format: 'fieldsync-changeset/1', site, from: 0, to: bodies.length, more: false,
		time: Date.now(), changes: bodies.map((b, i) => ({table: 'responses', id: ids[i], hlc: hlc(), site, response: b}))};
	res = await fetch(`${hub.syncUrl}/v1/sync?cursor=0`, {method: 'POST', headers: {
		Authorization: `Bearer ${token}`, 'Content-Type': 'application/vnd.fieldsync.changeset+json',
		'Content-Encoding': 'gzip'}, body: zlib.gzipSync(JSON.stringify(cs))});
	assert.strictEqual(res.status, 200, `sync of region ${region}: ${await res.text()}`);
	return ids;
}

function response(submitted, answers) {
	return {questionnaire: 'exp', version: 1, language: 'ur', mode: 'self', started_at: submitted,
		submitted_at: submitted, answers};
}

// soffice: the files to flat ODF in one run (CSV files read as UTF-8 with
// the filter given: a headless conversion asks nothing and would take the
// locale's charset); the cells of each by name.
function openInLibreOffice(dir, files, infilter) {
	const out = path.join(dir, 'fods');
	execFileSync('timeout', ['-k', '5', '100', SOFFICE, '--headless', '--norestore', '--nolockcheck',
		`-env:UserInstallation=file://${dir}/lo`, '--convert-to', 'fods',
		...(infilter ? [`--infilter=${infilter}`] : []), '--outdir', out, ...files],
	{env: Object.assign({}, process.env, {HOME: dir}), stdio: ['ignore', 'pipe', 'pipe']});
	const cells = {};
	for (const f of files) {
		const base = path.basename(f).replace(/\.[a-z]+$/, '');
		cells[base] = execFileSync('python3', [FODS_DUMP, path.join(out, `${base}.fods`)]).toString()
			.split('\n').filter(Boolean).map((l) => {
				const [sheet, row, col, type, value, text, formula] = l.split('\t');
				return {sheet, row: Number(row), col: Number(col), type, value, text, formula};
			});
	}
	return cells;
}

describe('console exports', {skip: !SOFFICE && 'no soffice (libreoffice-calc-nogui)'}, () => {
	let hub, browser, page, tmp, idsA, idsB;

	before(async () => {
		hub = await startHub({users: [
			{name: 'root-admin', role: 'admin', password: PW.admin},
			{name: 'ana', role: 'analyst', regions: ['a'], password: PW.ana}
		]});
		tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fs-exports-'));
		fs.writeFileSync(path.join(tmp, 'q.json'), JSON.stringify(QUESTIONNAIRE));
		hubCmd(hub, ['publish', path.join(tmp, 'q.json')]);
		idsA = await pushResponses(hub, 'a', [response('2026-07-01T12:00:00Z',
			{num: 42, day: '2026-06-30', fruit: 'apple', needs: ['food'], note: '=1+1'})]);
		idsB = await pushResponses(hub, 'b', [response('2026-07-01T12:00:00Z',
			{num: 7, fruit: 'pear', note: 'region-b-secret'})]);
		browser = await launch();
		page = await newPage(browser);
	});
	after(async () => {
		if (browser)
			await browser.close();
		if (hub)
			await hub.stop();
		if (tmp)
			fs.rmSync(tmp, {recursive: true, force: true});
	});

	async function download(format) {
		await page.locator(format === 'xlsx' ? '#ex-xlsx' : '#ex-csv').check();
		const [dl] = await Promise.all([page.waitForEvent('download'),
			page.getByRole('button', {name: 'Download'}).click()]);
		const file = path.join(tmp, `ana-${format}.${format}`);
		await dl.saveAs(file);
		await page.locator('#ex-done').waitFor({state: 'visible'});
		return file;
	}

	test('an analyst of region a downloads CSV and XLSX; LibreOffice reads the values', async () => {
		await login(page, hub, 'ana', PW.ana);
		await openPage(page, 'exports', 'Exports');
		await checkPage(page, 'exports');
		await page.getByLabel('Questionnaire').selectOption('exp');
		await page.getByLabel('Option labels instead of values').check();
		await page.getByLabel('Language of the labels').selectOption('ur');
		await page.getByLabel('Time zone of the times').fill('Europe/London');
		const csv = await download('csv');
		const xlsx = await download('xlsx');
		const csvBytes = fs.readFileSync(csv);
		assert.deepStrictEqual([...csvBytes.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'the CSV starts with a BOM');
		for (const f of [csv, xlsx]) {
			const text = f.endsWith('.csv') ? csvBytes.toString() : execFileSync('unzip', ['-p', f]).toString();
			assert.ok(text.includes(idsA[0]), `${f} holds region a's response`);
			assert.ok(!text.includes(idsB[0]) && !text.includes('region-b-secret'), `${f} holds nothing of region b`);
		}
		const cells = Object.assign(openInLibreOffice(tmp, [xlsx]),
			openInLibreOffice(tmp, [csv], 'CSV:44,34,76,1'));
		const at = (name, sheet, id, header) => {
			const c = cells[name];
			const col = c.find((x) => x.sheet === sheet && x.row === 0 && x.text === header);
			const row = c.find((x) => x.sheet === sheet && x.col === 0 && x.text === id);
			assert.ok(col && row, `${name}: ${header} of ${id}`);
			return c.find((x) => x.sheet === sheet && x.row === row.row && x.col === col.col) || {};
		};
		// CSV: the first header is "id" (the BOM was read as one), London time, Urdu label.
		const csvSheet = cells['ana-csv'][0].sheet;
		assert.strictEqual(cells['ana-csv'].find((x) => x.row === 0 && x.col === 0 && x.sheet === csvSheet)?.text, 'id');
		assert.match(at('ana-csv', csvSheet, idsA[0], 'submitted_at (Europe/London)').text, /13:00:00/);
		assert.strictEqual(at('ana-csv', csvSheet, idsA[0], 'fruit').text, 'سیب');
		assert.strictEqual(at('ana-csv', csvSheet, idsA[0], 'needs__food').type, 'float');
		assert.strictEqual(at('ana-csv', csvSheet, idsA[0], 'needs__fuel').value, '0');
		assert.strictEqual(at('ana-csv', csvSheet, idsA[0], 'note').text, "'=1+1");
		assert.strictEqual(at('ana-csv', csvSheet, idsA[0], 'num').type, 'float');
		// XLSX: typed cells.
		const sub = at('ana-xlsx', 'exp v1', idsA[0], 'submitted_at (Europe/London)');
		assert.deepStrictEqual([sub.type, sub.value], ['date', '2026-07-01T13:00:00']);
		const day = at('ana-xlsx', 'exp v1', idsA[0], 'day');
		assert.deepStrictEqual([day.type, day.value], ['date', '2026-06-30']);
		const num = at('ana-xlsx', 'exp v1', idsA[0], 'num');
		assert.deepStrictEqual([num.type, num.value], ['float', '42']);
		const note = at('ana-xlsx', 'exp v1', idsA[0], 'note');
		assert.deepStrictEqual([note.type, note.text, note.formula], ['string', '=1+1', '-']);
		assert.strictEqual(at('ana-xlsx', 'exp v1', idsA[0], 'fruit').text, 'سیب');
		assert.ok(cells['ana-xlsx'].some((x) => x.sheet === 'Codebook'), 'a Codebook sheet');
		for (const [name, list] of Object.entries(cells))
			assert.deepStrictEqual(list.filter((x) => x.formula !== '-').map((x) => x.text), [], `${name}: no formula`);
	});

	test('region b is out of reach of the analyst, through the page\'s session and the API', async () => {
		const got = await page.evaluate(async () => {
			const r1 = await fetch('/api/export?kind=responses&format=csv&questionnaire=exp&region=b');
			const r2 = await fetch('/api/export?kind=responses&format=csv&questionnaire=exp');
			const r3 = await fetch('/v1/admin/responses?region=b');
			const r4 = await fetch('/v1/admin/responses?questionnaire=exp');
			return {s1: r1.status, t2: await r2.text(), s3: r3.status, j4: await r4.json()};
		});
		assert.strictEqual(got.s1, 403);
		assert.ok(!got.t2.includes('region-b-secret') && got.t2.includes(idsA[0]));
		assert.strictEqual(got.s3, 403);
		assert.deepStrictEqual(got.j4.responses.map((r) => r.id), idsA);
		// A region not granted, or not existing, is refused in the page too.
		await page.locator('#ex-region').selectOption('a');
		assert.deepStrictEqual(await page.locator('#ex-region option').allTextContents(), ['All my regions', 'a']);
	});

	test('an export the hub refuses shows its reason, announced; axe clean', async () => {
		await page.getByLabel('Questionnaire').selectOption('');
		await page.locator('#ex-csv').check();
		await page.getByRole('button', {name: 'Download'}).click();
		const error = page.locator('#ex-error');
		await error.waitFor({state: 'visible'});
		assert.match(await error.textContent(), /need a questionnaire/);
		await checkPage(page, 'exports-error');
	});
});
