// The hub console's Outreach workers page in Chromium (issue 11, "Kiosks":
// the region's workers managed centrally): an admin adds a worker with the
// PIN typed twice, a real agent of that region syncs and the worker logs
// in at the kiosk's UI API; a PIN reset and a removal reach the kiosk the
// same way; an analyst sees names only within the granted region, and the
// API refuses another region; every change is audited; axe-core at
// 1280x800 and 390x844. Run by tests/ui/run.sh with HUB_BIN and AGENT_BIN.
'use strict';
const {test, describe, before, after} = require('node:test');
const assert = require('node:assert');
const net = require('node:net');
const {spawn} = require('node:child_process');
const {startHub, hubCmd, enrollKiosk, launch, newPage, login, logout, openPage, checkPage, request} =
	require('./console_harness.js');

const PW = {admin: 'admin password 1', ana: 'analyst password 1'};

function freePort() {
	return new Promise((resolve) => {
		const s = net.createServer();
		s.listen(0, '127.0.0.1', () => {
			const p = s.address().port;
			s.close(() => resolve(p));
		});
	});
}

// `fieldsync-agent run` of a kiosk with its UI on a free port, syncing
// every second: resolves {port, stop()}.
async function runKiosk(kiosk) {
	const port = await freePort();
	const proc = spawn(process.env.AGENT_BIN, ['run', '--data', kiosk.dir, '--sync-interval', '1',
		'--max-backoff', '2', '--ui-listen', `127.0.0.1:${port}`], {stdio: ['ignore', 'ignore', 'ignore']});
	for (let i = 0; i < 200; i++) {
		const r = await request(port, 'GET', '/api/kiosk', {Host: `127.0.0.1:${port}`}).catch(() => null);
		if (r && r.status === 200)
			break;
		await new Promise((res) => setTimeout(res, 50));
	}
	return {port, stop: () => new Promise((res) => { proc.on('exit', res); proc.kill('SIGTERM'); })};
}

// The kiosk UI's API as its page calls it.
function kioskApi(k, method, path, body) {
	const base = `http://127.0.0.1:${k.port}`;
	return request(k.port, method, path, {Host: `127.0.0.1:${k.port}`, Origin: base,
		'Content-Type': 'application/json'}, body === undefined ? undefined : JSON.stringify(body));
}

// Poll fn until it is true (at most 25 s: the kiosk syncs every second).
async function eventually(fn, what) {
	for (let i = 0; i < 125; i++) {
		if (await fn())
			return;
		await new Promise((res) => setTimeout(res, 200));
	}
	assert.fail(`never: ${what}`);
}

// Until two sync requests of the hub's kiosks of region have been answered
// after now (the hub's record of each device's last sync): a kiosk syncs
// one request after another, so by the second it has applied the first
// reply, which held whatever the hub committed before now. (Polling the
// login instead spends the PIN guard's free tries and locks the name on a
// slow machine.)
async function twoSyncsAfterNow(hub, region) {
	const now = Date.now();
	const last = () => {
		const d = JSON.parse(hubCmd(hub, ['devices', '--json'])).find((x) => x.region === region);
		return d && d.last_sync_ms ? d.last_sync_ms : 0;
	};
	let first = 0;
	await eventually(async () => (first = last()) > now, 'a sync after now');
	await eventually(async () => last() > first, 'a second sync after now');
}

async function names(k) {
	const r = await kioskApi(k, 'GET', '/api/worker/names');
	return r.status === 200 ? JSON.parse(r.body).names : [];
}

describe('console outreach workers', () => {
	let hub, browser, page, kioskN, kioskS, uiN, uiS;

	before(async () => {
		hub = await startHub({users: [
			{name: 'root-admin', role: 'admin', password: PW.admin},
			{name: 'ana', role: 'analyst', regions: ['south'], password: PW.ana}
		]});
		kioskN = enrollKiosk(hub, 'library-n', 'north');
		kioskS = enrollKiosk(hub, 'surgery-s', 'south');
		uiN = await runKiosk(kioskN);
		uiS = await runKiosk(kioskS);
		browser = await launch();
		page = await newPage(browser);
	});
	after(async () => {
		if (browser)
			await browser.close();
		for (const u of [uiN, uiS])
			if (u)
				await u.stop();
		if (hub)
			await hub.stop();
		for (const k of [kioskN, kioskS])
			if (k)
				k.remove();
	});

	test('an admin adds a worker; the region\'s kiosk lets them in, the other region\'s does not', async () => {
		await login(page, hub, 'root-admin', PW.admin);
		await openPage(page, 'workers', 'Outreach workers');
		assert.match(await page.locator('main').textContent(), /No workers in your regions yet/);
		await checkPage(page, 'workers-empty');
		await page.getByLabel('Region').fill('north');
		await page.getByLabel('Worker name').fill('sam');
		await page.getByLabel('PIN', {exact: true}).fill('246813');
		await page.getByLabel('PIN again').fill('246800');
		await page.getByRole('button', {name: 'Add worker'}).click();
		await page.getByRole('alert').filter({hasText: 'the two PINs are not the same'}).waitFor();
		assert.strictEqual(await page.getByLabel('PIN', {exact: true}).inputValue(), '', 'PIN cleared');
		await page.getByLabel('PIN', {exact: true}).fill('12345');
		await page.getByLabel('PIN again').fill('12345');
		await page.getByRole('button', {name: 'Add worker'}).click();
		await page.getByRole('alert').filter({hasText: 'a PIN must be 6 to 12 digits'}).waitFor();
		await page.getByLabel('PIN', {exact: true}).fill('246813');
		await page.getByLabel('PIN again').fill('246813');
		await page.getByRole('button', {name: 'Add worker'}).click();
		await page.getByRole('cell', {name: 'north'}).waitFor();
		await page.getByRole('rowheader', {name: 'sam'}).waitFor();
		assert.ok(!(await page.content()).includes('246813'), 'the PIN is not in the page');
		await checkPage(page, 'workers-list');
		// the kiosk of north syncs, and sam logs in at its UI API
		await eventually(async () => (await names(uiN)).includes('sam'), 'north kiosk lists sam');
		const ok = await kioskApi(uiN, 'POST', '/api/worker/login', {name: 'sam', pin: '246813'});
		assert.strictEqual(ok.status, 200, ok.body);
		assert.strictEqual(JSON.parse(ok.body).worker, 'sam');
		// south's kiosk never gets sam (it has synced past: a south worker added after)
		await page.getByLabel('Region').fill('south');
		await page.getByLabel('Worker name').fill('ola');
		await page.getByLabel('PIN', {exact: true}).fill('135792');
		await page.getByLabel('PIN again').fill('135792');
		await page.getByRole('button', {name: 'Add worker'}).click();
		await page.getByRole('rowheader', {name: 'ola'}).waitFor();
		await eventually(async () => (await names(uiS)).includes('ola'), 'south kiosk lists ola');
		assert.ok(!(await names(uiS)).includes('sam'));
		assert.strictEqual((await kioskApi(uiS, 'POST', '/api/worker/login', {name: 'sam', pin: '246813'})).status, 401);
		// adding sam again is refused: reset the PIN instead
		await page.getByLabel('Region').fill('north');
		await page.getByLabel('Worker name').fill('sam');
		await page.getByLabel('PIN', {exact: true}).fill('111111');
		await page.getByLabel('PIN again').fill('111111');
		await page.getByRole('button', {name: 'Add worker'}).click();
		await page.getByRole('alert').filter({hasText: 'reset their PIN instead'}).waitFor();
	});

	test('a PIN reset and a removal reach the kiosk; both audited', async () => {
		await openPage(page, 'workers', 'Outreach workers');
		await page.getByRole('button', {name: 'Manage sam'}).click();
		await page.getByRole('heading', {name: 'Manage sam (region north)'}).waitFor();
		await page.getByLabel('New PIN for sam', {exact: true}).fill('864213');
		await page.getByLabel('New PIN for sam again').fill('864213');
		await checkPage(page, 'workers-manage');
		await page.getByRole('button', {name: 'Reset PIN of sam'}).click();
		await page.getByText('PIN of sam reset').waitFor();
		await twoSyncsAfterNow(hub, 'north');
		assert.strictEqual((await kioskApi(uiN, 'POST', '/api/worker/login', {name: 'sam', pin: '864213'})).status, 200,
			'the new PIN works at the kiosk');
		assert.strictEqual((await kioskApi(uiN, 'POST', '/api/worker/login', {name: 'sam', pin: '246813'})).status, 401);
		await page.getByRole('button', {name: 'Manage sam'}).click();
		await page.getByRole('button', {name: 'Remove sam'}).click();
		await page.getByRole('button', {name: 'Yes, remove sam'}).click();
		await page.getByText('Worker sam removed').waitFor();
		assert.strictEqual(await page.getByRole('rowheader', {name: 'sam'}).count(), 0);
		await eventually(async () => !(await names(uiN)).includes('sam'), 'north kiosk drops sam');
		assert.strictEqual((await kioskApi(uiN, 'POST', '/api/worker/login', {name: 'sam', pin: '864213'})).status, 401);
		const audit = hubCmd(hub, ['audit']);
		for (const action of ['worker_add', 'worker_pin_reset', 'worker_remove'])
			assert.match(audit, new RegExp(`console:root-admin\\s+${action}\\s`), `${action} by the console user`);
		assert.ok(!audit.includes('864213') && !audit.includes('246813'), 'no PIN in the audit trail');
		await logout(page);
	});

	test('an analyst sees names only within the granted region; the API refuses more', async () => {
		hubCmd(hub, ['worker', 'add', 'kim', '--region', 'north'], '975319\n');
		await login(page, hub, 'ana', PW.ana);
		await openPage(page, 'workers', 'Outreach workers');
		await page.getByRole('rowheader', {name: 'ola'}).waitFor();
		assert.strictEqual(await page.getByRole('rowheader', {name: 'kim'}).count(), 0, 'north hidden');
		assert.strictEqual(await page.getByRole('button', {name: /Manage/}).count(), 0, 'no manage buttons');
		assert.strictEqual(await page.getByRole('button', {name: 'Add worker'}).count(), 0, 'no add form');
		await checkPage(page, 'workers-analyst');
		const r = await page.evaluate(async () => {
			const get = (p) => fetch(p).then((x) => x.status === 200 ? x.json() : x.status);
			return {
				all: await get('/api/workers'),
				north: await get('/api/workers?region=north'),
				add: await window.FsConsole.api('POST', '/api/workers/add',
					{region: 'south', name: 'x1', pin: '123456', pin_again: '123456'}).then(() => 200, (e) => e.message)
			};
		});
		assert.deepStrictEqual(r.all.workers, [{region: 'south', name: 'ola'}], 'names and regions only');
		assert.strictEqual(r.north, 404);
		assert.notStrictEqual(r.add, 200, 'an analyst cannot add');
		await logout(page);
	});
});
