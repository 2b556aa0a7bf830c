// The console's Kiosks page in Chromium (issue 11, "Kiosks"): an admin
// enrolls a kiosk in the console (the code shown large, the QR code, the
// command), a real fieldsync-agent enrolls with what the QR code says and
// syncs, the page shows its status; rename; move to another region (the
// kiosk takes it in at its next sync); revoke after a confirmation that
// explains the wipe, and the kiosk erases itself at its next sync; every
// change audited as console:NAME; an admin of another region sees none of
// it and gets 404 for its kiosks. axe-core at 1280x800 and 390x844,
// screenshots in $UI_ARTIFACTS. Run by tests/ui/run.sh.
'use strict';
const {test, describe, before, after} = require('node:test');
const assert = require('node:assert');
const fs = require('node:fs');
const {execFileSync, spawnSync} = require('node:child_process');
const {startHub, hubCmd, launch, newPage, login, logout, openPage, checkPage} =
	require('./console_harness.js');

const AGENT_BIN = process.env.AGENT_BIN;
const PW = {admin: 'admin password 1', ada: 'admin of a password'};

describe('console kiosks', () => {
	let hub, browser, page, kioskDir;

	before(async () => {
		assert.ok(AGENT_BIN, 'set AGENT_BIN');
		hub = await startHub({users: [
			{name: 'root-admin', role: 'admin', password: PW.admin},
			{name: 'ada', role: 'admin', regions: ['a'], password: PW.ada}
		]});
		kioskDir = `${hub.dir}-qr-kiosk`;
		browser = await launch();
		page = await newPage(browser);
	});
	after(async () => {
		if (browser)
			await browser.close();
		if (hub)
			await hub.stop();
		if (kioskDir)
			fs.rmSync(kioskDir, {recursive: true, force: true});
	});

	const agent = (...args) => execFileSync(AGENT_BIN, args, {stdio: ['ignore', 'pipe', 'pipe']}).toString();
	const sync = () => agent('sync', '--data', kioskDir);
	const row = (text) => page.locator('table tbody tr', {hasText: text});

	test('enroll a kiosk in the console; a real agent enrolls from the QR code and syncs', async () => {
		await login(page, hub, 'root-admin', PW.admin);
		await page.getByRole('link', {name: 'Kiosks'}).click();
		await page.locator('main h1', {hasText: 'Kiosks'}).waitFor();
		await page.getByText('No kiosks are enrolled in your regions yet.').waitFor();
		await checkPage(page, 'kiosks-empty');
		await page.getByLabel('Region').fill('north');
		await page.getByLabel('Hub address kiosks use').fill(hub.syncUrl);
		await page.getByRole('button', {name: 'Create enrollment code'}).click();
		const codeEl = page.locator('.enroll-code');
		await codeEl.waitFor();
		const code = (await codeEl.textContent()).trim();
		assert.match(code, /^[0-9A-Z]{5}-[0-9A-Z]{5}-[0-9A-Z]{2}$/);
		const command = await page.locator('.command').textContent();
		assert.ok(command.includes(`--hub ${hub.syncUrl} --code ${code}`), command);
		await page.locator('.qr svg[role="img"] title', {hasText: 'QR code'}).waitFor({state: 'attached'});
		const uri = (await page.locator('.enroll-result code').last().textContent()).trim();
		assert.strictEqual(uri, `fieldsync-enroll:${code}?hub=${encodeURIComponent(hub.syncUrl)}`);
		await checkPage(page, 'kiosks-enroll');
		// What the QR code says is what the kiosk's setup takes.
		agent('init', '--data', kioskDir, '--enroll', uri, '--name', 'library-n');
		const add = spawnSync(AGENT_BIN, ['contact', 'add', '--data', kioskDir, '-'], {input:
			'{"person_ref": "N0001", "contact_at": "2026-11-27T10:00:00Z", "channel": "phone", "worker": "w-1"}'});
		assert.strictEqual(add.status, 0, String(add.stderr));
		sync();
		await openPage(page, 'overview', 'Overview');
		const ov = await row('library-n').textContent();
		assert.ok(/on time|\d+ seconds? (behind|ahead)/.test(ov) && ov.includes('fieldsync-agent/0.1.0'),
			`Overview shows the status: ${ov}`);
		await openPage(page, 'kiosks', 'Kiosks');
		const r = row('library-n');
		await r.waitFor();
		const text = await r.textContent();
		// On time, or a few seconds of the request's own latency on a loaded machine.
		assert.ok(text.includes('north') && text.includes('fieldsync-agent/0.1.0') &&
			/on time|\d+ seconds? (behind|ahead)/.test(text), text);
		assert.strictEqual((await r.locator('td').nth(3).textContent()).trim(), '0', 'nothing left to send');
		await checkPage(page, 'kiosks-list');
	});

	// Manage reloads the list and then focuses the panel's heading: wait for
	// that, or a field filled before the reload is replaced by a new one.
	async function manage(name) {
		await page.getByRole('button', {name: `Manage ${name}`}).click();
		await page.waitForFunction((h) => document.activeElement &&
			document.activeElement.tagName === 'H2' && document.activeElement.textContent === h, `Manage ${name}`);
	}

	test('rename and move; the kiosk takes the move in at its next sync', async () => {
		await manage('library-n');
		await checkPage(page, 'kiosks-manage');
		await page.getByLabel('New name').fill('Bad Name');
		await page.getByRole('button', {name: 'Rename library-n'}).click();
		await page.locator('.field-error', {hasText: 'The name must be'}).waitFor();
		await page.getByLabel('New name').fill('library-north');
		await page.getByRole('button', {name: 'Rename library-n'}).click();
		await row('library-north').waitFor();
		await manage('library-north');
		await page.getByLabel('Move to region').fill('south');
		await page.getByRole('button', {name: 'Move library-north'}).click();
		await row('Moving from north').waitFor();
		assert.ok((await row('library-north').textContent()).includes('south'));
		const out = spawnSync(AGENT_BIN, ['sync', '--data', kioskDir]);
		assert.strictEqual(out.status, 0, String(out.stderr));
		assert.match(String(out.stderr), /moved to region south by the hub: 1 contact\(s\) of region north removed/);
		assert.deepStrictEqual(JSON.parse(agent('contact', 'list', '--data', kioskDir)), [], 'north\'s contact left the kiosk');
		await openPage(page, 'overview', 'Overview');
		await openPage(page, 'kiosks', 'Kiosks');
		await row('library-north').waitFor();
		const text = await row('library-north').textContent();
		assert.ok(text.includes('Active') && text.includes('south'), text);
	});

	test('an admin of region a sees none of it and cannot act on it', async () => {
		const site = JSON.parse(fs.readFileSync(`${kioskDir}/agent.json`, 'utf8')).site;
		await logout(page);
		await login(page, hub, 'ada', PW.ada);
		await openPage(page, 'kiosks', 'Kiosks');
		await page.getByText('No kiosks are enrolled in your regions yet.').waitFor();
		assert.ok(!(await page.content()).includes('library-north'));
		const answers = await page.evaluate(async (s) => {
			const csrf = (await (await fetch('/api/session')).json()).csrf;
			const post = async (p, b) => (await fetch(p, {method: 'POST', headers: {'Content-Type': 'application/json',
				'X-CSRF-Token': csrf}, body: JSON.stringify(b)})).status;
			return [await post('/api/kiosks/rename', {site: s, name: 'x'}), await post('/api/kiosks/move', {site: s, region: 'a'}),
				await post('/api/kiosks/revoke', {site: s}), await post('/api/kiosks/enroll', {region: 'south'})];
		}, site);
		assert.deepStrictEqual(answers, [404, 404, 404, 403]);
		await logout(page);
		await login(page, hub, 'root-admin', PW.admin);
	});

	test('revoke after a confirmation that explains the wipe; the kiosk erases itself', async () => {
		await openPage(page, 'kiosks', 'Kiosks');
		await manage('library-north');
		await page.getByRole('button', {name: 'Revoke library-north'}).click();
		const confirm = page.getByRole('group', {name: 'Revoke library-north and wipe it?'});
		await confirm.waitFor();
		assert.match(await confirm.textContent(), /erases everything in its data directory, including responses and contact changes it has not sent yet/);
		await checkPage(page, 'kiosks-revoke');
		await page.getByRole('button', {name: 'Cancel'}).click();
		assert.ok(await confirm.isHidden());
		assert.ok((await row('library-north').textContent()).includes('Active'), 'cancel revokes nothing');
		await page.getByRole('button', {name: 'Revoke library-north'}).click();
		await page.getByRole('button', {name: 'Yes, revoke and wipe library-north'}).click();
		await row('Revoked').waitFor();
		const out = spawnSync(AGENT_BIN, ['sync', '--data', kioskDir]);
		assert.strictEqual(out.status, 5, String(out.stderr));
		assert.match(String(out.stderr), /revoked and its data erased/);
		assert.ok(!fs.existsSync(`${kioskDir}/agent.json`) && !fs.existsSync(`${kioskDir}/kiosk.db`), 'the kiosk wiped itself');
		const audit = hubCmd(hub, ['audit', '--json']).trim().split('\n').map((l) => JSON.parse(l))
			.filter((e) => e.actor === 'console:root-admin').map((e) => e.action);
		for (const a of ['enroll', 'rename', 'move', 'revoke'])
			assert.ok(audit.includes(a), `${a} audited as console:root-admin: ${audit}`);
		await checkPage(page, 'kiosks-revoked');
	});
});
