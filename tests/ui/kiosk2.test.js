// The kiosk web UI in Chromium, issue 8 "Service users", second part: the
// kiosk's words carried by a questionnaire for a language the kiosk does
// not ship (Polish), how long the form is, the rules said before an error,
// clearing an optional choice, text size up to 200 % with every choice in
// reach at 800x480, a closing message with signposting, stems, and the
// language control on the thank-you screen and in the dialogs. Each test
// here failed before its change. One host, one browser page, no sleeps.
// Run by tests/ui/run.sh; screenshots in $UI_ARTIFACTS.
'use strict';
const {test, describe, before, after} = require('node:test');
const assert = require('node:assert');
const {startHost, dump, launch, axeCheck, shots} = require('./harness.js');

const often = [['not_at_all', 'Not at all', 'Wcale nie'], ['several', 'Several days', 'Kilka dni'],
	['half', 'More than half the days', 'Ponad połowę dni'], ['nearly', 'Nearly every day', 'Prawie codziennie']]
	.map(([value, en, pl]) => ({value, label: {en, pl}}));

// Polish is not in strings.js: its words come from the questionnaire, and
// some are left out on purpose (English for those, string by string).
const wellbeing = {
	format: 'fieldsync-questionnaire/1', id: 'wellbeing-pl', version: 1, languages: ['en', 'pl'],
	title: {en: 'How have you been?', pl: 'Jak się czujesz?'},
	intro: {en: 'A few questions about the last two weeks.', pl: 'Kilka pytań o ostatnie dwa tygodnie.'},
	closing: {
		en: 'If you need to talk to someone now, call Samaritans free on 116 123, day or night.\n' +
			'Or speak to a member of staff: they are here to help.',
		pl: 'Jeśli chcesz teraz z kimś porozmawiać, zadzwoń bezpłatnie do Samaritans: 116 123.\n' +
			'Możesz też porozmawiać z pracownikiem.'
	},
	stems: [{text: {en: 'Over the last 2 weeks, how often have you been bothered by:',
		pl: 'Jak często w ciągu ostatnich 2 tygodni dokuczało Ci:'}, questions: ['interest', 'down']}],
	ui_strings: {pl: {
		language_name: 'Polski', welcome: 'Witamy', start: 'Rozpocznij', next: 'Dalej', back: 'Wstecz',
		submit: 'Wyślij moje odpowiedzi', progress: 'Pytanie {n} z {total}',
		intro_count_upto: 'Najwyżej {n} pytań, zależnie od odpowiedzi.',
		err_required: 'Proszę odpowiedzieć na to pytanie.', err_max: 'Proszę wpisać {n} lub mniej.',
		int_range: 'Liczba całkowita od {min} do {max}.',
		stop: '<b>Zatrzymaj</b> i wyczyść moje odpowiedzi', stop_title: 'Zatrzymać i wyczyścić odpowiedzi?',
		thanks_title: 'Dziękujemy', language: 'Język'
	}},
	questions: [
		{id: 'interest', type: 'single_choice', required: true, options: often,
			label: {en: 'Little interest or pleasure in doing things', pl: 'Mało zainteresowania lub przyjemności'}},
		{id: 'down', type: 'single_choice', options: often,
			label: {en: 'Feeling down or hopeless', pl: 'Przygnębienie lub beznadzieja'}},
		{id: 'nights', type: 'number', integer: true, min: 1, max: 12, required: true,
			label: {en: 'How many nights did you sleep badly?', pl: 'Ile nocy źle spałeś?'}},
		{id: 'help', type: 'multi_choice', max: 2,
			label: {en: 'What would help?', pl: 'Co by pomogło?'},
			options: [['talk', 'Someone to talk to', 'Rozmowa'], ['gp', 'Seeing a GP', 'Wizyta u lekarza'],
				['group', 'A local group', 'Grupa'], ['info', 'Information', 'Informacje']]
				.map(([value, en, pl]) => ({value, label: {en, pl}}))},
		{id: 'more', type: 'text', multiline: true, max_length: 200,
			label: {en: 'Anything else?', pl: 'Coś jeszcze?'}},
		{id: 'call', type: 'yes_no', show_if: {question: 'help', includes: 'talk'},
			label: {en: 'Would you like a call?', pl: 'Czy chcesz, żebyśmy zadzwonili?'}}
	]
};

// Nine choices: at 800x480 and 200 % they run far below the sticky bar.
const many = {
	format: 'fieldsync-questionnaire/1', id: 'many-choices', version: 1, languages: ['en'],
	title: {en: 'Many choices'},
	questions: [{id: 'pick', type: 'single_choice', label: {en: 'Which one?'},
		options: Array.from({length: 9}, (_, i) => ({value: `o${i}`, label: {en: `Choice number ${i + 1}`}}))}]
};

describe('kiosk UI: issue 8 service users, part two', () => {
	let host, browser, page;

	before(async () => {
		host = await startHost({publish: [wellbeing, many]});
		browser = await launch();
		page = await browser.context.newPage();
	});
	after(async () => {
		await browser.close();
		await host.stop();
	});

	async function open() {
		await page.evaluate((u) => location.replace(u), host.url);
		await page.locator('main h1').first().waitFor();
	}
	async function heading() {
		return (await page.locator('main h1').first().textContent()).trim();
	}
	async function next() {
		await page.locator('#btn-next').click();
	}
	async function errorText(q) {
		const e = page.locator(`#err-${q}`);
		await e.waitFor({state: 'visible'});
		return (await e.textContent()).trim();
	}
	// axe at both sizes, and the screenshots.
	async function screen(name) {
		await axeCheck(page, name + ' 800x480');
		await page.setViewportSize({width: 1920, height: 1080});
		await axeCheck(page, name + ' 1920x1080');
		await page.setViewportSize({width: 800, height: 480});
		await shots(page, name);
	}
	async function describedBy(loc) {
		return loc.evaluate((e) => (e.getAttribute('aria-describedby') || '').split(' ')
			.map((id) => document.getElementById(id)).filter((x) => x).map((x) => x.textContent));
	}
	async function welcomeAgain() {
		await page.locator('main h1', {hasText: 'Welcome'}).waitFor();
		assert.strictEqual(await page.evaluate(() => document.documentElement.lang), 'en');
		assert.strictEqual(await page.locator('#btn-text').textContent(), 'AText size 100%', 'text size reset');
	}

	test('Polish, which the kiosk does not ship: its words from the questionnaire, English string by string', async () => {
		await open();
		// the language control names Polish by the questionnaire's own name for it
		await page.getByRole('button', {name: /^Language: .*Polski/}).click();
		await page.locator('main').getByRole('button', {name: 'Polski', exact: true}).click();
		assert.strictEqual(await heading(), 'Witamy');
		assert.match(await page.locator('.lead').textContent(), /Choose a questionnaire/, 'not given: English');
		await screen('i8b-welcome-polish');
		await page.getByRole('button', {name: /Jak się czujesz/}).click();
		// intro: "Start" in Polish; the length, one sentence Polish, one English
		await page.getByRole('button', {name: 'Rozpocznij'}).waitFor();
		assert.strictEqual(await page.locator('#form-length').textContent(),
			'Najwyżej 6 pytań, zależnie od odpowiedzi. It takes about 2 minutes.');
		await page.getByRole('button', {name: 'Rozpocznij'}).click();
		assert.strictEqual((await page.locator('.progress-text').textContent()).trim(), 'Pytanie 1 z 6');
		await next();
		assert.strictEqual(await errorText('interest'), 'Proszę odpowiedzieć na to pytanie.');
		// a string is text, never HTML: the markup shows as typed, no element made
		const stop = page.getByRole('button', {name: '<b>Zatrzymaj</b> i wyczyść moje odpowiedzi'});
		await stop.waitFor();
		assert.strictEqual(await page.locator('main b, main img').count(), 0);
		await screen('i8b-question-polish-error');
		await page.getByRole('radio', {name: 'Kilka dni'}).check();
		await next();
		assert.strictEqual((await page.locator('.progress-text').textContent()).trim(), 'Pytanie 2 z 6');
		// not given in Polish: "Clear my choice" in English
		await page.getByRole('radio', {name: 'Wcale nie'}).check();
		await page.getByRole('button', {name: 'Clear my choice'}).waitFor();
		await next();
		const nights = page.getByRole('textbox', {name: 'Ile nocy źle spałeś?'});
		assert.ok((await describedBy(nights)).includes('Liczba całkowita od 1 do 12.'));
		await nights.fill('13');
		await next();
		assert.strictEqual(await errorText('nights'), 'Proszę wpisać 12 lub mniej.');
		await nights.fill('3');
		await next();
		await next();
		await next();
		await page.locator('main h1', {hasText: 'Dziękujemy'}).waitFor();
		const r = dump(host).responses.find((x) => x.questionnaire === 'wellbeing-pl');
		assert.deepStrictEqual(r.answers, {interest: 'several', down: 'not_at_all', nights: 3});
		assert.strictEqual(r.language, 'pl');
		await page.getByRole('button', {name: 'Finish'}).click();
		await welcomeAgain();
		// a document whose words fail the checks gives none (English), in the page too
		const got = await page.evaluate((doc) => {
			const bad = JSON.parse(JSON.stringify(doc));
			bad.languages.push('xq');
			bad.ui_strings = {xq: {start: 'Go', progress: 'Pytanie {n}'}};
			const check = window.FsValidate.checkKioskTexts(bad, window.FsStrings.questionnaireWords());
			window.FsPage.addWords(bad, true);
			window.FsPage.setLanguage('xq');
			const word = window.FsPage.t('progress', {n: 1, total: 2});
			window.FsPage.setLanguage('en');
			return [check, word];
		}, wellbeing);
		assert.deepStrictEqual(got, [{ok: false, message: 'ui_strings.xq.progress: must contain {n} and {total} once each and no other { or }'},
			'Question 1 of 2']);
	});

	test('the intro says how long; a stem on each item; rules before errors; clear an optional choice; a character count', async () => {
		await open();
		await page.getByRole('button', {name: /How have you been/}).click();
		await page.locator('main').getByRole('button', {name: 'English', exact: true}).click();
		assert.strictEqual(await page.locator('#form-length').textContent(),
			'There are up to 6 questions, depending on your answers. It takes about 2 minutes.');
		await screen('i8b-intro-length');
		await page.getByRole('button', {name: 'Start'}).click();
		// the stem heads each item of its group, and names the group
		const stem = 'Over the last 2 weeks, how often have you been bothered by:';
		const g1 = page.getByRole('group', {name: `${stem} Little interest or pleasure in doing things`});
		await g1.waitFor();
		assert.match(await heading(), /^Over the last 2 weeks.*bothered by: Little interest/);
		await screen('i8b-stem');
		await g1.getByRole('radio', {name: 'Nearly every day'}).check();
		assert.strictEqual(await page.locator('#clear-interest').count(), 0, 'a required choice has no Clear');
		await next();
		const g2 = page.getByRole('group', {name: `${stem} Feeling down or hopeless`});
		await g2.waitFor();
		// an optional choice can be cleared
		const clear = page.getByRole('button', {name: 'Clear my choice'});
		assert.ok(await clear.isHidden(), 'nothing to clear yet');
		await g2.getByRole('radio', {name: 'Several days'}).check();
		await clear.waitFor();
		await screen('i8b-clear-choice');
		await clear.click();
		assert.strictEqual(await g2.getByRole('radio', {checked: true}).count(), 0);
		assert.ok(await clear.isHidden());
		assert.ok(await page.getByRole('radio', {name: 'Not at all'}).evaluate((i) => i === document.activeElement),
			'focus back on the choices');
		await next();
		// number: the rule before any error, tied to the field
		const nights = page.getByRole('textbox', {name: 'How many nights did you sleep badly?'});
		assert.ok((await describedBy(nights)).includes('A whole number from 1 to 12.'));
		await page.getByText('A whole number from 1 to 12.').waitFor();
		await screen('i8b-number-rule');
		await nights.fill('12');
		await next();
		// multi_choice: "Choose up to 2"
		const help = page.getByRole('group', {name: 'What would help?'});
		assert.ok((await describedBy(help)).includes('Choose up to 2.'));
		await help.getByRole('checkbox', {name: 'Information'}).check();
		await next();
		// long text: the limit said first, a count as the person types
		const more = page.getByRole('textbox', {name: 'Anything else?'});
		assert.ok((await describedBy(more)).includes('You can use up to 200 characters.'));
		const count = page.locator('#count-more');
		assert.strictEqual(await count.textContent(), 'Characters left: 200 of 200');
		await more.fill('Hello 👋');
		assert.strictEqual(await count.textContent(), 'Characters left: 193 of 200', 'code points, as core counts');
		await more.fill('x'.repeat(205));
		assert.strictEqual(await count.textContent(), 'Too long by 5 characters');
		await screen('i8b-character-count');
		await next();
		assert.strictEqual(await errorText('more'), 'Please use 200 characters or fewer.');
		await more.fill('Sleep is better now');
		await next();
		await page.locator('main h1', {hasText: 'Thank you'}).waitFor();
		const r = dump(host).responses.filter((x) => x.questionnaire === 'wellbeing-pl').pop();
		assert.deepStrictEqual(r.answers, {interest: 'nearly', nights: 12, help: ['info'], more: 'Sleep is better now'});
		await page.getByRole('button', {name: 'Finish'}).click();
		await welcomeAgain();
	});

	test('text size in three steps to 200 %, on every screen; at 800x480 every choice is in reach; reset for the next person', async () => {
		await open();
		const size = page.locator('#btn-text');
		const px = () => page.evaluate(() => getComputedStyle(document.documentElement).fontSize);
		assert.strictEqual(await px(), '18px');
		await page.getByRole('button', {name: 'Text size 100%'}).click();
		assert.strictEqual(await px(), '27px');
		await page.getByRole('button', {name: 'Text size 150%'}).click();
		assert.strictEqual(await px(), '36px');
		// the bar's controls stay on screen, whole
		const inside = () => page.evaluate(() => ['btn-text', 'btn-language'].map((id) => {
			const r = document.getElementById(id).getBoundingClientRect();
			return r.left >= 0 && r.right <= window.innerWidth && r.top >= 0;
		}));
		assert.deepStrictEqual(await inside(), [true, true]);
		await screen('i8b-welcome-200');
		await page.getByRole('button', {name: 'Many choices'}).click();
		await page.getByRole('button', {name: 'Text size 200%'}).waitFor();
		// the cue says the screen goes on below the sticky bar
		const cue = page.locator('.more-below');
		await cue.waitFor();
		assert.strictEqual(await cue.textContent(), 'More below ↓');
		await screen('i8b-question-200-more-below');
		// each choice, reached by Tab (focus scrolls it into view), is whole
		// above the sticky bar, and a tap on it takes (Playwright refuses a
		// target that the bar, or anything, covers)
		await page.getByRole('radio', {name: 'Choice number 1'}).focus();
		for (let i = 0; i < 9; i++) {
			const choice = page.getByRole('radio', {name: `Choice number ${i + 1}`});
			if (i > 0)
				await page.keyboard.press('ArrowDown'); // the next radio of the group
			assert.ok(await choice.evaluate((e) => e === document.activeElement));
			const place = await choice.evaluate((input) => {
				const r = input.closest('label').getBoundingClientRect();
				const bar = document.querySelector('.question .nav').getBoundingClientRect();
				return {top: r.top, bottom: r.bottom, bar: bar.top};
			});
			assert.ok(place.top >= 0 && place.bottom <= place.bar + 1,
				`choice ${i + 1} is behind the bar: ${JSON.stringify(place)}`);
			await choice.click({timeout: 3000});
			assert.ok(await choice.isChecked());
		}
		await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
		await cue.waitFor({state: 'hidden'});
		await shots(page, 'i8b-question-200-bottom');
		assert.ok(await size.isVisible(), 'the control on the question screen');
		await next();
		await page.locator('main h1', {hasText: 'Thank you'}).waitFor();
		assert.ok(await size.isVisible(), 'the control on the thank-you screen');
		assert.strictEqual(await px(), '36px', 'the size lasts for this person');
		await page.getByRole('button', {name: 'Finish'}).click();
		await welcomeAgain();
		assert.strictEqual(await px(), '18px');
	});

	test('the thank-you screen: closing words with signposting, and its language control; the dialogs have one too', async () => {
		await open();
		await page.getByRole('button', {name: /How have you been/}).click();
		await page.locator('main').getByRole('button', {name: 'English', exact: true}).click();
		await page.getByRole('button', {name: 'Start'}).click();
		await page.getByRole('radio', {name: 'Not at all'}).check();
		// the stop dialog: a language control inside it (the bar is inert)
		await page.getByRole('button', {name: 'Stop and clear my answers'}).click();
		const dialog = page.getByRole('dialog', {name: 'Stop and clear your answers?'});
		await dialog.waitFor();
		const langs = dialog.getByRole('group', {name: 'Language'});
		assert.deepStrictEqual(await langs.getByRole('button').evaluateAll((b) => b.map((x) => [x.lang, x.textContent,
			x.getAttribute('aria-pressed')])), [['en', 'English', 'true'], ['pl', 'Polski', 'false']]);
		await screen('i8b-stop-dialog-languages');
		await langs.getByRole('button', {name: 'Polski'}).click();
		await page.getByRole('dialog', {name: 'Zatrzymać i wyczyścić odpowiedzi?'}).waitFor();
		assert.ok(await page.getByRole('button', {name: 'Polski', pressed: true}).evaluate((b) => b === document.activeElement));
		await page.keyboard.press('Escape');
		await page.getByRole('dialog').waitFor({state: 'hidden'});
		assert.match(await heading(), /Mało zainteresowania/, 'the question behind is in Polish');
		assert.ok(await page.getByRole('radio', {name: 'Wcale nie'}).isChecked(), 'the answer on screen kept');
		assert.ok(await page.getByRole('button', {name: /Zatrzymaj/}).evaluate((b) => b === document.activeElement));
		// the discard screen: Back twice, then its own language control
		await page.getByRole('button', {name: 'Wstecz'}).click();
		await page.getByRole('button', {name: 'Wstecz'}).click();
		await page.locator('main h1', {hasText: 'Clear your answers?'}).waitFor(); // not given in Polish
		await page.getByRole('button', {name: /^Język:/}).click();
		await page.locator('main').getByRole('button', {name: 'English', exact: true}).click();
		assert.strictEqual(await heading(), 'Clear your answers?');
		assert.strictEqual(await page.evaluate(() => document.documentElement.lang), 'en');
		await screen('i8b-discard-languages');
		await page.getByRole('button', {name: 'No, keep my answers'}).click();
		await page.getByRole('button', {name: 'Start'}).click();
		assert.ok(await page.getByRole('radio', {name: 'Not at all'}).isChecked());
		await next();
		await next();
		await page.getByRole('textbox', {name: /How many nights/}).fill('1');
		await next();
		await next();
		await next();
		// thank you, with the closing words in the person's language
		await page.locator('main h1', {hasText: 'Thank you'}).waitFor();
		const closing = page.locator('#closing');
		assert.deepStrictEqual(await closing.locator('p').allTextContents(), [
			'If you need to talk to someone now, call Samaritans free on 116 123, day or night.',
			'Or speak to a member of staff: they are here to help.']);
		assert.match(await page.locator('main').textContent(), /returns to the start in (59|60) seconds/, 'a minute to read it');
		await screen('i8b-thanks-closing');
		await page.getByRole('button', {name: /^Language: English Polski$/}).click();
		await page.locator('main').getByRole('button', {name: 'Polski', exact: true}).click();
		await page.locator('main h1', {hasText: 'Dziękujemy'}).waitFor();
		assert.match(await closing.textContent(), /Możesz też porozmawiać z pracownikiem/);
		assert.strictEqual(await closing.getAttribute('lang'), 'pl');
		await screen('i8b-thanks-closing-polish');
		await page.getByRole('button', {name: 'Finish'}).click();
		await welcomeAgain();
	});
});
