/* fieldsync kiosk: the questionnaire flow (docs/kiosk.md): the welcome
 * screen, the language choice, one question a screen with its conditions
 * and honest progress, the "stop" dialog, submit and the end. A person's
 * answers live only in `person` until they are sent; wipe() (page.js)
 * drops them. Rules on answers are validate.js, the twin of core's. */
(function () {
	'use strict';

	var K = window.FsPage, V = window.FsValidate, STR = window.FsStrings;
	var main = K.main, el = K.el, t = K.t, api = K.api, show = K.show, announce = K.announce;
	var baseLang = K.baseLang, setLanguage = K.setLanguage, langName = K.langName;
	var langDir = K.langDir, langControl = K.langControl;
	var idleStop = K.idleStop, idleArm = K.idleArm, wipe = K.wipe;
	var person = null;  /* {doc, today, lang, answers, index, started, assisted, back} */
	var chosenLang = null; /* chosen on the welcome screen, until wipe() */
	var has = Object.prototype.hasOwnProperty;

	K.onWipe(function () { person = null; });
	K.onIdleWarning(function () { stopClose(); });

	/* Every language the offered questionnaires offer, first seen first. */
	function kioskLanguages() {
		var out = [];
		K.kiosk.questionnaires.forEach(function (q) {
			q.languages.forEach(function (tag) {
				if (out.indexOf(tag) < 0)
					out.push(tag);
			});
		});
		return out;
	}

	function qtext(v) {
		return person ? V.text(person.doc, v, person.lang) : '';
	}


	/* ---- welcome ---- */

	/* The welcome screen: each questionnaire's title in every language it
	 * offers (the chosen language's first), and the language control for
	 * the kiosk's own words. A language chosen here is the questionnaire's
	 * too when it offers it (no second choice). */
	function welcome() {
		setLanguage(chosenLang || 'en');
		langControl(kioskLanguages());
		idleStop();
		var b = document.getElementById('btn-language');
		b.onclick = function () {
			chooseLanguage(kioskLanguages(), chosenLang || 'en', function (tag) {
				chosenLang = tag;
				welcome();
			}, welcome, '');
		};
		var list = K.kiosk.questionnaires.map(function (q) {
			var langs = q.languages.slice(), mine = offered(q.languages, chosenLang);
			if (mine) {
				langs.splice(langs.indexOf(mine), 1);
				langs.unshift(mine);
			}
			return el('li', {}, [el('button', {type: 'button', 'class': 'big titles',
				onclick: function () { begin(q.id, false); }}, langs.map(function (tag) {
				return el('span', {'class': 'title-line', lang: tag, dir: langDir(tag),
					text: q.title[tag]});
			}))]);
		});
		show([
			el('h1', {text: t('welcome')}),
			el('p', {'class': 'lead', text: t('welcome_lead')}),
			list.length ? el('ul', {'class': 'choices-list'}, list)
				: el('p', {text: t('none_offered')})
		].concat(K.sectionsFor('welcome', {}), [
			el('div', {'class': 'footer-actions'}, [
				el('button', {type: 'button', 'class': 'quiet', id: 'btn-staff',
					onclick: function () { window.FsWorker.pinScreen(); }, text: t('staff')})])
		]), '');
	}

	/* The tag of `langs` that is `tag` or its base language, or null. */
	function offered(langs, tag) {
		if (!tag)
			return null;
		if (langs.indexOf(tag) >= 0)
			return tag;
		for (var i = 0; i < langs.length; i++)
			if (baseLang(langs[i]) === baseLang(tag))
				return langs[i];
		return null;
	}

	/* ---- a person's questionnaire ---- */

	function begin(id, assisted) {
		api('GET', '/api/questionnaires/' + encodeURIComponent(id)).then(function (r) {
			if (r.status !== 200) {
				show([el('h1', {text: t('save_failed')})], '');
				return;
			}
			var doc = r.data.questionnaire;
			var mine = assisted ? null : offered(doc.languages, chosenLang);
			K.addWords(doc, true);
			person = {doc: doc, today: r.data.today, lang: mine || doc.languages[0], answers: {},
				index: -1, started: Date.now(), assisted: assisted, errors: {}};
			setLanguage(person.lang);
			idleArm(K.kiosk.idle_timeout_s, function () { wipe(assisted ? '#worker' : ''); });
			/* Back from the first screen returns to the language
			 * screen only when there was one. */
			person.askedLang = doc.languages.length > 1 && !mine;
			if (person.askedLang)
				languageScreen(startQuestions);
			else
				startQuestions();
		});
	}

	/* The language choice. then(): carry on after a choice; back(): where
	 * Back goes (mid-way: the screen the person came from, nothing lost). */
	function languageScreen(then, back) {
		var doc = person.doc;
		chooseLanguage(doc.languages, person.lang, function (tag) {
			person.lang = tag;
			then();
		}, back || function () { leave(function () { languageScreen(then); }); }, qtext(doc.title));
	}

	/* A language choice among tags, each by its own name; pick(tag) after
	 * setLanguage(tag), back() for Back. */
	function chooseLanguage(tags, current, pick, back, title) {
		document.getElementById('btn-language').hidden = true;
		var buttons = tags.map(function (tag) {
			return el('li', {}, [el('button', {type: 'button', 'class': 'big', lang: tag,
				dir: langDir(tag), 'aria-pressed': tag === current ? 'true' : 'false',
				onclick: function () {
					setLanguage(tag);
					pick(tag);
				}}, [langName(tag)])]);
		});
		show([el('h1', {text: t('choose_language')}),
			el('ul', {'class': 'choices-list'}, buttons),
			el('div', {'class': 'footer-actions'}, [
				el('button', {type: 'button', 'class': 'quiet', text: t('back'), onclick: back})])],
			title);
	}

	function cancelPerson() {
		wipe(person && person.assisted ? '#worker' : '');
	}

	/* "Stop and clear my answers": a modal dialog (the browser's <dialog>:
	 * role dialog, the rest of the page inert). Focus goes to "No" (Enter
	 * never clears by accident) and comes back to the Stop button on
	 * "No" or Escape; "Yes" is the timeout's reset, wipe(). */
	var stopFrom = null;

	function stopAsk(from) {
		var d = document.getElementById('stop');
		stopWords();
		stopFrom = from;
		d.showModal();
		document.getElementById('stop-no').focus();
	}

	/* The dialog's words, and its own language control (the top bar is
	 * inert behind it): each language by its own name; a choice changes
	 * the dialog and the question behind it, which keeps what is on it. */
	function stopWords() {
		var langs = document.getElementById('stop-langs'), tags = person.doc.languages;
		document.getElementById('stop-title').textContent = t('stop_title');
		document.getElementById('stop-text').textContent = t('stop_text');
		document.getElementById('stop-yes').textContent = t('stop_yes');
		document.getElementById('stop-no').textContent = t('stop_no');
		langs.textContent = '';
		langs.hidden = tags.length < 2;
		langs.setAttribute('role', 'group');
		langs.setAttribute('aria-label', t('language'));
		langs.appendChild(K.globe());
		tags.forEach(function (tag) {
			langs.appendChild(el('button', {type: 'button', 'class': 'small', lang: tag, dir: langDir(tag),
				'aria-pressed': tag === person.lang ? 'true' : 'false', text: langName(tag),
				onclick: function () {
					person.draft = {index: person.index, inputs: screenInputs()};
					person.lang = tag;
					setLanguage(tag);
					renderQuestion();
					stopFrom = document.getElementById('btn-stop');
					stopWords();
					langs.querySelector('[lang="' + tag + '"]').focus();
				}}));
		});
	}

	function stopClose() {
		var d = document.getElementById('stop');
		if (!d.open)
			return;
		d.close();
		if (stopFrom && document.body.contains(stopFrom))
			stopFrom.focus();
		stopFrom = null;
	}

	function stopButton() {
		return el('button', {type: 'button', 'class': 'quiet stop', id: 'btn-stop', text: t('stop'),
			onclick: function () { stopAsk(this); }});
	}

	/* The person asked to leave the questionnaire. With nothing answered
	 * yet it simply ends; otherwise their answers are cleared only after
	 * they confirm, once; "No" runs stay() (back where they were). */
	function leave(stay) {
		if (Object.keys(person.answers).length === 0 && !person.draft) {
			cancelPerson();
			return;
		}
		/* its own language control: a choice (or Back) returns here */
		langControl(person.doc.languages);
		document.getElementById('btn-language').onclick = function () {
			var again = function () { leave(stay); };
			languageScreen(again, again);
		};
		show([el('h1', {text: t('discard_title')}),
			el('p', {'class': 'lead', text: t('discard_text')}),
			el('div', {'class': 'nav'}, [
				el('button', {type: 'button', 'class': 'secondary', text: t('discard_no'),
					onclick: stay}),
				el('button', {type: 'button', 'class': 'primary', text: t('discard_yes'),
					onclick: cancelPerson})])],
			qtext(person.doc.title));
	}

	function startQuestions() {
		if (person.doc.intro !== undefined)
			introScreen();
		else
			goTo(nextShown(-1));
	}

	function languageButton() {
		var b = document.getElementById('btn-language');
		langControl(person.doc.languages);
		b.onclick = function () {
			var at = person.index;
			/* What is on screen, answered or not yet valid, comes back
			 * as it was after the language changes (or after Back). */
			if (at >= 0)
				person.draft = {index: at, inputs: screenInputs()};
			function resume() {
				if (at < 0)
					introScreen();
				else
					goTo(at);
			}
			languageScreen(resume, resume);
		};
	}

	/* How long the form is, honestly: every question that may be shown
	 * (the count progress starts from), "up to" when some depend on
	 * answers, and minutes for all of them. */
	var SECONDS = {single_choice: 12, multi_choice: 15, text: 30, number: 12, scale: 10, date: 15,
		yes_no: 8, consent: 12, info: 8};

	function lengthWords(doc) {
		var n = doc.questions.length, secs = 0, branching = false;
		doc.questions.forEach(function (q) {
			secs += q.type === 'text' && q.multiline ? 60 : SECONDS[q.type];
			branching = branching || q.show_if !== undefined;
		});
		var m = Math.round(secs / 60);
		return [branching ? t('intro_count_upto', {n: n}) : n === 1 ? t('intro_count_1')
			: t('intro_count', {n: n}), m <= 1 ? t('intro_time_1') : t('intro_time', {m: m})];
	}

	function introScreen() {
		var doc = person.doc;
		person.index = -1;
		languageButton();
		show([el('h1', {text: qtext(doc.title)}),
			el('p', {'class': 'lead', text: qtext(doc.intro)}),
			el('p', {'class': 'length', id: 'form-length', text: lengthWords(doc).join(' ')}),
			el('div', {'class': 'nav'}, [
				el('button', {type: 'button', 'class': 'secondary', text: t('back'),
					onclick: function () { leave(introScreen); }}),
				el('button', {type: 'button', 'class': 'primary', text: t('start'),
					onclick: function () { goTo(nextShown(-1)); }})])],
			qtext(doc.title));
	}

	/* Answers of the questions shown, in order: what would be sent. */
	function pruned() {
		var out = {}, doc = person.doc;
		doc.questions.forEach(function (q, i) {
			if (has.call(person.answers, q.id) && q.type !== 'info' && V.isShown(doc, i, out))
				out[q.id] = person.answers[q.id];
		});
		return out;
	}

	function nextShown(i) {
		var doc = person.doc, a = pruned();
		for (var j = i + 1; j < doc.questions.length; j++)
			if (V.isShown(doc, j, a))
				return j;
		return -1;
	}

	function prevShown(i) {
		var doc = person.doc, a = pruned();
		for (var j = i - 1; j >= 0; j--)
			if (V.isShown(doc, j, a))
				return j;
		return -1;
	}

	/* The state of the question inputs on screen: [{name, value, checked}]. */
	function screenInputs() {
		return Array.prototype.map.call(main.querySelectorAll('form.question [name^="q_"]'),
			function (i) { return {name: i.name, type: i.type, value: i.value, checked: i.checked}; });
	}

	function restoreInputs(saved) {
		var inputs = main.querySelectorAll('form.question [name^="q_"]');
		Array.prototype.forEach.call(inputs, function (i) {
			saved.forEach(function (s) {
				if (s.name !== i.name)
					return;
				if (i.type === 'radio' || i.type === 'checkbox') {
					if (s.value === i.value)
						i.checked = s.checked;
				} else {
					i.value = s.value;
				}
			});
		});
	}

	function goTo(i) {
		if (i < 0) {
			submit();
			return;
		}
		person.index = i;
		renderQuestion();
	}

	/* The ids a condition names. */
	function condRefs(c, out) {
		if (has.call(c, 'question'))
			out.push(c.question);
		else if (c.not !== undefined)
			condRefs(c.not, out);
		else
			(c.all || c.any || []).forEach(function (x) { condRefs(x, out); });
		return out;
	}

	/* Honest progress: pos plus every later question that may still be
	 * shown. A later question counts unless its condition names only
	 * questions before this one (already decided) and is false. Moving on
	 * never makes the count grow: it only drops questions now ruled out. */
	function progressTotal(pos) {
		var doc = person.doc, at = person.index, a = pruned(), where = {}, n = pos;
		doc.questions.forEach(function (q, k) { where[q.id] = k; });
		for (var j = at + 1; j < doc.questions.length; j++) {
			var c = doc.questions[j].show_if;
			var decided = c !== undefined && condRefs(c, []).every(function (id) {
				return where[id] < at;
			});
			if (!decided || V.isShown(doc, j, a))
				n++;
		}
		return n;
	}

	/* Plain words for a fault (rule from validate.js or core). */
	function plainError(q, f) {
		switch (f.rule) {
		case 'required': return t('err_required');
		case 'option': return t('err_option');
		case 'integer': return t('err_integer');
		case 'grouping': return t('err_grouping');
		case 'digits': return t('err_digits', {n: 15});
		case 'date': return t('err_date');
		case 'date_missing_day': return t('err_date_no_day');
		case 'date_missing_month': return t('err_date_no_month');
		case 'date_missing_year': return t('err_date_no_year');
		case 'date_year': return t('err_date_year');
		case 'date_month': return t('err_date_month');
		case 'date_day': return t('err_date_day');
		case 'date_days': return t('err_date_days', f.vars);
		case 'max_length': return t('err_length', {n: q.max_length || 2000});
		case 'empty': return q.type === 'multi_choice' ? t('err_required') : t('err_empty');
		case 'type':
			return q.type === 'number' || q.type === 'scale' ? t('err_number')
				: q.type === 'date' ? t('err_date') : t('err_other');
		case 'min':
		case 'max':
			if (q.type === 'multi_choice')
				return t(f.rule === 'min' ? 'err_multi_min' : 'err_multi_max', {n: q[f.rule]});
			if (q.type === 'date') {
				var d = q[f.rule] === 'today' ? t('err_today') : localDate(q[f.rule]);
				return t(f.rule === 'min' ? 'err_date_min' : 'err_date_max', {d: d});
			}
			return t(f.rule === 'min' ? 'err_min' : 'err_max', {n: q[f.rule]});
		default: return t('err_other');
		}
	}

	/* Dates in words of the questionnaire's language, never the
	 * browser's locale: strings.js's month names for the languages the
	 * kiosk ships; otherwise Intl when it knows the language, else
	 * English. m is 1-12; d may be null (month and year). */
	function dateWords(y, m, d) {
		/* No person in worker mode, which is in English. */
		var lang = person ? person.lang : 'en';
		var tab = STR.text[lang] || STR.text[baseLang(lang)];
		if (!(tab && tab.months) && baseLang(lang) !== 'en') {
			try {
				if (Intl.DateTimeFormat.supportedLocalesOf([lang]).length)
					return new Date(Date.UTC(y, m - 1, d || 1)).toLocaleDateString(lang,
						d ? {timeZone: 'UTC', year: 'numeric', month: 'long', day: 'numeric'}
							: {timeZone: 'UTC', year: 'numeric', month: 'long'});
			} catch (e) { /* English below */ }
		}
		var vars = {d: d, month: t('months')[m - 1], y: y};
		return t(d ? 'date_long' : 'month_year', vars);
	}

	function localDate(iso) {
		var p = iso.split('-');
		return dateWords(+p[0], +p[1], +p[2]);
	}

	/* Day, Month and Year fields (the GOV.UK date input): words and
	 * example in the page's language, never the browser's locale; the
	 * value is YYYY-MM-DD (a, may be empty). The day's input has id id,
	 * the others id-month and id-year; names are name.day and so on (the
	 * one pattern of every date field: worker.js uses it too). */
	function dateInput(id, name, a) {
		var p = typeof a === 'string' && a ? a.split('-') : ['', '', ''];
		return el('div', {'class': 'date-input'}, [
			['day', p[2], id, 2], ['month', p[1], id + '-month', 2], ['year', p[0], id + '-year', 4]]
			.map(function (f) {
				return el('div', {'class': 'date-item ' + f[0]}, [
					el('label', {'for': f[2], text: t(f[0])}),
					el('input', {id: f[2], name: name + '.' + f[0], type: 'text', inputmode: 'numeric',
						autocomplete: 'off', spellcheck: 'false', maxlength: f[3] + 2,
						value: f[1] ? String(+f[1]) : null,
						'class': 'field', size: f[3] + 1})]);
			}));
	}

	/* The input(s) of question q, with the answer a already given. */
	function renderInput(q, a, described) {
		var id = 'q-' + q.id, name = 'q_' + q.id;
		function choice(type, value, label, checked) {
			return el('label', {'class': 'choice'}, [
				el('input', {type: type, name: name, value: String(value),
					checked: checked, 'aria-describedby': described}),
				el('span', {text: label})]);
		}
		switch (q.type) {
		case 'single_choice':
			return el('div', {'class': 'choices'}, q.options.map(function (o) {
				return choice('radio', o.value, qtext(o.label), a === o.value);
			}));
		case 'multi_choice':
			return el('div', {'class': 'choices'}, q.options.map(function (o) {
				return choice('checkbox', o.value, qtext(o.label),
					Array.isArray(a) && a.indexOf(o.value) >= 0);
			}));
		case 'yes_no':
		case 'consent':
			return el('div', {'class': 'choices two'}, [
				choice('radio', 'true', t(q.type === 'consent' ? 'consent_yes' : 'yes'), a === true),
				choice('radio', 'false', t(q.type === 'consent' ? 'consent_no' : 'no'), a === false)]);
		case 'scale':
			var opts = [];
			for (var n = q.min; n <= q.max; n++)
				opts.push(choice('radio', n, String(n), a === n));
			return el('div', {'class': 'scale-wrap'}, [
				el('div', {'class': 'scale'}, opts),
				el('div', {'class': 'scale-labels', 'aria-hidden': 'true'}, [
					el('span', {text: q.min_label ? qtext(q.min_label) : ''}),
					el('span', {text: q.max_label ? qtext(q.max_label) : ''})])]);
		case 'text':
			return el(q.multiline ? 'textarea' : 'input', {id: id, name: name,
				type: q.multiline ? null : 'text', rows: q.multiline ? 5 : null,
				autocomplete: 'off', autocapitalize: 'sentences', spellcheck: 'false',
				'aria-describedby': described, 'class': 'field', dir: 'auto'});
		case 'number':
			return el('input', {id: id, name: name, type: 'text',
				inputmode: q.integer ? 'numeric' : 'decimal', autocomplete: 'off',
				'aria-describedby': described, 'class': 'field short'});
		case 'date':
			return dateInput(id, name, a);
		default:
			return null;
		}
	}

	/* What the inputs hold: {v} (undefined: no answer) or {rule} when
	 * what was typed cannot be an answer of this type. */
	function readAnswer(q) {
		var form = main.querySelector('form');
		var inputs = form.querySelectorAll('[name="q_' + q.id + '"]');
		var checked = Array.prototype.filter.call(inputs, function (i) { return i.checked; });
		var s;
		switch (q.type) {
		case 'single_choice':
			return {v: checked.length ? checked[0].value : undefined};
		case 'multi_choice':
			return {v: checked.length ? checked.map(function (i) { return i.value; }) : undefined};
		case 'yes_no':
		case 'consent':
			return {v: checked.length ? checked[0].value === 'true' : undefined};
		case 'scale':
			return {v: checked.length ? Number(checked[0].value) : undefined};
		case 'text':
			s = inputs[0].value.trim();
			return {v: s === '' ? undefined : s};
		case 'number':
			/* The one rule for typed numbers (validate.js readNumber,
			 * core's fs_number_from_text): "1,000" is refused, not
			 * read as 1; Urdu and Arabic digits are read. */
			s = inputs[0].value;
			if (s.trim() === '')
				return {v: undefined};
			var n = V.readNumber(s);
			return n.ok ? {v: n.value} : {rule: n.rule};
		case 'date':
			return readDate(form, 'q_' + q.id);
		default:
			return {v: undefined};
		}
	}

	/* Western, Eastern Arabic-Indic and Persian digits, as ASCII. */
	function asciiDigits(s) {
		return s.replace(/[\u0660-\u0669\u06f0-\u06f9]/g, function (c) {
			return String(c.charCodeAt(0) & 0xf);
		});
	}

	/* The Day / Month / Year fields named name.* in form: {v:
	 * "YYYY-MM-DD"}, {v: undefined} when all are empty, or {rule, vars}
	 * saying what is wrong. */
	function readDate(form, name) {
		var part = {};
		['day', 'month', 'year'].forEach(function (k) {
			part[k] = asciiDigits(form.querySelector('[name="' + name + '.' + k + '"]').value.trim());
		});
		if (part.day === '' && part.month === '' && part.year === '')
			return {v: undefined};
		var missing = ['day', 'month', 'year'].filter(function (k) { return part[k] === ''; });
		if (missing.length)
			return {rule: 'date_missing_' + missing[0], field: missing[0]};
		var bad = ['day', 'month', 'year'].filter(function (k) { return !/^[0-9]+$/.test(part[k]); });
		if (bad.length)
			return {rule: 'date', field: bad[0]};
		var y = +part.year, m = +part.month, d = +part.day;
		if (part.year.length !== 4)
			return {rule: 'date_year', field: 'year'};
		if (y < 1)
			return {rule: 'date', field: 'year'};
		if (m < 1 || m > 12)
			return {rule: 'date_month', field: 'month'};
		var iso = part.year + '-' + (m < 10 ? '0' : '') + m + '-' + (d < 10 ? '0' : '') + d;
		if (d < 1 || d > 31 || !V.dateIsValid(iso)) {
			if (d < 1 || d > 31)
				return {rule: 'date_day', field: 'day'};
			var leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
			var days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1];
			return {rule: 'date_days', field: 'day', vars: {n: days, m: monthName(y, m)}};
		}
		return {v: iso};
	}

	function monthName(y, m) {
		return dateWords(y, m, null);
	}

	function qInputs(q) {
		return main.querySelectorAll('[name="q_' + q.id + '"], [name^="q_' + q.id + '."]');
	}

	function showError(q, text, field) {
		var box = document.getElementById('err-' + q.id);
		box.textContent = text;
		box.hidden = false;
		Array.prototype.forEach.call(qInputs(q), function (i) {
			if (!field || i.name === 'q_' + q.id + '.' + field)
				i.setAttribute('aria-invalid', 'true');
			else
				i.removeAttribute('aria-invalid');
		});
		/* a date: the field that is wrong, else the first */
		var first = (field && main.querySelector('[name="q_' + q.id + '.' + field + '"]')) || qInputs(q)[0];
		if (first)
			first.focus();
	}

	/* The stem ("Over the last 2 weeks, how often...") of question id, or
	 * undefined. */
	function stemOf(doc, id) {
		var st = (doc.stems || []).filter(function (x) { return x.questions.indexOf(id) >= 0; })[0];
		return st ? st.text : undefined;
	}

	/* The rule of q said before any error: how many to choose, what
	 * number, how many characters; null when there is none to say. */
	function ruleWords(q) {
		var lo = q.min, hi = q.max;
		if (q.type === 'multi_choice') {
			if (lo !== undefined && lo === hi)
				return t('choose_exactly', {n: lo});
			if (lo > 0 && hi !== undefined)
				return t('choose_range', {min: lo, max: hi});
			if (hi !== undefined)
				return t('choose_upto', {n: hi});
			return lo > 0 ? t('choose_atleast', {n: lo}) : t('choose_any');
		}
		if (q.type === 'number') {
			var k = q.integer ? 'int_' : 'num_';
			if (lo !== undefined && hi !== undefined)
				return t(k + 'range', {min: lo, max: hi});
			if (lo !== undefined)
				return t(k + 'min', {min: lo});
			if (hi !== undefined)
				return t(k + 'max', {max: hi});
			return q.integer ? t('int_any') : null;
		}
		if (q.type === 'scale')
			return t('choose_range', {min: lo, max: hi});
		if (q.type === 'text' && (q.multiline || q.max_length !== undefined))
			return t('chars_max', {max: maxLength(q)});
		return null;
	}

	function maxLength(q) {
		return q.max_length !== undefined ? q.max_length : 2000;
	}

	/* "Characters left: n of max", as the answer will be counted (trimmed,
	 * in code points, as validate.js and core count). */
	function charsWords(q, value) {
		var used = Array.from(value.trim()).length, max = maxLength(q);
		return used <= max ? t('chars_left', {n: max - used, max: max}) : t('chars_over', {n: used - max});
	}

	/* "More below": shown while the screen goes on past the bottom edge
	 * (behind the sticky Back / Next bar). */
	function updateCue() {
		var c = main.querySelector('.more-below'), root = document.documentElement;
		if (c)
			c.hidden = root.scrollHeight - (window.scrollY + window.innerHeight) <= 2;
		/* what gets the focus (a tap, Tab) scrolls clear of the bar */
		var nav = main.querySelector('.question .nav');
		root.style.scrollPaddingBottom = nav ? nav.offsetHeight + 'px' : '';
	}
	/* A choice or field that gets the focus (Tab, arrows, a tap) is
	 * scrolled whole above the sticky bar, not left half behind it. */
	function keepClear(e) {
		var nav = main.querySelector('.question .nav'), target = e.target;
		if (!nav || nav.contains(target) || !main.contains(target))
			return;
		var box = (target.closest('label.choice') || target).getBoundingClientRect();
		var over = box.bottom - nav.getBoundingClientRect().top + 4;
		if (over > 0)
			window.scrollBy(0, Math.min(over, Math.max(0, box.top - 4)));
	}
	main.addEventListener('focusin', keepClear);
	window.addEventListener('scroll', updateCue, {passive: true});
	window.addEventListener('resize', updateCue);
	K.onTextSize(updateCue);

	function renderQuestion() {
		var doc = person.doc, q = doc.questions[person.index];
		var a = person.answers[q.id];
		var shown = V.shownQuestions(doc, pruned());
		var pos = shown.indexOf(q.id) + 1;
		var hintId = 'hint-' + q.id, errId = 'err-' + q.id, rule = ruleWords(q);
		var stem = stemOf(doc, q.id);
		var described = (stem !== undefined && q.type !== 'info' && ['single_choice', 'multi_choice',
			'yes_no', 'consent', 'scale', 'date'].indexOf(q.type) < 0 ? 'stem-' + q.id + ' ' : '') +
			(q.hint ? hintId + ' ' : '') + (rule ? 'rule-' + q.id + ' ' : '') +
			(q.type === 'date' ? 'date-hint-' + q.id + ' ' : '') + errId;
		var isLast = nextShown(person.index) < 0;
		var total = isLast ? pos : progressTotal(pos);
		var label = qtext(q.label);
		var input = renderInput(q, a, described);
		var grouped = ['single_choice', 'multi_choice', 'yes_no', 'consent', 'scale', 'date'].indexOf(q.type) >= 0;
		var notes = [];

		languageButton();
		if (q.hint)
			notes.push(el('p', {'class': 'hint', id: hintId, text: qtext(q.hint)}));
		if (rule)
			notes.push(el('p', {'class': 'hint rule', id: 'rule-' + q.id, text: rule}));
		if (q.type === 'date')
			notes.push(el('p', {'class': 'hint', id: 'date-hint-' + q.id, text: t('date_hint')}));
		if (q.type !== 'info' && q.required !== true)
			notes.push(el('p', {'class': 'hint', text: t('optional')}));
		var err = el('p', {'class': 'error', id: errId, role: 'alert', hidden: true});
		/* the stem heads the question's heading, so it is read with it */
		function heading(kids) {
			return el('h1', {'class': 'q-label'}, (stem === undefined ? [] : [
				el('span', {'class': 'stem', id: 'stem-' + q.id, text: qtext(stem)}), ' ']).concat(kids));
		}
		var after = [];
		if (q.type === 'text' && rule)
			after.push(el('p', {'class': 'hint count', id: 'count-' + q.id, 'aria-hidden': 'true'}));
		var radios = ['single_choice', 'yes_no', 'consent', 'scale'].indexOf(q.type) >= 0;
		if (radios && q.required !== true)
			after.push(el('button', {type: 'button', 'class': 'small clear', id: 'clear-' + q.id,
				text: t('clear_choice'), onclick: function () {
					Array.prototype.forEach.call(qInputs(q), function (i) { i.checked = false; });
					form.dispatchEvent(new Event('change'));
					qInputs(q)[0].focus();
				}}));
		var body;
		if (q.type === 'info') {
			body = [heading([el('span', {text: label})])];
		} else if (grouped) {
			body = [el('fieldset', {'aria-describedby': described}, [
				el('legend', {}, [heading([el('span', {text: label})])])]
				.concat(notes).concat([err, input]).concat(after))];
		} else {
			body = [heading([el('label', {'for': 'q-' + q.id, text: label})])]
				.concat(notes).concat([err, input]).concat(after);
		}
		var form = el('form', {autocomplete: 'off', novalidate: true, 'class': 'question',
			onsubmit: function (e) { e.preventDefault(); next(); }},
		body.concat([el('div', {'class': 'nav'}, [
			el('button', {type: 'button', 'class': 'secondary', text: t('back'), onclick: back}),
			el('div', {'class': 'more-below', 'aria-hidden': 'true', hidden: true},
				[t('more_below') + ' \u2193']),
			el('button', {type: 'submit', 'class': 'primary', id: 'btn-next',
				text: isLast ? t('submit') : t('next')})])]));
		var progressText = el('span', {'class': 'progress-text'});
		var progressBar = el('progress', {});
		function setProgress(last) {
			var n = last ? pos : progressTotal(pos);
			progressText.textContent = t('progress', {n: pos, total: n});
			progressBar.max = n;
			progressBar.value = pos;
			progressBar.setAttribute('aria-label', t('progress', {n: pos, total: n}));
		}
		setProgress(isLast);
		show([el('div', {'class': 'progress-row'}, [progressText, progressBar, stopButton()]),
		form], qtext(doc.title));
		if (q.type === 'text' || q.type === 'number') {
			var f = document.getElementById('q-' + q.id);
			f.value = a === undefined ? '' : String(a);
		}
		var restored = person.draft && person.draft.index === person.index;
		if (restored)
			restoreInputs(person.draft.inputs);
		person.draft = null;
		var count = document.getElementById('count-' + q.id);
		if (count) {
			var field = document.getElementById('q-' + q.id);
			var recount = function () {
				count.textContent = charsWords(q, field.value);
				count.classList.toggle('over', Array.from(field.value.trim()).length > maxLength(q));
			};
			recount();
			field.addEventListener('input', recount);
		}
		var clear = document.getElementById('clear-' + q.id);
		function clearShown() {
			if (clear)
				clear.hidden = !Array.prototype.some.call(qInputs(q), function (i) { return i.checked; });
		}
		clearShown();
		updateCue();
		/* Conditions are evaluated as the person answers: the button says
		 * "send" when nothing would follow this answer. */
		form.addEventListener('change', function () {
			var r = readAnswer(q), saved = person.answers[q.id];
			if (r.rule === undefined) {
				if (r.v === undefined)
					delete person.answers[q.id];
				else
					person.answers[q.id] = r.v;
			}
			var last = nextShown(person.index) < 0;
			if (saved === undefined)
				delete person.answers[q.id];
			else
				person.answers[q.id] = saved;
			document.getElementById('btn-next').textContent = last ? t('submit') : t('next');
			setProgress(last);
			clearShown();
		});
		if (restored) /* the button and the count follow what came back */
			form.dispatchEvent(new Event('change'));
		if (person.errors[q.id]) {
			showError(q, person.errors[q.id]);
			delete person.errors[q.id];
		}
	}

	function next() {
		var doc = person.doc, q = doc.questions[person.index];
		var r = readAnswer(q);
		if (r.rule !== undefined) {
			showError(q, plainError(q, r), r.field);
			return;
		}
		var f = V.validateQuestion(q, r.v, person.today);
		if (!f.ok && f.rule !== 'consent_declined') {
			showError(q, plainError(q, f));
			return;
		}
		if (r.v === undefined)
			delete person.answers[q.id];
		else
			person.answers[q.id] = r.v;
		if (f.rule === 'consent_declined') {
			declined();
			return;
		}
		goTo(nextShown(person.index));
	}

	function back() {
		var q = person.doc.questions[person.index];
		var r = readAnswer(q);
		if (r.rule === undefined && V.validateQuestion(q, r.v, person.today).ok) {
			if (r.v === undefined)
				delete person.answers[q.id];
			else
				person.answers[q.id] = r.v;
		}
		var p = prevShown(person.index);
		if (p >= 0)
			goTo(p);
		else if (person.doc.intro !== undefined)
			introScreen();
		else if (person.askedLang)
			languageScreen(startQuestions);
		else
			leave(function () { goTo(person.index); });
	}

	function submit() {
		var doc = person.doc, answers = pruned();
		var f = V.validateAnswers(doc, answers, person.today);
		if (!f.ok) {
			jumpToFault(f);
			return;
		}
		var btn = document.getElementById('btn-next');
		if (btn) {
			btn.disabled = true;
			btn.textContent = t('saving');
		}
		api('POST', '/api/responses', {questionnaire: doc.id, version: doc.version,
			language: person.lang, elapsed_ms: Date.now() - person.started,
			assisted: person.assisted, answers: answers}).then(function (r) {
			if (r.status === 201) {
				finished('thanks_title', 'thanks_text', r.data);
				return;
			}
			if (r.status === 422 && r.data.question) {
				jumpToFault(r.data);
				return;
			}
			if (btn) {
				btn.disabled = false;
				btn.textContent = t('submit');
			}
			var q = doc.questions[person.index];
			showError(q, t('save_failed'));
		});
	}

	function jumpToFault(f) {
		var doc = person.doc;
		for (var i = 0; i < doc.questions.length; i++) {
			if (doc.questions[i].id === f.question) {
				person.errors[f.question] = plainError(doc.questions[i], f);
				goTo(i);
				return;
			}
		}
		showError(doc.questions[person.index], t('save_failed'));
	}

	/* The end for this person: nothing of theirs stays in the page (the
	 * questionnaire itself, for its closing words and languages, is no
	 * one's). With a closing message (signposting) the screen stays a
	 * minute, long enough to note a phone number; else 10 s. */
	var CLOSING_S = 60, END_S = 10;
	var shownEnd = null; /* the thank-you screen's countdown while it runs */

	/* A section asking for the person's time once they act on it (the
	 * receipt code taken, receipt.js): the screen stays a minute from now. */
	K.holdEnd = function () {
		if (shownEnd === null || shownEnd.left >= CLOSING_S)
			return;
		shownEnd.left = CLOSING_S;
		if (shownEnd.note)
			shownEnd.note.textContent = t('returning', {n: shownEnd.left});
	};

	function finished(titleKey, textKey, reply) {
		var end = {doc: person.doc, lang: person.lang, assisted: person.assisted,
			title: titleKey, text: textKey, reply: reply || null};
		person.answers = {};
		person = null;
		idleStop();
		/* The request to be contacted is offered to a person answering on
		 * their own, after their answers are saved (docs/reciprocity.md);
		 * like closing words, it is given the time to be read. */
		end.offer = titleKey === 'thanks_title' && !end.assisted &&
			end.doc.contact_request !== undefined;
		var hold = endSections(end).some(function (e) { return e.getAttribute('data-hold') === '1'; });
		end.left = end.doc.closing !== undefined || end.offer || hold ? CLOSING_S : END_S;
		shownEnd = end;
		end.timer = setInterval(function () {
			end.left--;
			if (end.note)
				end.note.textContent = t('returning', {n: Math.max(end.left, 0)});
			if (end.left <= 0) {
				clearInterval(end.timer);
				shownEnd = null;
				wipe(end.assisted ? '#worker' : '');
			}
		}, 1000);
		history.replaceState(null, '', '/');
		endScreen(end);
		announce(t(textKey));
	}

	/* The other files' sections of the thank-you screen (page.js
	 * addSection), in end.lang; none on the declined screen. */
	function endSections(end) {
		return end.title !== 'thanks_title' ? [] : K.sectionsFor('thanks',
			{doc: end.doc, lang: end.lang, assisted: end.assisted, reply: end.reply});
	}

	/* The thank-you (or declined) screen, with its language control: a
	 * choice shows it again in that language. */
	function endScreen(end) {
		var doc = end.doc;
		langControl(end.assisted ? [] : doc.languages);
		document.getElementById('btn-language').onclick = function () {
			var again = function () { endScreen(end); };
			chooseLanguage(doc.languages, end.lang, function (tag) {
				end.lang = tag;
				again();
			}, again, '');
		};
		end.note = el('p', {'class': 'hint', text: t('returning', {n: Math.max(end.left, 0)})});
		var closing = doc.closing === undefined ? null : el('div', {'class': 'closing', id: 'closing',
			lang: end.lang, dir: langDir(end.lang)},
			V.text(doc, doc.closing, end.lang).split('\n').filter(function (line) {
				return line.trim() !== '';
			}).map(function (line) { return el('p', {text: line}); }));
		var offer = !end.offer ? null : el('section', {'class': 'contact-offer',
			'aria-labelledby': 'contact-offer-title'}, [
			el('h2', {id: 'contact-offer-title', text: t('contact_offer_title')}),
			el('p', {text: t('contact_offer_text')}),
			el('button', {type: 'button', 'class': 'secondary', id: 'btn-contact-offer',
				text: t('contact_offer_yes'), onclick: function () { contactForm(end); }})]);
		show([el('div', {'class': 'done'}, [
			el('h1', {text: t(end.title)}),
			el('p', {'class': 'lead', text: t(end.text)}),
			closing,
			end.note,
			el('button', {type: 'button', 'class': 'primary', text: t('finish'),
				onclick: function () { wipe(end.assisted ? '#worker' : ''); }}),
			offer].concat(endSections(end)))], '');
	}

	/* ---- "I'd like someone to contact me" (docs/reciprocity.md) ----
	 * A separate, optional step after the answers are saved: nothing of
	 * the response goes with it (the page sends the questionnaire's id
	 * only to name the topics offered; the kiosk keeps none of it). The
	 * form lives in the page until Send; Cancel, Finish, the idle timeout
	 * and wipe() drop it with everything else (a fresh page). */
	function contactForm(end) {
		var doc = end.doc, lang = end.lang, cr = doc.contact_request;
		clearInterval(end.timer);
		idleArm(K.kiosk.idle_timeout_s, function () { wipe(''); });
		function errorBox(id) {
			return el('p', {'class': 'error', id: id, role: 'alert', hidden: true});
		}
		function radio(name, value, label) {
			return el('label', {'class': 'choice'}, [
				el('input', {type: 'radio', name: name, value: value,
					'aria-describedby': 'cr-err-' + name}),
				el('span', {text: label})]);
		}
		function group(name, legend, kids, hint) {
			return el('fieldset', {id: 'cr-' + name, 'aria-describedby': 'cr-err-' + name +
				(hint ? ' ' + hint : '')}, [el('legend', {text: legend}), errorBox('cr-err-' + name),
				el('div', {'class': 'choices'}, kids)]);
		}
		var form = el('form', {autocomplete: 'off', novalidate: true, 'class': 'contact-request',
			lang: lang, dir: langDir(lang), onsubmit: function (e) { e.preventDefault(); send(); }}, [
			el('p', {'class': 'lead', id: 'cr-separate', text: t('contact_offer_text')}),
			el('label', {'for': 'cr-name', text: t('contact_name')}),
			errorBox('cr-err-name'),
			el('input', {id: 'cr-name', name: 'name', type: 'text', 'class': 'field',
				maxlength: 100, autocomplete: 'off', spellcheck: 'false',
				'aria-describedby': 'cr-err-name'}),
			group('by', t('contact_by'), [radio('by', 'phone', t('contact_by_phone')),
				radio('by', 'text', t('contact_by_text')),
				radio('by', 'in_person', t('contact_by_in_person'))]),
			el('label', {'for': 'cr-how', text: t('contact_how')}),
			el('p', {'class': 'hint', id: 'cr-how-hint', text: t('contact_how_hint')}),
			errorBox('cr-err-how'),
			el('input', {id: 'cr-how', name: 'how', type: 'text', 'class': 'field',
				maxlength: 200, autocomplete: 'off', spellcheck: 'false',
				'aria-describedby': 'cr-how-hint cr-err-how'}),
			group('topic', t('contact_topic'), cr.topics.map(function (tp) {
				return radio('topic', tp.value, V.text(doc, tp.label, lang));
			})),
			errorBox('cr-err-consent'),
			el('label', {'class': 'choice consent'}, [
				el('input', {type: 'checkbox', id: 'cr-consent', name: 'consent',
					'aria-describedby': 'cr-err-consent'}),
				el('span', {text: t('contact_consent', {days: K.kiosk.contact_request_days})})]),
			errorBox('cr-err-send'),
			el('div', {'class': 'nav'}, [
				el('button', {type: 'button', 'class': 'secondary', id: 'cr-cancel',
					text: t('contact_cancel'), onclick: function () { wipe(''); }}),
				el('button', {type: 'submit', 'class': 'primary', id: 'cr-send',
					text: t('contact_send')})])]);
		show([el('h1', {id: 'cr-title', text: t('contact_offer_title')}), form], '');

		function value(name) {
			var c = form.querySelector('input[name="' + name + '"]:checked');
			return c ? c.value : '';
		}
		function fault(name, text, focus) {
			var box = document.getElementById('cr-err-' + name);
			box.textContent = text;
			box.hidden = false;
			Array.prototype.forEach.call(form.querySelectorAll('[name="' + name + '"]'),
				function (i) { i.setAttribute('aria-invalid', 'true'); });
			return focus;
		}
		function send() {
			Array.prototype.forEach.call(form.querySelectorAll('.error'), function (b) {
				b.hidden = true;
				b.textContent = '';
			});
			Array.prototype.forEach.call(form.querySelectorAll('[aria-invalid]'), function (i) {
				i.removeAttribute('aria-invalid');
			});
			var name = form.elements.name.value.trim(), how = form.elements.how.value.trim();
			var by = value('by'), topic = value('topic'), first = null;
			/* Every fault shown at once; the first one gets the focus. */
			var faults = [
				name === '' && fault('name', t('err_required'), form.elements.name),
				by === '' && fault('by', t('err_required'), form.querySelector('[name="by"]')),
				how === '' && by !== 'in_person' && fault('how', t('err_required'), form.elements.how),
				topic === '' && fault('topic', t('err_required'), form.querySelector('[name="topic"]')),
				!form.elements.consent.checked &&
					fault('consent', t('contact_err_consent'), form.elements.consent)];
			faults.forEach(function (f) { first = first || f || null; });
			if (first) {
				first.focus();
				return;
			}
			var btn = document.getElementById('cr-send');
			btn.disabled = true;
			btn.textContent = t('saving');
			api('POST', '/api/contact-requests', {questionnaire: doc.id, version: doc.version,
				name: name, how: how, by: by, topic: topic, consent: true}).then(function (r) {
				if (r.status === 201) {
					contactSent();
					return;
				}
				btn.disabled = false;
				btn.textContent = t('contact_send');
				fault('send', t('contact_failed'), btn).focus();
			});
		}
	}

	/* Sent: the details are not shown again, and the page goes back to the
	 * start as after any questionnaire. */
	function contactSent() {
		var left = END_S;
		idleStop();
		var note = el('p', {'class': 'hint', text: t('returning', {n: left})});
		var timer = setInterval(function () {
			left--;
			note.textContent = t('returning', {n: Math.max(left, 0)});
			if (left <= 0) {
				clearInterval(timer);
				wipe('');
			}
		}, 1000);
		show([el('div', {'class': 'done'}, [
			el('h1', {text: t('contact_sent_title')}),
			el('p', {'class': 'lead', text: t('contact_sent_text')}),
			note,
			el('button', {type: 'button', 'class': 'primary', text: t('finish'),
				onclick: function () { wipe(''); }})])], '');
		announce(t('contact_sent_text'));
	}

	function declined() {
		finished('declined_title', 'declined_text');
	}


	/* The "stop" dialog's buttons; Escape is the same as "No". */
	document.getElementById('stop-no').addEventListener('click', stopClose);
	document.getElementById('stop-yes').addEventListener('click', function () {
		document.getElementById('stop').close();
		cancelPerson();
	});
	document.getElementById('stop').addEventListener('cancel', function (e) {
		e.preventDefault();
		stopClose();
	});

	window.FsQuestionnaire = {
		welcome: welcome,
		begin: begin, /* (id, assisted): a questionnaire for a person */
		/* workers: the one date pattern, for worker.js's contact form */
		dateInput: dateInput,   /* (id, name, 'YYYY-MM-DD' or '') */
		readDate: readDate,     /* (form, name): {v} or {rule, field, vars} */
		dateError: function (f) { return plainError({type: 'date'}, f); },
		dateText: localDate     /* 'YYYY-MM-DD' in words: "4 December 2026" */
	};
})();
