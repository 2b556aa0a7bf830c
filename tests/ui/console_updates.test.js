// The hub console's Updates page in Chromium (issue 13 item 1, "you said,
// we did"; docs/reciprocity.md): an admin publishes an update in two
// languages with a PNG whose text chunk names a person; the list shows
// it, the hub keeps the image without the chunk (`update list --json`
// and the audit trail, actor console:NAME, no texts in the entry); a
// viewer of region north sees it but no form, and the API refuses the
// viewer's publish; an admin removes it; axe-core at 1280x800 and
// 390x844. Run by tests/ui/run.sh with HUB_BIN.
'use strict';
const {test, describe, before, after} = require('node:test');
const assert = require('node:assert');
const fs = require('node:fs');
const path = require('node:path');
const zlib = require('node:zlib');
const {startHub, hubCmd, launch, newPage, login, logout, openPage, checkPage, stopAll, ARTIFACTS} =
	require('./console_harness.js');

const PW = {admin: 'admin password 1', vera: 'viewer password 1'};
const DOCS = path.join(__dirname, '..', '..', 'docs', 'reciprocity');

// A 32x20 RGB PNG with a tEXt chunk "Author: Ann Example".
function png() {
	const crcTable = Array.from({length: 256}, (_, n) => {
		let c = n;
		for (let k = 0; k < 8; k++)
			c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
		return c >>> 0;
	});
	const crc = (b) => {
		let c = 0xffffffff;
		for (const x of b)
			c = crcTable[(c ^ x) & 0xff] ^ (c >>> 8);
		return (c ^ 0xffffffff) >>> 0;
	};
	const chunk = (type, data) => {
		const len = Buffer.alloc(4);
		len.writeUInt32BE(data.length);
		const td = Buffer.concat([Buffer.from(type), data]);
		const c = Buffer.alloc(4);
		c.writeUInt32BE(crc(td));
		return Buffer.concat([len, td, c]);
	};
	const w = 32, h = 20, ihdr = Buffer.alloc(13);
	ihdr.writeUInt32BE(w, 0);
	ihdr.writeUInt32BE(h, 4);
	ihdr[8] = 8; ihdr[9] = 2;
	const raw = Buffer.alloc(h * (1 + w * 3));
	for (let y = 0; y < h; y++)
		for (let x = 0; x < w; x++)
			raw.set([40 + x * 6, 120, 200 - y * 5], y * (1 + w * 3) + 1 + x * 3);
	return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
		chunk('IHDR', ihdr), chunk('tEXt', Buffer.from('Author\0Ann Example')),
		chunk('IDAT', zlib.deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}

describe('console updates', () => {
	let hub, browser, page;

	before(async () => {
		hub = await startHub({users: [
			{name: 'root-admin', role: 'admin', password: PW.admin},
			{name: 'vera', role: 'viewer', regions: ['north'], password: PW.vera}
		]});
		browser = await launch();
		page = await newPage(browser);
	});
	after(() => stopAll(browser, hub));

	test('an admin publishes an update with an image; its metadata is gone', async () => {
		await login(page, hub, 'root-admin', PW.admin);
		await openPage(page, 'updates', 'Updates');
		assert.match(await page.locator('main').textContent(), /No updates yet/);
		await page.getByLabel('Region').fill('north');
		await page.getByLabel('Title').fill('The café now opens until 7pm');
		await page.getByLabel('Text').fill('You told us the café closes too early. From January it opens until 7pm.');
		await page.getByRole('button', {name: 'Add a language'}).click();
		await page.getByLabel('Language tag').nth(1).fill('cy');
		await page.getByLabel('Title').nth(1).fill('Mae\'r caffi ar agor tan 7pm');
		await page.getByLabel('Text').nth(1).fill('Dywedoch chi wrthym fod y caffi yn cau yn rhy gynnar.');
		await page.getByLabel('Shown from').fill('2026-01-01');
		await page.getByLabel('Shown until').fill('2036-12-31');
		await page.getByLabel('Image (optional)').setInputFiles({name: 'cafe.png', mimeType: 'image/png', buffer: png()});
		await page.getByRole('button', {name: 'Publish update'}).click();
		await page.getByRole('rowheader', {name: 'The café now opens until 7pm'}).waitFor();
		assert.match(await page.locator('main').textContent(), /32×20/);
		await checkPage(page, 'updates');
		fs.mkdirSync(DOCS, {recursive: true});
		fs.copyFileSync(path.join(ARTIFACTS, 'console-updates-1280x800.png'), path.join(DOCS, 'updates-console.png'));

		const list = JSON.parse(hubCmd(hub, ['update', 'list', '--json']));
		assert.strictEqual(list.length, 1);
		assert.deepStrictEqual(Object.keys(list[0].title), ['en', 'cy']);
		assert.strictEqual(list[0].target, 'north');
		assert.deepStrictEqual(list[0].image, {type: 'image/png', width: 32, height: 20,
			bytes: png().length - 12 - 'Author\0Ann Example'.length});
		const audit = hubCmd(hub, ['audit']);
		assert.match(audit, /console:root-admin\s+update_add\s+\{[^\n]*"target":"north"/);
		assert.doesNotMatch(audit, /café/);

		// A bad date order is refused with the rule.
		await page.getByLabel('Region').fill('north');
		await page.getByLabel('Title').fill('Second');
		await page.getByLabel('Text').fill('Second text');
		await page.getByLabel('Shown from').fill('2026-02-02');
		await page.getByLabel('Shown until').fill('2026-02-01');
		await page.getByRole('button', {name: 'Publish update'}).click();
		await page.getByRole('alert').filter({hasText: 'not before starts'}).waitFor();

		// An edit: the Welsh title changed, the image kept; the region fixed.
		await page.getByRole('button', {name: 'Edit "The café now opens until 7pm"'}).click();
		const edit = page.getByRole('region', {name: 'Edit "The café now opens until 7pm"'});
		await edit.waitFor();
		assert.strictEqual(await edit.getByLabel('Region').getAttribute('readonly'), '');
		assert.strictEqual(await edit.getByLabel('Title').nth(1).inputValue(), 'Mae\'r caffi ar agor tan 7pm');
		await edit.getByLabel('Title').nth(1).fill('Mae\'r caffi bellach ar agor tan 7pm');
		await checkPage(page, 'updates-edit');
		await edit.getByRole('button', {name: 'Save changes'}).click();
		await page.getByText('Update saved').first().waitFor({state: 'attached'});
		const after = JSON.parse(hubCmd(hub, ['update', 'list', '--json']));
		assert.strictEqual(after[0].title.cy, 'Mae\'r caffi bellach ar agor tan 7pm');
		assert.strictEqual(after[0].image.width, 32);
		assert.match(hubCmd(hub, ['audit']), /console:root-admin\s+update_edit/);
		await logout(page);
	});

	test('a viewer sees the list, no form, and cannot publish', async () => {
		await login(page, hub, 'vera', PW.vera);
		await openPage(page, 'updates', 'Updates');
		await page.getByRole('rowheader', {name: 'The café now opens until 7pm'}).waitFor();
		assert.strictEqual(await page.getByRole('button', {name: 'Publish update'}).count(), 0);
		assert.strictEqual(await page.getByRole('button', {name: /Remove/}).count(), 0);
		await checkPage(page, 'updates-viewer');
		const status = await page.evaluate(async () => {
			const r = await fetch('/api/updates/add', {method: 'POST', headers: {'Content-Type': 'application/json',
				'X-CSRF-Token': window.FsConsole.csrf ? window.FsConsole.csrf() : ''},
			body: JSON.stringify({target: 'north', title: {en: 'x'}, text: {en: 'y'}, starts: '2026-01-01', ends: '2026-01-02'})});
			return r.status;
		});
		assert.ok(status === 403 || status === 401, `viewer publish: ${status}`);
		await logout(page);
	});

	test('an admin removes it, with a confirmation', async () => {
		await login(page, hub, 'root-admin', PW.admin);
		await openPage(page, 'updates', 'Updates');
		await page.getByRole('button', {name: 'Remove "The café now opens until 7pm"'}).click();
		await page.getByRole('button', {name: 'Yes, remove "The café now opens until 7pm"'}).click();
		await page.getByText('No updates yet.').waitFor();
		assert.deepStrictEqual(JSON.parse(hubCmd(hub, ['update', 'list', '--json'])), []);
		assert.match(hubCmd(hub, ['audit']), /console:root-admin\s+update_remove/);
	});
});
