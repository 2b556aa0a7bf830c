// Shared by the hub console's browser tests (tests/ui/console_*.test.js):
// a fieldsync-hub serving sync and the console on free loopback ports in a
// temp dir, accounts made with `fieldsync-hub user add`, logging in,
// kiosks enrolled and synced with a real fieldsync-agent, axe-core scans
// and screenshots at the console's two sizes. Run by tests/ui/run.sh with
// HUB_BIN (fieldsync-hub) and, for agents, AGENT_BIN (fieldsync-agent)
// set; FIELDSYNC_DB set runs the hub on that PostgreSQL database instead.
'use strict';
const {spawn, execFileSync} = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const assert = require('node:assert');

const HUB_BIN = process.env.HUB_BIN || process.env.UI_HOST;
const AGENT_BIN = process.env.AGENT_BIN;
const ARTIFACTS = process.env.UI_ARTIFACTS || path.join(os.tmpdir(), 'fieldsync-console-artifacts');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const SIZES = [[1280, 800], [390, 844]];

if (!HUB_BIN)
	throw new Error('set HUB_BIN to the fieldsync-hub binary; see tests/ui/run.sh');

// Chromium and raw HTTP as the kiosk's tests have them.
const {launch: launchBrowser, request} = require('./harness.js');

// Run `fieldsync-hub ARGS --data DIR`; input goes to stdin.
function hubCmd(hub, args, input) {
	return execFileSync(HUB_BIN, [...args, '--data', hub.dir], {input: input || '',
		stdio: ['pipe', 'pipe', 'pipe']}).toString();
}

// Start `fieldsync-hub serve` on a new data dir. opts.users: [{name, role,
// regions, password}] added first; opts.args: more serve options.
// Resolves {url (the console), syncUrl, port, dir, proc, log(), stop()}.
async function startHub(opts = {}) {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fs-console-'));
	const hub = {dir};
	for (const u of opts.users || []) {
		const args = ['user', 'add', u.name, '--role', u.role];
		for (const r of u.regions || [])
			args.push('--region', r);
		hubCmd(hub, args, u.password + '\n');
	}
	const args = ['serve', '--data', dir, '--listen', '127.0.0.1:0', '--console', '127.0.0.1:0',
		'--grace', '1', ...(opts.args || [])];
	const proc = spawn(HUB_BIN, args, {stdio: ['ignore', 'ignore', 'pipe']});
	let log = '';
	const ports = await new Promise((resolve, reject) => {
		const timer = setTimeout(() => reject(new Error('the hub did not start:\n' + log)), 20000);
		proc.stderr.on('data', (d) => {
			log += d;
			const s = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(log);
			const c = /console on http:\/\/127\.0\.0\.1:(\d+)/.exec(log);
			if (s && c) {
				clearTimeout(timer);
				resolve({sync: Number(s[1]), console: Number(c[1])});
			}
		});
		proc.on('exit', (code) => reject(new Error(`the hub exited with ${code}:\n${log}`)));
	});
	return Object.assign(hub, {
		proc, port: ports.console, url: `http://127.0.0.1:${ports.console}/`,
		syncUrl: `http://127.0.0.1:${ports.sync}`,
		log: () => log,
		stop: () => new Promise((resolve) => {
			proc.removeAllListeners('exit');
			if (proc.exitCode !== null) {
				fs.rmSync(dir, {recursive: true, force: true});
				return resolve();
			}
			proc.on('exit', () => {
				fs.rmSync(dir, {recursive: true, force: true});
				resolve();
			});
			proc.kill('SIGTERM');
		})
	});
}

// Enroll a kiosk of region with a real agent in DIR/../NAME and sync it
// once: {dir, site, sync(), respond(questionnaire, answers), remove()}.
function enrollKiosk(hub, name, region) {
	if (!AGENT_BIN)
		throw new Error('set AGENT_BIN to the fieldsync-agent binary');
	const code = hubCmd(hub, ['enroll', '--region', region]).trim();
	const dir = `${hub.dir}-${name}`;
	execFileSync(AGENT_BIN, ['init', '--data', dir, '--hub', hub.syncUrl, '--code', code, '--name', name],
		{stdio: ['ignore', 'ignore', 'pipe']});
	const kiosk = {
		dir,
		sync: () => execFileSync(AGENT_BIN, ['sync', '--data', dir], {stdio: ['ignore', 'ignore', 'pipe']}),
		// Store a response (answers: an object) with the agent; sync after.
		respond: (questionnaire, answers) => execFileSync(AGENT_BIN, ['respond', '--data', dir,
			'--questionnaire', questionnaire, '--answers', '-'], {input: JSON.stringify(answers),
			stdio: ['pipe', 'pipe', 'pipe']}).toString().trim(),
		remove: () => fs.rmSync(dir, {recursive: true, force: true})
	};
	kiosk.sync();
	kiosk.site = JSON.parse(fs.readFileSync(path.join(dir, 'agent.json'), 'utf8')).site;
	return kiosk;
}

// A Chromium through playwright-core (harness.js), at the console's first
// size.
async function launch() {
	const b = await launchBrowser();
	return b;
}

async function newPage(browser) {
	const page = await browser.context.newPage();
	await page.setViewportSize({width: SIZES[0][0], height: SIZES[0][1]});
	return page;
}

// Open the console and log in; resolves when the first page's h1 shows.
async function login(page, hub, name, password) {
	await page.goto(hub.url);
	await page.getByLabel('User name').fill(name);
	await page.getByLabel('Password').fill(password);
	await page.getByRole('button', {name: 'Log in'}).click();
	await page.locator('#who-name', {hasText: name}).waitFor();
}

async function logout(page) {
	await page.getByRole('button', {name: 'Log out'}).click();
	await page.locator('main h1', {hasText: 'Log in'}).waitFor();
}

// Open a console page by its hash name and wait for its heading.
async function openPage(page, name, title) {
	await page.evaluate((n) => { location.hash = `#/${n}`; }, name);
	await page.locator('main h1', {hasText: title}).waitFor();
}

const axeSource = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

// axe-core at both sizes: no serious or critical violation; a screenshot
// of each kept in ARTIFACTS as NAME-WxH.png.
async function checkPage(page, name) {
	fs.mkdirSync(ARTIFACTS, {recursive: true});
	for (const [w, h] of SIZES) {
		await page.setViewportSize({width: w, height: h});
		await page.evaluate(axeSource);
		const result = await page.evaluate(() => window.axe.run(document, {
			runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}
		}));
		const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
		assert.deepStrictEqual(bad.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target).join(' ')})`), [],
			`axe on ${name} at ${w}x${h}`);
		await page.screenshot({path: path.join(ARTIFACTS, `console-${name}-${w}x${h}.png`), fullPage: true});
	}
	await page.setViewportSize({width: SIZES[0][0], height: SIZES[0][1]});
}

// The end of a suite: the browser closed, the hub stopped, the kiosks'
// directories removed (each may be unset when before() failed early).
async function stopAll(browser, hub, kiosks = []) {
	if (browser)
		await browser.close();
	if (hub)
		await hub.stop();
	for (const k of kiosks)
		if (k)
			k.remove();
}

module.exports = {startHub, hubCmd, enrollKiosk, launch, newPage, login, logout, openPage, checkPage,
	stopAll, request, ARTIFACTS, SIZES, CHROMIUM};
