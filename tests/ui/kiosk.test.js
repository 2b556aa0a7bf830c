// The kiosk web UI in Chromium (issue 4): self-completion of every example
// questionnaire, conditions both ways, errors, language switch and RTL,
// privacy resets, consent declined, worker mode, accessibility (axe-core,
// keyboard only), the API's Host/Origin checks, and screenshots at 800x480
// and 1920x1080 kept in $UI_ARTIFACTS. Run by tests/ui/run.sh.
'use strict';
const {test, describe, before, after} = require('node:test');
const assert = require('node:assert');
const fs = require('node:fs');
const path = require('node:path');
const {execFileSync} = require('node:child_process');
const {startHost, dump, launch, axeCheck, shots, request, fillDayMonthYear} = require('./harness.js');

const PIN = '246813';

function today() {
	const d = new Date();
	const p = (n) => String(n).padStart(2, '0');
	return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
}

function dayOffset(n) {
	const d = new Date(Date.now() + n * 86400000);
	const p = (x) => String(x).padStart(2, '0');
	return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
}

// Load the kiosk as Chromium's kiosk mode does: the only history entry.
async function open(page, url) {
	await page.evaluate((u) => location.replace(u), url);
	await page.locator('main h1').first().waitFor();
}

async function heading(page) {
	return (await page.locator('main h1').first().textContent()).trim();
}

async function next(page) {
	await page.locator('#btn-next').click();
}

async function pick(page, q, value) {
	await page.locator(`input[name="q_${q}"][value="${value}"]`).check();
}

// A date question's Day, Month and Year fields, from "YYYY-MM-DD".
async function fillDate(page, q, iso) {
	const [y, m, d] = iso.split('-');
	await page.locator(`#q-${q}`).fill(String(Number(d)));
	await page.locator(`#q-${q}-month`).fill(String(Number(m)));
	await page.locator(`#q-${q}-year`).fill(y);
}

async function error(page, q) {
	const e = page.locator(`#err-${q}`);
	await e.waitFor({state: 'visible'});
	assert.strictEqual(await e.getAttribute('role'), 'alert');
	return (await e.textContent()).trim();
}

// Nothing of the last person: welcome screen, empty inputs, no storage,
// no history to go back to, none of their words in the page.
async function assertNoTrace(page, words) {
	await page.locator('main h1', {hasText: 'Welcome'}).waitFor();
	const state = await page.evaluate(() => ({
		local: localStorage.length, session: sessionStorage.length, history: history.length,
		url: location.href, values: Array.from(document.querySelectorAll('input, textarea'))
			.map((i) => i.value).filter((v) => v !== ''),
		html: document.documentElement.outerHTML
	}));
	assert.strictEqual(state.local, 0);
	assert.strictEqual(state.session, 0);
	assert.strictEqual(state.history, 1, 'no history entries');
	assert.ok(!/[?#]/.test(state.url), 'nothing in the URL');
	assert.deepStrictEqual(state.values, []);
	for (const w of words)
		assert.ok(!state.html.includes(w), `"${w}" left in the page`);
	const back = await page.goBack().catch(() => null);
	assert.strictEqual(back, null, 'the back button leads nowhere');
	await page.locator('main h1', {hasText: 'Welcome'}).waitFor();
}

async function openQuestionnaire(page, title, lang) {
	await page.getByRole('button', {name: title}).click();
	// the language screen's button, not the top bar's control (which
	// names every language too)
	if (lang)
		await page.locator('main').getByRole('button', {name: lang, exact: true}).click();
}

describe('kiosk UI', () => {
	let host, browser, page;

	before(async () => {
		host = await startHost({workers: [{name: 'sam', pin: PIN}]});
		browser = await launch();
		page = await browser.context.newPage();
	});
	after(async () => {
		await browser.close();
		await host.stop();
	});

	test('welcome offers every published questionnaire', async () => {
		await open(page, host.url);
		assert.strictEqual(await heading(page), 'Welcome');
		assert.strictEqual(await page.locator('.choices-list button').count(), 3);
		await axeCheck(page, 'welcome');
	});

	test('friends-and-family: required error, language switch mid-way, condition shown', async () => {
		await open(page, host.url);
		await openQuestionnaire(page, 'Tell us about your visit', 'English');
		assert.match(await heading(page), /Overall, how was your experience/);
		await next(page);
		assert.strictEqual(await error(page, 'overall'), 'Please answer this question.');
		assert.strictEqual(await page.locator('input[name="q_overall"]').first().getAttribute('aria-invalid'), 'true');
		await pick(page, 'overall', 'poor');
		await next(page);
		assert.match(await heading(page), /What was good/);
		await page.locator('#btn-language').click();
		await page.getByRole('button', {name: 'Cymraeg'}).click();
		assert.match(await heading(page), /Beth oedd yn dda/);
		assert.strictEqual(await page.evaluate(() => document.documentElement.lang), 'cy');
		await page.locator('#q-why').fill('  Kind staff, quiet room  ');
		await next(page);
		assert.match(await heading(page), /Hoffech chi i rywun gysylltu/); // in: poor -> shown
		assert.strictEqual(await page.locator('#btn-next').textContent(), 'Anfon fy atebion');
		await pick(page, 'follow_up', 'true');
		await next(page);
		await page.locator('main h1', {hasText: 'Diolch'}).waitFor();
		const r = dump(host).responses.find((x) => x.questionnaire === 'friends-and-family');
		assert.deepStrictEqual(r.answers, {overall: 'poor', why: 'Kind staff, quiet room', follow_up: true});
		assert.strictEqual(r.language, 'cy');
		assert.strictEqual(r.mode, 'self');
		assert.ok(!('worker' in r), 'no worker: the key is absent (docs/changeset.md)');
		// The thank-you screen offers a receipt code without holding the
		// screen; taken, the code holds it a minute from then (receipt.js
		// K.holdEnd).
		assert.ok(await page.locator('#receipt').count() === 1);
		assert.ok(await page.locator('#receipt[data-hold]').count() === 0);
		const left = async () => Number((await page.locator('.done p.hint').textContent()).match(/\d+/)[0]);
		assert.ok(await left() <= 10);
		await page.locator('#btn-receipt').click();
		await page.locator('#receipt-code').waitFor();
		assert.ok(await left() >= 55);
		await page.locator('.done button.primary').click();
		await page.locator('main h1', {hasText: 'Welcome'}).waitFor();
		await assertNoTrace(page, ['Kind staff', 'quiet room']);
	});

	test('friends-and-family: condition false skips the follow-up question', async () => {
		await open(page, host.url);
		const before = dump(host).responses.length;
		await openQuestionnaire(page, 'Tell us about your visit', 'English');
		await pick(page, 'overall', 'good');
		assert.strictEqual(await page.locator('#btn-next').textContent(), 'Next');
		await next(page);
		assert.strictEqual(await page.locator('#btn-next').textContent(), 'Send my answers');
		await next(page); // why left empty: optional
		await page.locator('main h1', {hasText: 'Thank you'}).waitFor();
		const all = dump(host).responses;
		assert.strictEqual(all.length, before + 1);
		assert.deepStrictEqual(all.find((x) => x.answers.overall === 'good').answers, {overall: 'good'});
		await page.getByRole('button', {name: 'Finish'}).click();
		await assertNoTrace(page, []);
	});

	test('service-ideas in Urdu: right to left, every type, range errors, conditions', async () => {
		await open(page, host.url);
		await openQuestionnaire(page, 'Shaping our drop-in together', 'اردو');
		assert.strictEqual(await page.evaluate(() => document.documentElement.dir), 'rtl');
		assert.strictEqual(await page.evaluate(() => document.documentElement.lang), 'ur');
		await page.locator('main button.primary').click(); // intro: start
		await pick(page, 'consent', 'true');
		await next(page);
		assert.match(await heading(page), /پہلے، تھوڑا سا/); // info
		await axeCheck(page, 'rtl-info');
		await next(page);
		await pick(page, 'how_often', 'weekly');
		await next(page);
		// date: max "today"
		await fillDate(page, 'last_visit', dayOffset(3));
		await next(page);
		assert.match(await error(page, 'last_visit'), /آج/);
		await fillDate(page, 'last_visit', '2024-05-01');
		await next(page);
		// multi_choice: min 2
		await pick(page, 'priorities', 'interpreters');
		await next(page);
		assert.match(await error(page, 'priorities'), /کم از کم 2/);
		await pick(page, 'priorities', 'hot_food');
		await next(page);
		// includes interpreters -> shown
		await page.locator('#q-interpreter_language').fill('Polish');
		await next(page);
		// number: type, integer and max errors
		await page.locator('#q-travel_minutes').fill('abc');
		await next(page);
		assert.match(await error(page, 'travel_minutes'), /عدد/);
		await page.locator('#q-travel_minutes').fill('301');
		await next(page);
		assert.match(await error(page, 'travel_minutes'), /300/);
		await page.locator('#q-travel_minutes').fill('50');
		await next(page);
		// gte 45 -> travel_help shown
		await pick(page, 'travel_help', 'true');
		await next(page);
		await next(page);
		assert.strictEqual(await error(page, 'welcome'), 'براہ کرم اس سوال کا جواب دیں۔');
		await pick(page, 'welcome', '4');
		await next(page);
		// lte 2 false -> welcome_better skipped; idea next
		await page.locator('#q-idea').fill('Evening sessions');
		await next(page);
		// all(in weekly, any(answered idea)) -> join_group shown
		await pick(page, 'join_group', 'true');
		await next(page);
		assert.match(await heading(page), /شکریہ۔ آپ کے جانے سے پہلے/); // group_thanks info
		await next(page);
		// The info screen's heading also holds 'شکریہ': wait for the stored
		// response itself, not a heading, or the dump races the save.
		let r;
		for (const end = Date.now() + 15000; !r && Date.now() < end; await page.waitForTimeout(100))
			r = dump(host).responses.find((x) => x.questionnaire === 'service-ideas');
		assert.ok(r, 'the service-ideas response is stored');
		assert.deepStrictEqual(r.answers, {consent: true, how_often: 'weekly', last_visit: '2024-05-01',
			priorities: ['interpreters', 'hot_food'], interpreter_language: 'Polish', travel_minutes: 50,
			travel_help: true, welcome: 4, idea: 'Evening sessions', join_group: true});
		assert.strictEqual(r.language, 'ur');
		await page.locator('main button.primary').click();
		await assertNoTrace(page, ['Evening sessions', 'Polish']);
		assert.strictEqual(await page.evaluate(() => document.documentElement.dir), 'ltr');
	});

	test('service-ideas: first_time skips the date, low welcome shows welcome_better', async () => {
		await open(page, host.url);
		await openQuestionnaire(page, 'Shaping our drop-in together', 'English');
		await page.getByRole('button', {name: 'Start'}).click();
		await pick(page, 'consent', 'true');
		await next(page);
		await next(page);
		await pick(page, 'how_often', 'first_time');
		await next(page);
		assert.match(await heading(page), /Which of these matter most/); // last_visit skipped
		await pick(page, 'priorities', 'childcare');
		await pick(page, 'priorities', 'quiet_space');
		await pick(page, 'priorities', 'online');
		await pick(page, 'priorities', 'hot_food');
		await next(page);
		assert.strictEqual(await error(page, 'priorities'), 'Please choose no more than 3.');
		await page.locator('input[name="q_priorities"][value="hot_food"]').uncheck();
		await next(page);
		assert.match(await heading(page), /how many minutes/); // no interpreters
		await page.locator('#q-travel_minutes').fill('12.5');
		await next(page);
		assert.strictEqual(await error(page, 'travel_minutes'), 'Please enter a whole number.');
		await page.locator('#q-travel_minutes').fill('');
		await next(page);
		assert.match(await heading(page), /How welcome/); // travel_help: travel_minutes unanswered
		await pick(page, 'welcome', '2');
		await next(page);
		assert.match(await heading(page), /feel more welcome/);
		await page.locator('#q-welcome_better').fill('A friendly hello');
		await next(page);
		await next(page); // idea empty; join_group hidden (first_time), so this sends
		await page.locator('main h1', {hasText: 'Thank you'}).waitFor();
		const r = dump(host).responses.filter((x) => x.questionnaire === 'service-ideas')
			.find((x) => x.answers.how_often === 'first_time');
		assert.deepStrictEqual(r.answers, {consent: true, how_often: 'first_time',
			priorities: ['childcare', 'quiet_space', 'online'], welcome: 2, welcome_better: 'A friendly hello'});
		await page.getByRole('button', {name: 'Finish'}).click();
		await assertNoTrace(page, ['friendly hello']);
	});

	test('personal-wellbeing: scales, any() condition, integer and date limits', async () => {
		await open(page, host.url);
		await openQuestionnaire(page, 'How are you feeling?');
		await page.getByRole('button', {name: 'Start'}).click();
		await pick(page, 'consent', 'true');
		await next(page);
		await pick(page, 'life_satisfaction', '3');
		await next(page);
		await pick(page, 'worthwhile', '6');
		await next(page);
		await pick(page, 'happy_yesterday', '0');
		await next(page);
		await pick(page, 'anxious_yesterday', '10');
		await next(page);
		await pick(page, 'support_wanted', 'peer_support');
		await pick(page, 'support_wanted', 'gp');
		await next(page);
		await page.locator('#q-age').fill('15');
		await next(page);
		assert.strictEqual(await error(page, 'age'), 'Please enter 16 or more.');
		await page.locator('#q-age').fill('34');
		await next(page);
		await fillDate(page, 'visit_date', today());
		await next(page);
		await page.locator('main h1', {hasText: 'Thank you'}).waitFor();
		const r = dump(host).responses.find((x) => x.questionnaire === 'personal-wellbeing');
		assert.deepStrictEqual(r.answers, {consent: true, life_satisfaction: 3, worthwhile: 6,
			happy_yesterday: 0, anxious_yesterday: 10, support_wanted: ['peer_support', 'gp'],
			age: 34, visit_date: today()});
		await page.getByRole('button', {name: 'Finish'}).click();
		await assertNoTrace(page, []);
	});

	test('consent declined: thanked kindly, nothing stored', async () => {
		await open(page, host.url);
		const before = dump(host).responses.length;
		await openQuestionnaire(page, 'How are you feeling?');
		await page.getByRole('button', {name: 'Start'}).click();
		await pick(page, 'consent', 'false');
		await next(page);
		await page.locator('main h1', {hasText: 'Thank you for your time'}).waitFor();
		assert.match(await page.locator('main').textContent(), /nothing has been saved/);
		assert.strictEqual(dump(host).responses.length, before);
		await page.getByRole('button', {name: 'Finish'}).click();
		await assertNoTrace(page, []);
	});

	test('keyboard only: a whole questionnaire without the mouse', async () => {
		await open(page, host.url);
		const before = dump(host).responses.length;
		async function tabTo(pred) {
			for (let i = 0; i < 40; i++) {
				await page.keyboard.press('Tab');
				if (await page.evaluate(pred))
					return;
			}
			throw new Error('could not reach the element with Tab');
		}
		await tabTo(() => document.activeElement.textContent.startsWith('Tell us about your visit'));
		await page.keyboard.press('Enter');
		await tabTo(() => document.activeElement.textContent === 'English');
		await page.keyboard.press('Enter');
		await tabTo(() => document.activeElement.name === 'q_overall');
		await page.keyboard.press('Space');          // first option: very good
		await page.keyboard.press('ArrowDown');      // good
		await page.keyboard.press('Enter');          // submits the form: next
		await page.locator('#q-why').waitFor();
		await tabTo(() => document.activeElement.id === 'q-why');
		await page.keyboard.type('Typed with keys');
		await tabTo(() => document.activeElement.id === 'btn-next');
		await page.keyboard.press('Enter');
		await page.locator('main h1', {hasText: 'Thank you'}).waitFor();
		await tabTo(() => document.activeElement.textContent === 'Finish');
		await page.keyboard.press('Enter');
		await assertNoTrace(page, ['Typed with keys']);
		const all = dump(host).responses;
		assert.strictEqual(all.length, before + 1);
		assert.ok(all.some((x) => x.answers.why === 'Typed with keys' && x.answers.overall === 'good'));
	});

	test('worker mode: contacts created and updated, follow-ups due, assisted response, offer, sync', async () => {
		await open(page, host.url);
		await page.getByRole('button', {name: 'Staff'}).click();
		await page.locator('#w-name').fill('sam');
		await page.locator('#w-pin').fill(PIN);
		await page.getByRole('button', {name: 'Enter worker mode'}).click();
		await page.locator('main h1', {hasText: 'Follow-ups due'}).waitFor();
		assert.match(await page.locator('main').textContent(), /No follow-ups are due/);
		// create
		await page.getByRole('button', {name: 'New contact'}).click();
		await page.locator('#c-person_ref').fill('P17');
		await page.locator('#c-channel').selectOption('phone');
		await page.locator('#c-duration_min').fill('25');
		await page.locator('#c-topics').fill('housing, benefits');
		await fillDayMonthYear(page, 'c-follow_up_date', dayOffset(2));
		await page.getByRole('button', {name: 'Save contact'}).click();
		await page.locator('main h1', {hasText: 'Contacts in this region'}).waitFor();
		await page.locator('table.contacts', {hasText: 'P17'}).waitFor();
		let c = dump(host).contacts.find((x) => x.person_ref === 'P17');
		assert.strictEqual(c.worker, 'sam');
		assert.strictEqual(c.channel, 'phone');
		assert.strictEqual(c.duration_min, 25);
		assert.deepStrictEqual(c.topics, ['housing', 'benefits']);
		assert.strictEqual(c.region, 'north');
		// a bad value is refused with core's message
		await page.getByRole('button', {name: 'Edit contact P17'}).click();
		await page.locator('#c-duration_min').fill('2000');
		await page.getByRole('button', {name: 'Save contact'}).click();
		await page.locator('#contact-error', {hasText: 'duration_min'}).waitFor();
		// update: follow-up yesterday -> overdue
		await page.locator('#c-duration_min').fill('30');
		await fillDayMonthYear(page, 'c-follow_up_date', dayOffset(-1));
		await page.locator('#c-notes').fill('Call back about the letter');
		await page.getByRole('button', {name: 'Save contact'}).click();
		await page.locator('main h1', {hasText: 'Contacts in this region'}).waitFor();
		c = dump(host).contacts.find((x) => x.person_ref === 'P17');
		assert.strictEqual(c.duration_min, 30);
		assert.strictEqual(c.follow_up_date, dayOffset(-1));
		assert.strictEqual(c.notes, 'Call back about the letter');
		await page.getByRole('button', {name: 'Follow-ups due'}).click();
		await page.locator('table.contacts tr.overdue', {hasText: 'P17'}).waitFor();
		await axeCheck(page, 'worker-followups');
		// assisted response, recorded with the worker
		await page.getByRole('button', {name: 'Help someone answer'}).click();
		await page.getByRole('button', {name: 'Tell us about your visit'}).click();
		await page.getByRole('button', {name: 'English'}).click();
		await pick(page, 'overall', 'neither');
		await next(page);
		await next(page);
		await page.locator('main h1', {hasText: 'Thank you'}).waitFor();
		const r = dump(host).responses.find((x) => x.mode === 'assisted');
		assert.deepStrictEqual(r.answers, {overall: 'neither'});
		assert.strictEqual(r.worker, 'sam');
		await page.getByRole('button', {name: 'Finish'}).click();
		await page.locator('main h1', {hasText: 'Follow-ups due'}).waitFor(); // back in worker mode
		// offer two questionnaires only; ask for a sync
		await page.getByRole('button', {name: 'Kiosk and sync'}).click();
		await page.locator('.status dd').first().waitFor();
		assert.ok(Number(await page.locator('.status dd').first().textContent()) > 0, 'pending changes shown');
		await page.getByRole('checkbox', {name: /How are you feeling/}).uncheck();
		await page.getByRole('button', {name: 'Save choice'}).click();
		await page.getByText('Saved: the welcome screen now offers 2').waitFor();
		await page.getByRole('button', {name: 'Sync now'}).click();
		await page.getByText('Sync requested.').waitFor();
		assert.ok(fs.existsSync(path.join(host.dir, 'sync-requests')));
		await page.getByRole('button', {name: 'Lock'}).click();
		await page.locator('main h1', {hasText: 'Welcome'}).waitFor();
		assert.strictEqual(await page.locator('.choices-list button').count(), 2);
		const me = await page.evaluate(() => fetch('/api/worker/me').then((x) => x.status));
		assert.strictEqual(me, 401);
		await assertNoTrace(page, ['P17', 'letter']);
	});

	test('a PIN shorter than 6 digits works, warns and can be changed', async () => {
		// as an older agent stored it (workers.json is read on every entry)
		execFileSync(process.env.UI_HOST, ['legacy-worker', 'lee', '--data', host.dir], {input: '4321\n'});
		await open(page, host.url);
		await page.getByRole('button', {name: 'Staff'}).click();
		await page.getByLabel('Your worker name').fill('lee');
		await page.getByLabel('PIN').fill('4321');
		await page.getByRole('button', {name: 'Enter worker mode'}).click();
		await page.locator('main h1', {hasText: 'Follow-ups due'}).waitFor();
		const warning = page.getByRole('status').filter({hasText: 'Your PIN has fewer than 6 digits'});
		await warning.waitFor();
		await axeCheck(page, 'worker-pin-warning');
		await page.getByRole('button', {name: 'Contacts'}).click(); // on every screen
		await warning.waitFor();
		await warning.getByRole('button', {name: 'Change PIN'}).click();
		await page.locator('main h1', {hasText: 'Change PIN'}).waitFor();
		// the new PIN twice, differently
		await page.getByLabel('Current PIN').fill('4321');
		await page.getByLabel('New PIN (6 to 12 digits)').fill('864209');
		await page.getByLabel('New PIN again').fill('864200');
		await page.getByRole('button', {name: 'Save new PIN'}).click();
		await page.getByRole('alert').filter({hasText: 'The two new PINs are not the same.'}).waitFor();
		// too short
		await page.getByLabel('Current PIN').fill('4321');
		await page.getByLabel('New PIN (6 to 12 digits)').fill('97531');
		await page.getByLabel('New PIN again').fill('97531');
		await page.getByRole('button', {name: 'Save new PIN'}).click();
		await page.getByRole('alert').filter({hasText: 'a new PIN must be 6 to 12 digits'}).waitFor();
		// the current PIN wrong
		await page.getByLabel('Current PIN').fill('1234');
		await page.getByLabel('New PIN (6 to 12 digits)').fill('864209');
		await page.getByLabel('New PIN again').fill('864209');
		await page.getByRole('button', {name: 'Save new PIN'}).click();
		await page.getByRole('alert').filter({hasText: 'The current PIN is not right.'}).waitFor();
		await page.getByLabel('Current PIN').fill('4321');
		await page.getByLabel('New PIN (6 to 12 digits)').fill('864209');
		await page.getByLabel('New PIN again').fill('864209');
		await page.getByRole('button', {name: 'Save new PIN'}).click();
		await page.getByRole('status').filter({hasText: 'Your PIN has been changed.'}).waitFor();
		assert.strictEqual(await page.locator('#pin-warning').count(), 0);
		await page.getByRole('button', {name: 'Lock'}).click();
		await page.locator('main h1', {hasText: 'Welcome'}).waitFor();
		await page.getByRole('button', {name: 'Staff'}).click();
		await page.getByLabel('Your worker name').fill('lee');
		await page.getByLabel('PIN').fill('864209');
		await page.getByRole('button', {name: 'Enter worker mode'}).click();
		await page.locator('main h1', {hasText: 'Follow-ups due'}).waitFor();
		assert.strictEqual(await page.locator('#pin-warning').count(), 0, 'no warning with the new PIN');
		await page.getByRole('button', {name: 'Lock'}).click();
		await page.locator('main h1', {hasText: 'Welcome'}).waitFor();
	});

	test('the API refuses a foreign Host or Origin', async () => {
		const p = host.port;
		let r = await request(p, 'GET', '/api/kiosk', {Host: 'evil.example:' + p});
		assert.strictEqual(r.status, 403);
		assert.strictEqual(JSON.parse(r.body).error, 'forbidden');
		r = await request(p, 'GET', '/', {Host: 'attacker.test'});
		assert.strictEqual(r.status, 403);
		r = await request(p, 'POST', '/api/responses', {Host: '127.0.0.1:' + p, Origin: 'http://evil.example',
			'Content-Type': 'application/json'}, '{}');
		assert.strictEqual(r.status, 403);
		r = await request(p, 'POST', '/api/responses', {Host: '127.0.0.1:' + p,
			'Content-Type': 'application/json'}, '{}');
		assert.strictEqual(r.status, 403, 'a write without Origin is refused');
		r = await request(p, 'GET', '/api/kiosk', {Host: '127.0.0.1:' + p, 'Sec-Fetch-Site': 'cross-site'});
		assert.strictEqual(r.status, 403);
		r = await request(p, 'POST', '/api/worker/login', {Host: 'localhost:' + p, Origin: 'http://localhost:' + p,
			'Content-Type': 'text/plain'}, '{}');
		assert.strictEqual(r.status, 415);
		r = await request(p, 'GET', '/api/kiosk', {Host: 'localhost:' + p});
		assert.strictEqual(r.status, 200);
		assert.strictEqual(r.headers['cache-control'], 'no-store');
		// the browser on another origin cannot read the API either
		const other = await page.evaluate((u) => fetch(u + 'api/kiosk').then(() => 'read', () => 'blocked'),
			`http://localhost:${p}/`);
		assert.strictEqual(other, 'blocked');
	});
});

describe('kiosk UI timeouts and PIN lockout', () => {
	let host, browser, page;

	before(async () => {
		host = await startHost({idle: 6, workerIdle: 6, workers: [{name: 'ana', pin: '135790'}]});
		browser = await launch();
		page = await browser.context.newPage();
	});
	after(async () => {
		await browser.close();
		await host.stop();
	});

	test('idle timeout warns, then discards partial answers', async () => {
		await open(page, host.url);
		await openQuestionnaire(page, 'Tell us about your visit', 'English');
		await pick(page, 'overall', 'poor');
		await next(page);
		await page.locator('#q-why').fill('Walked away mid-way');
		// "I am still here" keeps the answers. The warning gives 20 s
		// (WCAG 2.2.1) even though the timeout is 6 s (issue 8).
		await page.getByRole('alertdialog').waitFor({timeout: 15000});
		assert.match(await page.locator('#idle-text').textContent(), /cleared in 20 seconds/);
		await page.getByRole('button', {name: 'I am still here'}).click();
		assert.strictEqual(await page.locator('#q-why').inputValue(), 'Walked away mid-way');
		// then nobody answers the warning
		await page.getByRole('alertdialog').waitFor({timeout: 15000});
		await page.locator('main h1', {hasText: 'Welcome'}).waitFor({timeout: 25000});
		await assertNoTrace(page, ['Walked away']);
		assert.strictEqual(dump(host).responses.length, 0, 'partial answers are not stored');
	});

	test('wrong PINs lock entry for a growing time', async () => {
		await open(page, host.url);
		await page.getByRole('button', {name: 'Staff'}).click();
		for (let i = 0; i < 2; i++) {
			await page.locator('#w-name').fill('ana');
			await page.locator('#w-pin').fill('000000');
			await page.getByRole('button', {name: 'Enter worker mode'}).click();
			await page.locator('#pin-error', {hasText: 'Wrong name or PIN.'}).waitFor();
		}
		await page.locator('#w-pin').fill('111111');
		await page.getByRole('button', {name: 'Enter worker mode'}).click();
		await page.locator('#pin-error', {hasText: 'locked for 30 seconds'}).waitFor();
		await page.locator('#w-pin').fill('135790'); // right PIN, but locked
		await page.getByRole('button', {name: 'Enter worker mode'}).click();
		await page.locator('#pin-error', {hasText: 'try again in'}).waitFor();
		assert.strictEqual(await page.locator('#w-pin').inputValue(), '', 'the PIN is not kept');
		const guard = JSON.parse(fs.readFileSync(path.join(host.dir, 'pin-guard.json'), 'utf8'));
		const ana = guard.names.find((n) => n.name === 'ana');
		assert.strictEqual(ana.failures, 3);
		assert.ok(ana.lock_ms > 0 && ana.lock_ms <= 30000, 'a duration, not a wall-clock time');
	});

	test('worker mode locks after its idle time', async () => {
		// the guard is read at start: use the API on a fresh host instead
		const h = await startHost({workerIdle: 4, workers: [{name: 'ana', pin: '135790'}]});
		try {
			await open(page, h.url);
			await page.getByRole('button', {name: 'Staff'}).click();
			await page.locator('#w-name').fill('ana');
			await page.locator('#w-pin').fill('135790');
			await page.getByRole('button', {name: 'Enter worker mode'}).click();
			await page.locator('main h1', {hasText: 'Follow-ups due'}).waitFor();
			await page.getByRole('alertdialog').waitFor({timeout: 8000});
			await page.locator('main h1', {hasText: 'Welcome'}).waitFor({timeout: 8000});
			const me = await page.evaluate(() => fetch('/api/worker/me').then((x) => x.status));
			assert.strictEqual(me, 401);
		} finally {
			await h.stop();
		}
	});
});

describe('kiosk UI screens: axe-core scan and screenshots', () => {
	let host, browser, page;

	before(async () => {
		host = await startHost({idle: 20, workers: [{name: 'sam', pin: PIN}]});
		browser = await launch();
		page = await browser.context.newPage();
	});
	after(async () => {
		await browser.close();
		await host.stop();
	});

	async function screen(name) {
		await axeCheck(page, name);
		await shots(page, name);
	}

	test('every screen', async () => {
		await open(page, host.url);
		await screen('01-welcome');
		await openQuestionnaire(page, 'Shaping our drop-in together');
		await screen('02-language');
		await page.getByRole('button', {name: 'English'}).click();
		await screen('03-intro');
		await page.getByRole('button', {name: 'Start'}).click();
		await screen('04-consent');
		await pick(page, 'consent', 'true');
		await next(page);
		await screen('05-info');
		await next(page);
		await next(page);
		await error(page, 'how_often');
		await screen('06-single-choice-error');
		await pick(page, 'how_often', 'weekly');
		await next(page);
		await screen('07-date');
		await next(page);
		await pick(page, 'priorities', 'interpreters');
		await screen('08-multi-choice');
		await pick(page, 'priorities', 'hot_food');
		await next(page);
		await screen('09-text');
		await next(page);
		await page.locator('#q-travel_minutes').fill('50');
		await screen('10-number');
		await next(page);
		await screen('11-yes-no');
		await next(page);
		await screen('12-scale');
		await page.getByRole('button', {name: 'Text size 100%'}).click();
		await screen('13-scale-text-150');
		await page.getByRole('button', {name: 'Text size 150%'}).click();
		await screen('13b-scale-text-200');
		await page.getByRole('button', {name: 'Text size 200%'}).click();
		await page.locator('#btn-language').click();
		await page.getByRole('button', {name: 'اردو'}).click();
		await screen('14-scale-urdu');
		await page.locator('#btn-language').click();
		await page.getByRole('button', {name: 'English'}).click();
		await page.getByRole('alertdialog').waitFor({timeout: 25000});
		await screen('15-idle-warning');
		await page.getByRole('button', {name: 'I am still here'}).click();
		await pick(page, 'welcome', '5');
		await next(page);
		await page.locator('#q-idea').fill('More evening sessions');
		await next(page);
		await next(page); // join_group left unanswered: group_thanks hidden, so this sends
		await page.locator('main h1', {hasText: 'Thank you'}).waitFor();
		await screen('16-thanks');
		await page.getByRole('button', {name: 'Finish'}).click();
		await page.locator('main h1', {hasText: 'Welcome'}).waitFor();
		await openQuestionnaire(page, 'How are you feeling?');
		await page.getByRole('button', {name: 'Start'}).click();
		await pick(page, 'consent', 'false');
		await next(page);
		await page.locator('main h1', {hasText: 'Thank you for your time'}).waitFor();
		await screen('17-declined');
		await page.getByRole('button', {name: 'Finish'}).click();
		await page.getByRole('button', {name: 'Staff'}).click();
		await screen('18-pin');
		await page.locator('#w-name').fill('sam');
		await page.locator('#w-pin').fill(PIN);
		await page.getByRole('button', {name: 'Enter worker mode'}).click();
		await page.locator('main h1', {hasText: 'Follow-ups due'}).waitFor();
		await page.getByRole('button', {name: 'New contact'}).click();
		await screen('19-worker-new-contact');
		await page.locator('#c-person_ref').fill('P1');
		await fillDayMonthYear(page, 'c-follow_up_date', today());
		await page.getByRole('button', {name: 'Save contact'}).click();
		await page.locator('table.contacts').waitFor();
		await screen('20-worker-contacts');
		await page.getByRole('button', {name: 'Follow-ups due'}).click();
		await page.locator('table.contacts').waitFor();
		await screen('21-worker-followups');
		await page.getByRole('button', {name: 'Help someone answer'}).click();
		await page.locator('.choices-list').waitFor();
		await screen('22-worker-assist');
		await page.getByRole('button', {name: 'Kiosk and sync'}).click();
		await page.locator('.offered .choice').first().waitFor();
		await page.locator('.status dd').first().waitFor();
		await screen('23-worker-kiosk');
		await page.getByRole('button', {name: 'Lock'}).click();
		await page.locator('main h1', {hasText: 'Welcome'}).waitFor();
	});
});

// Issue 8, "Defects": each test here failed before its fix.
const checks = {
	format: 'fieldsync-questionnaire/1', id: 'defect-checks', version: 1, languages: ['en', 'ur'],
	title: {en: 'Defect checks', ur: 'جانچ کے سوالات'},
	questions: [
		{id: 'times', type: 'multi_choice', required: true,
			label: {en: 'When can you come?', ur: 'آپ کب آ سکتے ہیں؟'},
			options: [{value: 'morning', label: {en: 'Morning', ur: 'صبح'}},
				{value: 'evening', label: {en: 'Evening', ur: 'شام'}}]},
		{id: 'amount', type: 'number', min: 0, max: 1000000,
			label: {en: 'How many pounds?', ur: 'کتنے پاؤنڈ؟'}},
		{id: 'people', type: 'number', integer: true, min: 0, max: 100,
			label: {en: 'How many people?', ur: 'کتنے لوگ؟'}}
	]
};

// 60 questions: 20 shown only after "yes" to the first, a last one only
// after "yes" to the one before it.
const long = {
	format: 'fieldsync-questionnaire/1', id: 'long-form', version: 1, languages: ['en'],
	title: {en: 'A long form'},
	questions: [{id: 'extra', type: 'yes_no', required: true, label: {en: 'Answer the extra questions?'}}]
		.concat(Array.from({length: 20}, (_, i) => ({id: `x${i}`, type: 'info', label: {en: `Extra ${i}`},
			show_if: {question: 'extra', equals: true}})))
		.concat(Array.from({length: 37}, (_, i) => ({id: `p${i}`, type: 'info', label: {en: `Page ${i}`}})))
		.concat([{id: 'more', type: 'yes_no', label: {en: 'Anything more?'}},
			{id: 'more_text', type: 'text', label: {en: 'Tell us more'},
				show_if: {question: 'more', equals: true}}])
};

describe('kiosk UI: issue 8 defects', () => {
	let host, browser, page;

	before(async () => {
		host = await startHost({publish: [checks, long], workers: [{name: 'sam', pin: PIN}]});
		browser = await launch();
		page = await browser.context.newPage();
	});
	after(async () => {
		await browser.close();
		await host.stop();
	});

	async function progress() {
		return (await page.locator('.progress-text').textContent()).trim();
	}

	test('numbers: "1,000" is refused, never stored as 1; decimal comma; Urdu and Arabic digits', async () => {
		await open(page, host.url);
		await openQuestionnaire(page, 'Defect checks', 'English');
		await page.getByRole('checkbox', {name: 'Morning'}).check();
		await next(page);
		const amount = page.getByRole('textbox', {name: 'How many pounds?'});
		for (const grouped of ['1,000', '1,234.5', '1 000']) {
			await amount.fill(grouped);
			await next(page);
			assert.match(await error(page, 'amount'), /without commas or spaces/, grouped);
			assert.match(await heading(page), /How many pounds/, `${grouped} is not taken`);
		}
		await amount.fill('12kg');
		await next(page);
		assert.strictEqual(await error(page, 'amount'), 'Please enter a number, for example 12.');
		await amount.fill('2,5');
		await shots(page, 'i8-number-decimal-comma');
		await next(page);
		const people = page.getByRole('textbox', {name: 'How many people?'});
		await people.fill('۴۲'); // Urdu (Extended Arabic-Indic) 42
		await next(page);
		await page.locator('main h1', {hasText: 'Thank you'}).waitFor();
		let r = dump(host).responses.filter((x) => x.questionnaire === 'defect-checks').pop();
		assert.deepStrictEqual(r.answers, {times: ['morning'], amount: 2.5, people: 42});
		await page.getByRole('button', {name: 'Finish'}).click();
		// Arabic-Indic digits with the Arabic decimal separator, in Urdu
		await openQuestionnaire(page, 'Defect checks', 'اردو');
		await page.getByRole('checkbox', {name: 'شام'}).check();
		await next(page);
		await page.getByRole('textbox', {name: 'کتنے پاؤنڈ؟'}).fill('١٬٠٠٠');
		await next(page);
		assert.match(await error(page, 'amount'), /کوما/);
		await shots(page, 'i8-number-grouping-urdu');
		await axeCheck(page, 'i8-number-grouping-urdu');
		await page.getByRole('textbox', {name: 'کتنے پاؤنڈ؟'}).fill('١٫٥');
		await next(page);
		await next(page);
		await page.locator('main h1', {hasText: 'شکریہ'}).waitFor();
		r = dump(host).responses.filter((x) => x.questionnaire === 'defect-checks').pop();
		assert.deepStrictEqual(r.answers, {times: ['evening'], amount: 1.5});
		await page.locator('main button.primary').click();
		await assertNoTrace(page, []);
	});

	test('switching language mid-way keeps what is on screen', async () => {
		await open(page, host.url);
		await openQuestionnaire(page, 'Defect checks', 'English');
		await page.getByRole('checkbox', {name: 'Morning'}).check();
		await page.getByRole('button', {name: 'Language'}).click();
		await page.getByRole('button', {name: 'اردو'}).click();
		assert.match(await heading(page), /آپ کب آ سکتے ہیں/);
		assert.ok(await page.getByRole('checkbox', {name: 'صبح'}).isChecked(), 'the tick survives');
		await shots(page, 'i8-language-kept-urdu');
		await next(page);
		// typed text, even one not yet valid, survives too
		await page.getByRole('textbox', {name: 'کتنے پاؤنڈ؟'}).fill('1,000');
		await page.getByRole('button', {name: 'زبان'}).click();
		await page.getByRole('button', {name: 'English'}).click();
		assert.strictEqual(await page.getByRole('textbox', {name: 'How many pounds?'}).inputValue(), '1,000');
		await page.getByRole('textbox', {name: 'How many pounds?'}).fill('');
		await next(page);
		await next(page);
		await page.locator('main h1', {hasText: 'Thank you'}).waitFor();
		const r = dump(host).responses.filter((x) => x.questionnaire === 'defect-checks').pop();
		assert.deepStrictEqual(r.answers, {times: ['morning']});
		await page.getByRole('button', {name: 'Finish'}).click();
		await assertNoTrace(page, []);
	});

	test('Back on the mid-way language screen returns to the question; a discard is confirmed once', async () => {
		await open(page, host.url);
		const before = dump(host).responses.length;
		await openQuestionnaire(page, 'Defect checks', 'English');
		await page.getByRole('checkbox', {name: 'Evening'}).check();
		await page.getByRole('button', {name: 'Language'}).click();
		await page.getByRole('button', {name: 'Back'}).click();
		assert.match(await heading(page), /When can you come/);
		assert.ok(await page.getByRole('checkbox', {name: 'Evening'}).isChecked());
		// Back from the first question, then Back again: asked first
		await page.getByRole('button', {name: 'Back'}).click();
		assert.strictEqual(await heading(page), 'Choose your language');
		await page.getByRole('button', {name: 'Back'}).click();
		assert.strictEqual(await heading(page), 'Clear your answers?');
		await axeCheck(page, 'i8-discard-confirm');
		await shots(page, 'i8-discard-confirm');
		await page.getByRole('button', {name: 'No, keep my answers'}).click();
		await page.getByRole('button', {name: 'English'}).click();
		assert.ok(await page.getByRole('checkbox', {name: 'Evening'}).isChecked(), 'kept after "No"');
		await page.getByRole('button', {name: 'Back'}).click();
		await page.getByRole('button', {name: 'Back'}).click();
		await page.getByRole('button', {name: 'Yes, clear my answers'}).click();
		await assertNoTrace(page, []);
		assert.strictEqual(dump(host).responses.length, before);
		// nothing answered yet: Back leaves without a question
		await openQuestionnaire(page, 'Defect checks');
		await page.getByRole('button', {name: 'Back'}).click();
		await assertNoTrace(page, []);
	});

	test('progress is honest: a count that does not grow, and "n of n" beside "Send my answers"', async () => {
		await open(page, host.url);
		await openQuestionnaire(page, 'A long form');
		assert.strictEqual(await progress(), 'Question 1 of 60');
		await pick(page, 'extra', 'true');
		assert.strictEqual(await progress(), 'Question 1 of 60');
		for (let n = 1; n < 59; n++) {
			await next(page);
			await page.locator('.progress-text', {hasText: `Question ${n + 1} of`}).waitFor();
			assert.strictEqual(await progress(), `Question ${n + 1} of ${n + 1 === 59 ? 59 : 60}`);
		}
		// "Anything more?": nothing follows unless "Yes"
		assert.strictEqual(await page.locator('#btn-next').textContent(), 'Send my answers');
		await shots(page, 'i8-progress-last');
		await pick(page, 'more', 'true');
		assert.strictEqual(await progress(), 'Question 59 of 60');
		assert.strictEqual(await page.locator('#btn-next').textContent(), 'Next');
		await pick(page, 'more', 'false');
		assert.strictEqual(await progress(), 'Question 59 of 59');
		await next(page);
		await page.locator('main h1', {hasText: 'Thank you'}).waitFor();
		await page.getByRole('button', {name: 'Finish'}).click();
		// "no" to the first: the 20 extra go at once, the count only drops
		await openQuestionnaire(page, 'A long form');
		await pick(page, 'extra', 'false');
		await next(page);
		assert.strictEqual(await progress(), 'Question 2 of 40');
		await page.getByRole('button', {name: 'Back'}).click();
		await page.getByRole('button', {name: 'Back'}).click(); // first question: leave, asked
		await page.getByRole('button', {name: 'Yes, clear my answers'}).click();
		await assertNoTrace(page, []);
	});

	test('the Urdu title in the top bar is not clipped', async () => {
		await open(page, host.url);
		await openQuestionnaire(page, 'Shaping our drop-in together', 'اردو');
		for (const [w, h] of [[800, 480], [1920, 1080]]) {
			await page.setViewportSize({width: w, height: h});
			// The ink of the first letter (on the right) must be inside the
			// title's box: canvas measures the glyphs' real extent.
			const m = await page.evaluate(() => {
				const e = document.getElementById('bar-title'), cs = getComputedStyle(e);
				const c = document.createElement('canvas').getContext('2d');
				c.font = `${cs.fontWeight} ${cs.fontSize} ${cs.fontFamily}`;
				c.direction = 'rtl';
				c.textAlign = 'right';
				const t = c.measureText(e.textContent);
				return {ink: t.actualBoundingBoxRight, pad: parseFloat(cs.paddingRight),
					text: e.textContent, fits: e.scrollWidth <= e.clientWidth};
			});
			assert.ok(m.text.length > 0);
			assert.ok(m.ink <= m.pad, `first letter reaches ${m.ink} px past its box (padding ${m.pad} px)`);
		}
		await page.setViewportSize({width: 800, height: 480});
		await shots(page, 'i8-urdu-title');
		await page.getByRole('button', {name: 'پیچھے'}).click();
		await assertNoTrace(page, []);
	});

	test('/favicon.ico is served (an embedded icon), and the page names it', async () => {
		const ico = await request(host.port, 'GET', '/favicon.ico', {Host: `127.0.0.1:${host.port}`});
		assert.strictEqual(ico.status, 200);
		assert.match(ico.headers['content-type'], /^image\/svg\+xml/);
		assert.match(ico.body, /^<svg/);
		const svg = await request(host.port, 'GET', '/favicon.svg', {Host: `127.0.0.1:${host.port}`});
		assert.strictEqual(svg.body, ico.body);
		await open(page, host.url);
		assert.strictEqual(await page.locator('link[rel="icon"]').getAttribute('href'), '/favicon.svg');
	});

	test('worker mode: every contacts column has a header; "Follow-up done" is a 44 px target', async () => {
		await open(page, host.url);
		await page.getByRole('button', {name: 'Staff'}).click();
		await page.locator('#w-name').fill('sam');
		await page.locator('#w-pin').fill(PIN);
		await page.getByRole('button', {name: 'Enter worker mode'}).click();
		await page.getByRole('button', {name: 'New contact'}).click();
		const done = page.getByRole('checkbox', {name: 'Follow-up done'});
		const box = await done.evaluate((i) => {
			const l = i.closest('label'); // the label around the box takes the tap
			const r = l ? l.getBoundingClientRect() : i.getBoundingClientRect();
			return {w: r.width, h: r.height};
		});
		assert.ok(box.w >= 44 && box.h >= 44, `target ${box.w}x${box.h}`);
		await page.getByText('Follow-up done').click(); // the words tick it too
		assert.ok(await done.isChecked());
		await shots(page, 'i8-worker-new-contact');
		await page.locator('#c-person_ref').fill('P8');
		await page.getByRole('button', {name: 'Save contact'}).click();
		await page.locator('table.contacts', {hasText: 'P8'}).waitFor();
		const heads = await page.locator('table.contacts thead th').allTextContents();
		assert.strictEqual(heads.length, 6);
		assert.ok(heads.every((h) => h.trim() !== ''), `headers: ${JSON.stringify(heads)}`);
		await axeCheck(page, 'i8-worker-contacts');
		await shots(page, 'i8-worker-contacts');
		await page.getByRole('button', {name: 'Lock'}).click();
		await page.locator('main h1', {hasText: 'Welcome'}).waitFor();
	});
});

// Issue 8, "Service users": each test here failed before its change.
const users = {
	format: 'fieldsync-questionnaire/1', id: 'service-users', version: 1, languages: ['en', 'cy', 'ur'],
	title: {en: 'Your visit today', cy: 'Eich ymweliad heddiw', ur: 'آج آپ کا دورہ'},
	questions: [
		{id: 'note', type: 'text', label: {en: 'Anything to tell us?', cy: 'Unrhyw beth i’w ddweud?', ur: 'کچھ بتانا ہے؟'}},
		{id: 'born', type: 'date', min: '1900-01-01', max: 'today', required: true,
			label: {en: 'When were you born?', cy: 'Pryd cawsoch chi eich geni?', ur: 'آپ کب پیدا ہوئے؟'}}
	]
};

// A US-locale Chromium: nothing here may follow the browser's locale.
describe('kiosk UI: issue 8 service users', () => {
	let host, browser, page;

	before(async () => {
		host = await startHost({publish: [users]});
		browser = await launch({locale: 'en-US'});
		page = await browser.context.newPage();
	});
	after(async () => {
		await browser.close();
		await host.stop();
	});

	test('"Stop and clear my answers": a dialog, Cancel and Escape return to the question, Yes wipes', async () => {
		await open(page, host.url);
		const before = dump(host).responses.length;
		await openQuestionnaire(page, 'Your visit today', 'English');
		const note = page.getByRole('textbox', {name: 'Anything to tell us?'});
		await note.fill('Secret words');
		const stop = page.getByRole('button', {name: 'Stop and clear my answers'});
		await stop.click();
		const dialog = page.getByRole('dialog', {name: 'Stop and clear your answers?'});
		await dialog.waitFor();
		const cancel = dialog.getByRole('button', {name: 'No, go back to the question'});
		assert.ok(await cancel.evaluate((b) => b === document.activeElement), 'focus moves into the dialog');
		await axeCheck(page, 'i8-stop-dialog');
		await shots(page, 'i8-stop-dialog');
		await cancel.click();
		await dialog.waitFor({state: 'hidden'});
		assert.ok(await stop.evaluate((b) => b === document.activeElement), 'focus back on the Stop button');
		assert.strictEqual(await note.inputValue(), 'Secret words');
		// Escape, by keyboard only
		await page.keyboard.press('Enter');
		await dialog.waitFor();
		await page.keyboard.press('Escape');
		await dialog.waitFor({state: 'hidden'});
		assert.ok(await stop.evaluate((b) => b === document.activeElement), 'focus back after Escape');
		assert.strictEqual(await note.inputValue(), 'Secret words');
		// on the next question too, in Welsh; one tap on Yes clears everything
		await next(page);
		await page.getByRole('button', {name: 'Language'}).click();
		await page.getByRole('button', {name: 'Cymraeg'}).click();
		await page.getByRole('button', {name: 'Stopio a chlirio fy atebion'}).click();
		await page.getByRole('dialog', {name: 'Stopio a chlirio eich atebion?'})
			.getByRole('button', {name: 'Ie, stopio a chlirio'}).click();
		await assertNoTrace(page, ['Secret words']);
		assert.strictEqual(dump(host).responses.length, before, 'nothing sent');
	});
	test('every language from the first screen: titles in each language, a language control on every screen', async () => {
		await open(page, host.url);
		// each title in each of its languages, with its lang and dir
		const visit = page.getByRole('button', {name: /Your visit today/});
		assert.deepStrictEqual(await visit.locator('span').evaluateAll((s) => s.map((e) => [e.lang, e.dir, e.textContent])), [
			['en', 'ltr', 'Your visit today'], ['cy', 'ltr', 'Eich ymweliad heddiw'], ['ur', 'rtl', 'آج آپ کا دورہ']]);
		assert.match(await page.getByRole('button', {name: /Tell us about your visit/}).textContent(), /Dywedwch wrthym am eich ymweliad/);
		// the control: a globe and each language's own name, on the welcome screen too
		const control = page.getByRole('button', {name: /^Language: English Cymraeg اردو$/});
		await control.waitFor();
		assert.strictEqual(await control.locator('svg[aria-hidden="true"]').count(), 1);
		assert.deepStrictEqual(await control.locator('span.lang-name').evaluateAll((s) => s.map((e) => [e.lang, e.dir, e.textContent])), [
			['en', 'ltr', 'English'], ['cy', 'ltr', 'Cymraeg'], ['ur', 'rtl', 'اردو']]);
		await axeCheck(page, 'i8-welcome-languages');
		await shots(page, 'i8-welcome-languages');
		await control.click();
		assert.strictEqual(await heading(page), 'Choose your language');
		await page.getByRole('button', {name: 'اردو'}).click();
		// the welcome screen in Urdu; the way back reads "English"
		assert.strictEqual(await heading(page), 'خوش آمدید');
		assert.deepStrictEqual(await page.evaluate(() => [document.documentElement.lang, document.documentElement.dir]), ['ur', 'rtl']);
		const urControl = page.getByRole('button', {name: /^زبان: English Cymraeg اردو$/});
		await urControl.waitFor();
		assert.strictEqual(await urControl.locator('span[lang="en"]').textContent(), 'English');
		// the chosen language's title comes first
		assert.strictEqual(await visit.locator('span').first().textContent(), 'آج آپ کا دورہ');
		await axeCheck(page, 'i8-welcome-urdu');
		await shots(page, 'i8-welcome-urdu');
		// the questionnaire starts in Urdu, with no second choice
		await visit.click();
		await page.locator('main h1', {hasText: 'کچھ بتانا ہے؟'}).waitFor();
		await page.getByRole('textbox', {name: 'کچھ بتانا ہے؟'}).fill('Private note');
		await axeCheck(page, 'i8-question-urdu-control');
		await shots(page, 'i8-question-urdu-control');
		await urControl.click();
		await page.getByRole('button', {name: 'English'}).click();
		assert.strictEqual(await page.getByRole('textbox', {name: 'Anything to tell us?'}).inputValue(), 'Private note');
		// a single-language questionnaire after a choice it does not offer: its own language
		await page.getByRole('button', {name: 'Stop and clear my answers'}).click();
		await page.getByRole('button', {name: 'Yes, stop and clear'}).click();
		await assertNoTrace(page, ['Private note']);
		// the next person starts in English
		assert.strictEqual(await page.evaluate(() => document.documentElement.lang), 'en');
		await page.getByRole('button', {name: /^Language:/}).click();
		await page.getByRole('button', {name: 'Cymraeg'}).click();
		assert.strictEqual(await heading(page), 'Croeso');
		// a questionnaire that offers Cymraeg starts in it, with no second choice
		await page.getByRole('button', {name: /Dywedwch wrthym am eich ymweliad/}).click();
		await page.locator('main h1', {hasText: 'At ei gilydd'}).waitFor();
		assert.strictEqual(await page.evaluate(() => document.documentElement.lang), 'cy');
		await page.getByRole('button', {name: 'Yn ôl'}).click(); // nothing answered: leaves
		await assertNoTrace(page, []);
		// one that does not offer it: its own language, nothing to choose
		await page.getByRole('button', {name: /^Language:/}).click();
		await page.getByRole('button', {name: 'Cymraeg'}).click();
		await page.getByRole('button', {name: /How are you feeling/}).click();
		await page.getByRole('button', {name: 'Start'}).waitFor();
		assert.strictEqual(await page.evaluate(() => document.documentElement.lang), 'en');
		assert.ok(await page.locator('#btn-language').isHidden(), 'nothing to choose');
		await page.getByRole('button', {name: 'Back'}).click();
		await assertNoTrace(page, []);
	});

	test('dates: Day / Month / Year in the questionnaire\'s language, an example, errors for impossible dates', async () => {
		await open(page, host.url);
		assert.strictEqual(await page.evaluate(() => navigator.language), 'en-US');
		const before = dump(host).responses.length;
		await openQuestionnaire(page, 'Your visit today', 'English');
		await next(page);
		const group = page.getByRole('group', {name: 'When were you born?'});
		await group.waitFor();
		assert.strictEqual(await page.locator('input[type="date"]').count(), 0, 'no browser date picker');
		const day = group.getByRole('textbox', {name: 'Day'}), month = group.getByRole('textbox', {name: 'Month'}),
			year = group.getByRole('textbox', {name: 'Year'});
		// in this order (not mm/dd/yyyy), numeric keyboards, the example tied to the group
		assert.deepStrictEqual(await group.locator('input').evaluateAll((l) => l.map((i) => [i.labels[0].textContent, i.inputMode])),
			[['Day', 'numeric'], ['Month', 'numeric'], ['Year', 'numeric']]);
		const hint = await group.evaluate((f) => f.getAttribute('aria-describedby').split(' ')
			.map((id) => document.getElementById(id).textContent));
		assert.ok(hint.includes('For example, 27 3 2007'), JSON.stringify(hint));
		await day.fill('31');
		await month.fill('2');
		await year.fill('2023');
		await next(page);
		assert.strictEqual(await error(page, 'born'), 'That is not a real date: February 2023 has 28 days.');
		assert.ok(await day.evaluate((i) => i === document.activeElement), 'focus on the day');
		assert.strictEqual(await day.getAttribute('aria-invalid'), 'true');
		await axeCheck(page, 'i8-date-error');
		await shots(page, 'i8-date-error');
		for (const [d, m, y, text] of [
			['29', '2', '2023', 'That is not a real date: February 2023 has 28 days.'],
			['', '2', '2023', 'The date must include a day.'],
			['3', '', '2023', 'The date must include a month.'],
			['3', '13', '2023', 'The month must be a number from 1 to 12.'],
			['3', '4', '23', 'The year must have 4 digits, for example 2007.'],
			['32', '1', '2023', 'The day must be a number from 1 to 31.'],
			['3', '4', '1899', 'Please choose a date on or after 1 January 1900.']]) {
			await day.fill(d);
			await month.fill(m);
			await year.fill(y);
			await next(page);
			assert.strictEqual(await error(page, 'born'), text, `${d}/${m}/${y}`);
		}
		// Welsh, then Urdu: the fields, example and errors in the questionnaire's language
		await page.getByRole('button', {name: /^Language:/}).click();
		await page.locator('main').getByRole('button', {name: 'Cymraeg', exact: true}).click();
		const cy = page.getByRole('group', {name: 'Pryd cawsoch chi eich geni?'});
		assert.strictEqual(await cy.getByRole('textbox', {name: 'Blwyddyn'}).inputValue(), '1899', 'kept across the change');
		await cy.getByRole('textbox', {name: 'Diwrnod'}).fill('31');
		await cy.getByRole('textbox', {name: 'Mis'}).fill('2');
		await cy.getByRole('textbox', {name: 'Blwyddyn'}).fill('2024');
		await next(page);
		assert.strictEqual(await error(page, 'born'), 'Nid yw hwn yn ddyddiad go iawn: mae gan Chwefror 2024 29 diwrnod.');
		assert.match(await cy.textContent(), /Er enghraifft, 27 3 2007/);
		await page.getByRole('button', {name: /^Iaith:/}).click();
		await page.locator('main').getByRole('button', {name: 'اردو', exact: true}).click();
		const ur = page.getByRole('group', {name: 'آپ کب پیدا ہوئے؟'});
		await next(page);
		assert.match(await error(page, 'born'), /^یہ درست تاریخ نہیں ہے: .*2024 میں 29 دن ہوتے ہیں۔$/);
		assert.match(await ur.textContent(), /مثال کے طور پر، 27 3 2007/);
		await axeCheck(page, 'i8-date-error-urdu');
		await shots(page, 'i8-date-error-urdu');
		// a real date, by keyboard only, in Urdu digits: stored as YYYY-MM-DD
		await ur.getByRole('textbox', {name: 'دن'}).fill('');
		await ur.getByRole('textbox', {name: 'دن'}).focus();
		await page.keyboard.type('۵');
		await page.keyboard.press('Tab');
		await page.keyboard.press('Control+A');
		await page.keyboard.type('۳');
		await page.keyboard.press('Tab');
		await page.keyboard.press('Control+A');
		await page.keyboard.type('1990');
		await page.keyboard.press('Enter');
		await page.locator('main h1', {hasText: 'شکریہ'}).waitFor();
		const all = dump(host).responses;
		assert.strictEqual(all.length, before + 1);
		assert.deepStrictEqual(all[all.length - 1].answers, {born: '1990-03-05'});
		await page.locator('main button.primary').click();
		await assertNoTrace(page, []);
	});
});
