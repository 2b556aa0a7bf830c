// The hub console's shell in Chromium (issue 11, "Serving and accounts"):
// log in, a wrong password, log out, roles (a viewer cannot open Users;
// an analyst of region a sees only region a's kiosks on Overview), the
// Users page (add, token shown once, disable), axe-core on every page at
// 1280x800 and 390x844, screenshots kept in $UI_ARTIFACTS; My account
// (own API token, own password); responses per day counted by region. Two real
// kiosks (regions a and b) sync with the hub first. Run by tests/ui/run.sh.
'use strict';
const {test, describe, before, after} = require('node:test');
const assert = require('node:assert');
const path = require('node:path');
const {startHub, hubCmd, enrollKiosk, launch, newPage, login, logout, openPage, checkPage, request, stopAll} =
	require('./console_harness.js');

const PW = {admin: 'admin password 1', viewer: 'viewer password 1', ana: 'analyst password 1'};

// The responses of the last row (today) of the Overview's table.
async function todaysResponses(page) {
	const cells = page.getByRole('region', {name: /Responses per day, last 30 days \(table\)/}).locator('tbody tr').last().locator('td');
	return Number((await cells.last().textContent()).trim());
}

describe('console shell', () => {
	let hub, browser, page, kioskA, kioskB;

	before(async () => {
		hub = await startHub({users: [
			{name: 'root-admin', role: 'admin', password: PW.admin},
			{name: 'vera', role: 'viewer', password: PW.viewer},
			{name: 'ana', role: 'analyst', regions: ['a'], password: PW.ana}
		]});
		hubCmd(hub, ['publish', path.join(__dirname, '..', '..', 'schema', 'examples', 'friends-and-family.json')]);
		kioskA = enrollKiosk(hub, 'library-a', 'a');
		kioskB = enrollKiosk(hub, 'surgery-b', 'b');
		// Today: 2 responses at region a's kiosk, 1 at region b's.
		kioskA.respond('friends-and-family', {overall: 'good'});
		kioskA.respond('friends-and-family', {overall: 'poor'});
		kioskB.respond('friends-and-family', {overall: 'good'});
		kioskA.sync();
		kioskB.sync();
		browser = await launch();
		page = await newPage(browser);
	});
	after(() => stopAll(browser, hub, [kioskA, kioskB]));

	test('the login page: labelled, wrong password announced, axe clean', async () => {
		await page.goto(hub.url);
		await page.locator('main h1', {hasText: 'Log in'}).waitFor();
		await checkPage(page, 'login');
		await page.getByLabel('User name').fill('root-admin');
		await page.getByLabel('Password').fill('not the password');
		await page.getByRole('button', {name: 'Log in'}).click();
		const alert = page.locator('#login-error');
		await alert.waitFor({state: 'visible'});
		assert.strictEqual(await alert.getAttribute('role'), 'alert');
		assert.strictEqual((await alert.textContent()).trim(), 'Wrong user name or password.');
		assert.strictEqual(await page.getByLabel('Password').inputValue(), '', 'password cleared');
		await checkPage(page, 'login-error');
	});

	test('an admin logs in by keyboard, sees both regions, opens Users', async () => {
		await page.goto(hub.url);
		await page.getByLabel('User name').focus();
		await page.keyboard.type('root-admin');
		await page.keyboard.press('Tab');
		await page.keyboard.type(PW.admin);
		await page.keyboard.press('Enter');
		await page.locator('main h1', {hasText: 'Overview'}).waitFor();
		assert.strictEqual(await page.evaluate(() => document.activeElement.tagName), 'H1', 'focus on the heading');
		await page.getByRole('heading', {name: 'Region a'}).waitFor();
		await page.getByRole('heading', {name: 'Region b'}).waitFor();
		const rows = await page.locator('table').filter({hasText: 'library-a'}).count();
		assert.ok(rows >= 1);
		await page.getByRole('figure').locator('svg[role="img"]').waitFor();
		assert.strictEqual(await todaysResponses(page), 3, 'both regions\' responses today');
		await checkPage(page, 'overview-admin');
		await page.getByRole('link', {name: 'Users'}).click();
		await page.locator('main h1', {hasText: 'Users'}).waitFor();
		await page.getByRole('cell', {name: 'vera'}).waitFor().catch(async () =>
			page.getByRole('rowheader', {name: 'vera'}).waitFor());
		await checkPage(page, 'users');
	});

	test('an admin adds a user, makes a token (shown once), disables the user', async () => {
		await page.getByLabel('User name').fill('newbie');
		await page.getByLabel('Role', {exact: true}).selectOption('analyst');
		await page.getByLabel('Regions').fill('b');
		await page.locator('#u-password').fill('a new password 1');
		await page.getByRole('button', {name: 'Add user'}).click();
		await page.getByRole('button', {name: 'Manage newbie'}).waitFor();
		await page.getByRole('button', {name: 'Manage newbie'}).click();
		await page.getByRole('heading', {name: 'Manage newbie'}).waitFor();
		await page.getByRole('button', {name: 'Create API token'}).click();
		const token = (await page.locator('.token').textContent()).trim();
		assert.match(token, /^fsu_[A-Za-z0-9_-]{43}$/);
		await checkPage(page, 'users-token');
		// The token reads a token_ok route, and nothing else.
		const ok = await request(hub.port, 'GET', '/api/overview', {Host: `127.0.0.1:${hub.port}`, Authorization: `Bearer ${token}`});
		assert.strictEqual(ok.status, 200);
		assert.deepStrictEqual([...new Set(JSON.parse(ok.body).kiosks.map((k) => k.region))], ['b']);
		await page.getByRole('button', {name: 'Disable newbie'}).click();
		await page.getByRole('button', {name: 'Enable newbie'}).waitFor();
		const off = await request(hub.port, 'GET', '/api/overview', {Host: `127.0.0.1:${hub.port}`, Authorization: `Bearer ${token}`});
		assert.strictEqual(off.status, 401, 'a disabled account\'s token stops working');
		const list = JSON.parse(hubCmd(hub, ['user', 'list', '--json']));
		assert.strictEqual(list.find((u) => u.name === 'newbie').disabled, true);
		await logout(page);
		await checkPage(page, 'logged-out');
	});

	test('a viewer cannot open Users: no link, the page refuses, the API 403', async () => {
		await login(page, hub, 'vera', PW.viewer);
		await page.locator('main h1', {hasText: 'Overview'}).waitFor();
		assert.strictEqual(await page.getByRole('link', {name: 'Users'}).count(), 0);
		await openPage(page, 'users', 'Not allowed');
		await checkPage(page, 'not-allowed');
		const status = await page.evaluate(async () => (await fetch('/api/users')).status);
		assert.strictEqual(status, 403);
		await logout(page);
	});

	test('My account: a token of one\'s own, then a password change logs out everywhere', async () => {
		await login(page, hub, 'vera', PW.viewer);
		await page.getByRole('link', {name: 'My account'}).click();
		await page.locator('main h1', {hasText: 'My account'}).waitFor();
		await page.getByRole('button', {name: 'Create an API token'}).click();
		const token = (await page.locator('.token').textContent()).trim();
		assert.match(token, /^fsu_/);
		await checkPage(page, 'account');
		await page.getByRole('button', {name: /^Revoke token /}).click();
		await page.getByText('You have no API tokens.').waitFor();
		const gone = await request(hub.port, 'GET', '/api/overview', {Host: `127.0.0.1:${hub.port}`, Authorization: `Bearer ${token}`});
		assert.strictEqual(gone.status, 401);
		await page.getByLabel('Current password').fill('not it at all');
		await page.getByLabel('New password', {exact: true}).fill('viewer password 2');
		await page.getByLabel('New password again').fill('viewer password 2');
		await page.getByRole('button', {name: 'Change password'}).click();
		await page.locator('#a-error', {hasText: 'current password is wrong'}).waitFor();
		await page.getByLabel('Current password').fill(PW.viewer);
		await page.getByLabel('New password', {exact: true}).fill('viewer password 2');
		await page.getByLabel('New password again').fill('viewer password 2');
		await page.getByRole('button', {name: 'Change password'}).click();
		await page.locator('main h1', {hasText: 'Log in'}).waitFor();
		await login(page, hub, 'vera', 'viewer password 2');
		await logout(page);
	});

	test('an analyst of region a sees only region a on Overview', async () => {
		await login(page, hub, 'ana', PW.ana);
		await page.locator('main h1', {hasText: 'Overview'}).waitFor();
		await page.getByRole('heading', {name: 'Region a'}).waitFor();
		assert.strictEqual(await page.getByRole('heading', {name: 'Region b'}).count(), 0);
		const html = await page.content();
		assert.ok(html.includes('library-a'));
		assert.ok(!html.includes('surgery-b'), 'nothing of region b in the page');
		assert.strictEqual(await todaysResponses(page), 2, 'region a\'s responses only');
		await checkPage(page, 'overview-analyst');
		await logout(page);
	});
});
