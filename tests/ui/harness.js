// Shared by the kiosk browser tests: a UI host on a fresh store, Chromium
// through playwright-core, axe-core scans and screenshots.
'use strict';
const {spawn, execFileSync} = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const http = require('node:http');
const assert = require('node:assert');
const {chromium} = require('playwright-core');

const root = path.resolve(__dirname, '..', '..');
const examples = path.join(root, 'schema', 'examples');
const HOST_BIN = process.env.UI_HOST;
const ARTIFACTS = process.env.UI_ARTIFACTS || path.join(os.tmpdir(), 'fieldsync-ui-artifacts');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

if (!HOST_BIN)
	throw new Error('set UI_HOST to the ui_host (or agent) binary; see tests/ui/run.sh');

// Start `ui_host serve` on a new data dir; resolves {url, port, dir, stop}.
async function startHost(opts = {}) {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fs-ui-'));
	const args = ['serve', '--data', dir, '--listen', '127.0.0.1:0',
		'--idle-timeout', String(opts.idle || 90), '--worker-idle', String(opts.workerIdle || 120)];
	for (const f of ['friends-and-family', 'personal-wellbeing', 'service-ideas'])
		args.push('--publish', path.join(examples, f + '.json'));
	// More questionnaires, as documents: written into the data dir's parent.
	(opts.publish || []).forEach((doc, i) => {
		const f = path.join(dir + '-q' + i + '.json');
		fs.writeFileSync(f, JSON.stringify(doc));
		args.push('--publish', f);
	});
	if (opts.personRefPattern !== undefined)
		args.push('--person-ref-pattern', opts.personRefPattern);
	for (const w of opts.workers || [])
		execFileSync(HOST_BIN, ['worker', 'add', w.name, '--data', dir], {input: w.pin + '\n'});
	const proc = spawn(HOST_BIN, args, {stdio: ['ignore', 'pipe', 'inherit']});
	const port = await new Promise((resolve, reject) => {
		let out = '';
		proc.stdout.on('data', (d) => {
			out += d;
			const m = /listening on (\d+)/.exec(out);
			if (m)
				resolve(Number(m[1]));
		});
		proc.on('exit', (code) => reject(new Error('ui_host exited with ' + code)));
	});
	return {
		port, dir, url: `http://127.0.0.1:${port}/`,
		stop: () => new Promise((resolve) => {
			proc.removeAllListeners('exit');
			proc.on('exit', () => {
				fs.rmSync(dir, {recursive: true, force: true});
				(opts.publish || []).forEach((d, i) => fs.rmSync(dir + '-q' + i + '.json', {force: true}));
				resolve();
			});
			proc.kill('SIGTERM');
		})
	};
}

// What the store holds: {responses, contacts}.
function dump(host) {
	return JSON.parse(execFileSync(HOST_BIN, ['dump', '--data', host.dir]).toString());
}

// opts.locale: the browser's locale (en-GB unless told).
async function launch(opts = {}) {
	const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'fs-ui-chromium-'));
	const context = await chromium.launchPersistentContext(profile, {
		executablePath: CHROMIUM,
		headless: true,
		args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
			'--disable-background-networking', '--disable-component-update', '--disable-sync'],
		viewport: {width: 800, height: 480},
		locale: opts.locale || 'en-GB'
	});
	return {context, close: async () => {
		await context.close();
		fs.rmSync(profile, {recursive: true, force: true});
	}};
}

const axeSource = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

// axe-core scan of the page as it is: no serious or critical violation.
async function axeCheck(page, screen) {
	await page.evaluate(axeSource);
	const result = await page.evaluate(() => window.axe.run(document, {
		runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}
	}));
	const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
	assert.deepStrictEqual(bad.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target).join(' ')})`), [],
		`axe on screen ${screen}`);
}

// Screenshot at both sizes the kiosk must work at.
async function shots(page, name) {
	fs.mkdirSync(ARTIFACTS, {recursive: true});
	const size = page.viewportSize();
	for (const [w, h] of [[800, 480], [1920, 1080]]) {
		await page.setViewportSize({width: w, height: h});
		await page.screenshot({path: path.join(ARTIFACTS, `${name}-${w}x${h}.png`), fullPage: false});
	}
	await page.setViewportSize(size);
}

// Raw HTTP to the UI with chosen headers: {status, body}.
function request(port, method, urlPath, headers, body) {
	return new Promise((resolve, reject) => {
		const req = http.request({host: '127.0.0.1', port, method, path: urlPath, headers}, (res) => {
			let data = '';
			res.on('data', (d) => { data += d; });
			res.on('end', () => resolve({status: res.statusCode, headers: res.headers, body: data}));
		});
		req.on('error', reject);
		if (body !== undefined)
			req.write(body);
		req.end();
	});
}

// Day, Month and Year fields whose day input is #ID (month #ID-month, year
// #ID-year), from "YYYY-MM-DD": the one date pattern of the kiosk's forms.
async function fillDayMonthYear(page, id, iso) {
	const [y, m, d] = iso.split('-');
	await page.locator(`#${id}`).fill(String(Number(d)));
	await page.locator(`#${id}-month`).fill(String(Number(m)));
	await page.locator(`#${id}-year`).fill(y);
}

module.exports = {startHost, dump, launch, axeCheck, shots, request, fillDayMonthYear, ARTIFACTS};
