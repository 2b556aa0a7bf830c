/* fieldsync kiosk: what every screen of the page shares (docs/kiosk.md):
 * building the DOM, the kiosk's own words and the language control, the
 * API, showing a screen, the idle timeout and wipe(). The questionnaire
 * flow is questionnaire.js, the worker console worker.js and the start
 * app.js; they reach each other through window.FsPage, FsQuestionnaire
 * and FsWorker, resolved when called (index.html loads them in order).
 *
 * Screens are built with DOM calls (never innerHTML with data) into <main>.
 * A person's answers live only in questionnaire.js's `person` until they
 * are sent; they are never put in a URL, in localStorage or sessionStorage,
 * or in history entries (the page never pushes one). After a submit, a
 * declined consent or an idle timeout, wipe() clears the inputs and reloads
 * the page, so nothing of that person is left in memory either. */
(function () {
	'use strict';

	var STR = window.FsStrings;
	var main = document.getElementById('main');
	var uiLang = 'en';     /* the strings.js table in use */
	var uiTag = 'en';      /* the language tag in use */
	var words = Object.create(null); /* tag -> a questionnaire's ui_strings */
	var SIZES = [100, 150, 200], size = 0; /* text size steps, in % */
	var langTags = [];     /* what the language control offers now */
	var has = Object.prototype.hasOwnProperty;
	var wipeHooks = [], warnHooks = [], sizeHooks = [];

	/* ---- small helpers ---- */

	function el(tag, attrs, kids) {
		var e = document.createElement(tag);
		Object.keys(attrs || {}).forEach(function (k) {
			var v = attrs[k];
			if (v === null || v === undefined || v === false)
				return;
			if (k === 'text')
				e.textContent = v;
			else if (k.slice(0, 2) === 'on')
				e.addEventListener(k.slice(2), v);
			else
				e.setAttribute(k, v === true ? '' : v);
		});
		(kids || []).forEach(function (c) {
			if (c !== null && c !== undefined)
				e.appendChild(typeof c === 'string' ? document.createTextNode(c) : c);
		});
		return e;
	}

	/* The kiosk's words for tag: a questionnaire's ui_strings first (for
	 * a language of that questionnaire), then strings.js (the tag or its
	 * base language), then English, string by string. */
	function t(key, vars) {
		var tab = STR.text[uiLang] || STR.text.en, mine = words[uiTag];
		var s = mine && has.call(mine, key) ? mine[key]
			: has.call(tab, key) ? tab[key] : STR.text.en[key];
		Object.keys(vars || {}).forEach(function (k) {
			s = s.split('{' + k + '}').join(String(vars[k]));
		});
		return s;
	}

	function baseLang(tag) {
		return tag.split('-')[0].toLowerCase();
	}

	function setLanguage(tag) {
		uiLang = STR.text[tag] ? tag : STR.text[baseLang(tag)] ? baseLang(tag) : 'en';
		uiTag = tag;
		document.documentElement.lang = tag;
		document.documentElement.dir = STR.rtl.indexOf(baseLang(tag)) >= 0 ? 'rtl' : 'ltr';
		sizeLabel();
		var b = document.getElementById('btn-language'), hidden = b.hidden;
		langControl(langTags); /* its words change, not whether it is shown */
		b.hidden = hidden;
	}

	function langName(tag) {
		return STR.names[tag] || (words[tag] && words[tag].language_name) ||
			STR.names[baseLang(tag)] || tag;
	}

	/* Take the kiosk's words that questionnaire doc carries for its
	 * languages (ui_strings), once they pass the same checks as in core
	 * (FsValidate.checkKioskTexts): a document that fails gives none, so
	 * English is shown rather than a broken string. first: the
	 * questionnaire being answered, whose words win over others'. */
	function addWords(doc, first) {
		var V = window.FsValidate;
		if (!doc || doc.ui_strings === undefined)
			return;
		if (!V.checkKioskTexts(doc, STR.questionnaireWords()).ok)
			return;
		Object.keys(doc.ui_strings).forEach(function (tag) {
			if (first || !words[tag])
				words[tag] = doc.ui_strings[tag];
		});
	}

	/* Text size: SIZES steps, one tap each, back to 100 % after 200 %.
	 * Lives in the page only, so wipe() (a reload) resets it for the
	 * next person, as the language. */
	function sizeLabel() {
		var b = document.getElementById('btn-text');
		b.textContent = '';
		b.appendChild(el('span', {'class': 'aa', 'aria-hidden': 'true', text: 'A'}));
		b.appendChild(document.createTextNode(t('text_size', {n: SIZES[size]})));
	}

	function setSize(i) {
		size = i;
		SIZES.forEach(function (p) { document.documentElement.classList.toggle('size-' + p, p === SIZES[i]); });
		sizeLabel();
		sizeHooks.forEach(function (fn) { fn(); });
	}

	function langDir(tag) {
		return STR.rtl.indexOf(baseLang(tag)) >= 0 ? 'rtl' : 'ltr';
	}

	var SVG = 'http://www.w3.org/2000/svg';

	function svg(tag, attrs) {
		var e = document.createElementNS(SVG, tag);
		Object.keys(attrs).forEach(function (k) { e.setAttribute(k, attrs[k]); });
		return e;
	}

	/* The globe that marks every language control (aria-hidden). */
	function globe() {
		var icon = svg('svg', {viewBox: '0 0 24 24', width: '22', height: '22', 'aria-hidden': 'true',
			focusable: 'false', 'class': 'globe'});
		icon.appendChild(svg('circle', {cx: '12', cy: '12', r: '10'}));
		icon.appendChild(svg('ellipse', {cx: '12', cy: '12', rx: '4.5', ry: '10'}));
		icon.appendChild(svg('path', {d: 'M2 12h20M4 6.5h16M4 17.5h16'}));
		return icon;
	}

	/* The top bar's language control: a globe and each language's own
	 * name (with its lang and dir), so it is found without reading the
	 * language on screen; its accessible name starts with "Language" in
	 * the current language. More than 4 languages: the first 3 and "+N".
	 * Hidden when there is nothing to choose. */
	function langControl(tags) {
		var b = document.getElementById('btn-language');
		langTags = tags;
		b.textContent = '';
		b.hidden = tags.length < 2;
		b.appendChild(globe());
		b.appendChild(el('span', {'class': 'visually-hidden', text: t('language') + ':'}));
		var shown = tags.length > 4 ? tags.slice(0, 3) : tags;
		shown.forEach(function (tag, i) {
			if (i > 0)
				b.appendChild(el('span', {'class': 'sep', 'aria-hidden': 'true', text: '·'}));
			b.appendChild(el('span', {'class': 'lang-name', lang: tag, dir: langDir(tag),
				text: langName(tag)}));
		});
		if (shown.length < tags.length)
			b.appendChild(el('span', {'class': 'lang-name', text: '+' + (tags.length - shown.length)}));
	}

	function api(method, path, body) {
		var init = {method: method, credentials: 'same-origin', cache: 'no-store',
			headers: {'Accept': 'application/json'}};
		if (body !== undefined) {
			init.headers['Content-Type'] = 'application/json';
			init.body = JSON.stringify(body);
		}
		return fetch(path, init).then(function (r) {
			return r.json().catch(function () { return {}; }).then(function (d) {
				return {status: r.status, data: d};
			});
		}, function () {
			return {status: 0, data: {error: 'network', message: 'the kiosk service is not answering'}};
		});
	}

	function announce(text) {
		var a = document.getElementById('announce');
		a.textContent = '';
		setTimeout(function () { a.textContent = text; }, 50);
	}

	/* Show a screen: its heading gets focus so screen readers start there. */
	function show(nodes, title) {
		main.textContent = '';
		nodes.forEach(function (n) { if (n) main.appendChild(n); });
		document.getElementById('bar-title').textContent = title || '';
		document.title = title || 'Kiosk';
		var h = main.querySelector('h1');
		if (h) {
			h.setAttribute('tabindex', '-1');
			h.focus();
		}
		window.scrollTo(0, 0);
	}


	/* ---- idle timeout, with a warning first ---- */

	var IDLE_WARN_MIN_S = 20, IDLE_QUIET_MIN_S = 10;
	var idle = {total: 0, expire: null, warnAt: 0, timer: null, tick: null, end: 0};

	function idleStop() {
		clearTimeout(idle.timer);
		clearInterval(idle.tick);
		idle.expire = null;
		document.getElementById('idle').hidden = true;
	}

	/* hardEnd: the end is at `seconds` whatever the warning (worker mode:
	 * the service ends the session then); otherwise short timeouts are
	 * lengthened so the warning can last its 20 s. */
	function idleArm(seconds, expire, hardEnd) {
		idleStop();
		idle.total = seconds;
		idle.expire = expire;
		idle.hardEnd = hardEnd === true;
		idleReset();
	}

	function idleReset() {
		if (!idle.expire)
			return;
		clearTimeout(idle.timer);
		clearInterval(idle.tick);
		document.getElementById('idle').hidden = true;
		/* The warning gives at least 20 s to answer it (WCAG 2.2.1): a
		 * third of the timeout, 20 to 30 s. It comes after at least 10 s
		 * of no activity, so timeouts under 30 s act as 30 s (worker
		 * mode: the warning is shortened instead, never the session
		 * lengthened). */
		var warn = Math.min(30, Math.max(IDLE_WARN_MIN_S, Math.floor(idle.total / 3)));
		var quiet = idle.hardEnd ? Math.max(0, idle.total - warn)
			: Math.max(IDLE_QUIET_MIN_S, idle.total - warn);
		warn = idle.hardEnd ? idle.total - quiet : warn;
		idle.timer = setTimeout(idleWarn, quiet * 1000);
		idle.end = Date.now() + (quiet + warn) * 1000;
	}

	function idleWarn() {
		var box = document.getElementById('idle');
		document.getElementById('idle-title').textContent = t('idle_title');
		document.getElementById('idle-stay').textContent = t('still_here');
		/* a modal dialog would make the warning inert */
		warnHooks.forEach(function (fn) { fn(); });
		idle.returnFocus = document.activeElement;
		box.hidden = false;
		document.getElementById('idle-stay').focus();
		function update() {
			var left = Math.max(0, Math.ceil((idle.end - Date.now()) / 1000));
			document.getElementById('idle-text').textContent = t('idle_text', {n: left});
			if (left <= 0) {
				var fn = idle.expire;
				idleStop();
				if (fn)
					fn();
			}
		}
		update();
		idle.tick = setInterval(update, 1000);
	}

	function onActivity() {
		if (!idle.expire)
			return;
		var box = document.getElementById('idle');
		if (!box.hidden) {
			idleReset();
			if (idle.returnFocus && document.body.contains(idle.returnFocus))
				idle.returnFocus.focus();
			return;
		}
		idleReset();
	}

	['pointerdown', 'keydown', 'input', 'wheel', 'touchstart'].forEach(function (ev) {
		document.addEventListener(ev, onActivity, {capture: true, passive: true});
	});

	/* Everything of the person (or worker) goes: inputs emptied, state
	 * dropped, then a fresh page replaces this one without a history
	 * entry. hash "#worker" returns to worker mode (the session cookie
	 * decides whether it is still open). */
	function wipe(hash) {
		idleStop();
		wipeHooks.forEach(function (fn) { fn(); });
		Array.prototype.forEach.call(document.querySelectorAll('input, textarea, select'),
			function (i) {
				if (i.type === 'radio' || i.type === 'checkbox')
					i.checked = false;
				else
					i.value = '';
			});
		main.textContent = '';
		history.replaceState(null, '', '/' + (hash || ''));
		location.reload();
	}
	/* The bar's text size, and the idle warning's "still here". */
	document.getElementById('btn-text').addEventListener('click', function () {
		setSize((size + 1) % SIZES.length);
		announce(t('text_size', {n: SIZES[size]}));
	});
	document.getElementById('idle-stay').addEventListener('click', function () { idleReset(); });

	/* Sections other files add to the welcome and thank-you screens
	 * (updates.js, results.js, receipt.js: docs/reciprocity.md). Each is
	 * fn(ctx) returning an element or null; questionnaire.js calls them in
	 * the order added. On the thank-you screen ctx is {doc, lang, assisted,
	 * reply} (reply: the body of POST /api/responses' 201), and an element
	 * with data-hold="1" keeps the screen a minute, like closing words; a
	 * section that needs the minute only once the person acts on it calls
	 * FsPage.holdEnd() then (set by questionnaire.js). */
	var sections = {welcome: [], thanks: []};
	function sectionsFor(where, ctx) {
		return sections[where].map(function (fn) { return fn(ctx); })
			.filter(function (e) { return e; });
	}

	window.FsPage = {
		main: main,
		/* where: 'welcome' or 'thanks'. */
		addSection: function (where, fn) { sections[where].push(fn); },
		sectionsFor: sectionsFor,
		kiosk: null, /* GET /api/kiosk, set by app.js */
		el: el,
		t: t,
		uiLang: function () { return uiLang; },
		baseLang: baseLang,
		setLanguage: setLanguage,
		addWords: addWords,
		textSize: function () { return SIZES[size]; },
		/* fn() runs after the text size changes. */
		onTextSize: function (fn) { sizeHooks.push(fn); },
		langName: langName,
		langDir: langDir,
		langControl: langControl,
		globe: globe,
		api: api,
		announce: announce,
		show: show,
		idleStop: idleStop,
		idleArm: idleArm,
		wipe: wipe,
		/* fn() runs in wipe(), before the page reloads: drop state. */
		onWipe: function (fn) { wipeHooks.push(fn); },
		/* fn() runs before the idle warning shows: close dialogs. */
		onIdleWarning: function (fn) { warnHooks.push(fn); }
	};
})();
