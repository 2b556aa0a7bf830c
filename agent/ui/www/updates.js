/* fieldsync kiosk: "you said, we did" updates (docs/reciprocity.md) on the
 * welcome screen, one at a time, and on the thank-you screen those linked
 * to the questionnaire just answered. GET /api/updates gives the current
 * ones (the kiosk's region and every region, by the kiosk's date); images
 * come from GET /api/updates/ID/image, from this kiosk only.
 *
 * The rotation is for reading: an update stays at least MIN_MS, longer for
 * a longer text; it never moves on its own when the person prefers reduced
 * motion, while the pointer or focus is on it, or once Pause is pressed;
 * Previous and Next move by hand. It is announced (aria-live polite) only
 * when it does not move on its own, so a screen reader is not interrupted
 * every few seconds. */
(function () {
	'use strict';

	var K = window.FsPage, el = K.el, t = K.t;
	var MIN_MS = 12000, PER_CHAR_MS = 60;
	var latest = []; /* the last list the kiosk gave, for the thank-you screen */

	/* The text of texts in lang, by the questionnaires' rule: the language,
	 * else its base language, else the update's first (its default). */
	function pick(texts, lang) {
		var keys = Object.keys(texts || {}), i;

		if (lang && keys.indexOf(lang) >= 0)
			return {lang: lang, text: texts[lang]};
		for (i = 0; lang && i < keys.length; i++)
			if (K.baseLang(keys[i]) === K.baseLang(lang))
				return {lang: keys[i], text: texts[keys[i]]};
		return {lang: keys[0], text: keys.length ? texts[keys[0]] : ''};
	}

	function reducedMotion() {
		return window.matchMedia && window.matchMedia('(prefers-reduced-motion: reduce)').matches;
	}

	/* One update as an article, in lang. */
	function article(u, lang, level) {
		var title = pick(u.title, lang), text = pick(u.text, title.lang);

		return el('article', {'class': 'update', lang: title.lang, dir: K.langDir(title.lang)}, [
			u.image ? el('img', {'class': 'update-image', src: '/api/updates/' + encodeURIComponent(u.id) + '/image',
				alt: '', width: u.image.width, height: u.image.height}) : null,
			el(level, {'class': 'update-title', text: title.text}),
			el('p', {'class': 'update-text', text: text.text})
		]);
	}

	function readMs(u, lang) {
		var title = pick(u.title, lang);
		var n = title.text.length + pick(u.text, title.lang).text.length;
		return Math.max(MIN_MS, 4000 + n * PER_CHAR_MS);
	}

	/* The welcome screen's rotation, filled into box once the list is in. */
	function rotation(box, list, lang) {
		var index = 0, paused = reducedMotion(), held = false, timer = null;
		var slide = el('div', {'class': 'update-slide', id: 'updates-slide'});
		var count = el('p', {'class': 'update-count'});
		var pause = el('button', {type: 'button', 'class': 'secondary small', id: 'updates-pause',
			'aria-pressed': paused ? 'true' : 'false', 'aria-controls': 'updates-slide'});
		var prev = el('button', {type: 'button', 'class': 'secondary small', 'aria-controls': 'updates-slide',
			text: t('updates_previous'), onclick: function () { go(index - 1, true); }});
		var next = el('button', {type: 'button', 'class': 'secondary small', 'aria-controls': 'updates-slide',
			text: t('updates_next'), onclick: function () { go(index + 1, true); }});

		function moving() {
			return !paused && !held && list.length > 1;
		}
		function arm() {
			clearTimeout(timer);
			timer = null;
			slide.setAttribute('aria-live', moving() ? 'off' : 'polite');
			if (moving())
				timer = setTimeout(function () {
					if (box.isConnected)
						go(index + 1, false);
				}, readMs(list[index], lang));
		}
		function go(i, byHand) {
			index = (i + list.length) % list.length;
			slide.textContent = '';
			slide.appendChild(article(list[index], lang, 'h3'));
			count.textContent = t('updates_count', {n: index + 1, total: list.length});
			if (byHand && !paused) /* moved by hand: stay until Play */
				setPaused(true);
			arm();
		}
		function setPaused(p) {
			paused = p;
			pause.setAttribute('aria-pressed', p ? 'true' : 'false');
			pause.textContent = t('updates_pause');
			arm();
		}
		pause.addEventListener('click', function () { setPaused(!paused); });
		['mouseenter', 'focusin'].forEach(function (ev) {
			box.addEventListener(ev, function () { held = true; arm(); });
		});
		['mouseleave', 'focusout'].forEach(function (ev) {
			box.addEventListener(ev, function (e) {
				if (ev === 'focusout' && e.relatedTarget && box.contains(e.relatedTarget))
					return;
				held = false;
				arm();
			});
		});
		box.appendChild(slide);
		if (list.length > 1)
			box.appendChild(el('div', {'class': 'update-controls'}, [prev, pause, next, count]));
		setPaused(paused);
		go(0, false);
	}

	K.addSection('welcome', function () {
		var lang = K.uiLang();
		var box = el('section', {'class': 'updates', 'aria-labelledby': 'updates-title', hidden: true},
			[el('h2', {id: 'updates-title', text: t('updates_title')})]);

		K.api('GET', '/api/updates').then(function (r) {
			if (r.status !== 200 || !r.data.updates)
				return;
			latest = r.data.updates;
			if (!latest.length || !box.isConnected)
				return;
			box.hidden = false;
			rotation(box, latest, lang);
		});
		return box;
	});

	/* After a response: the updates linked to its questionnaire, all of
	 * them, still (the person chose to read them by staying). */
	K.addSection('thanks', function (ctx) {
		var mine = latest.filter(function (u) { return ctx.doc && u.questionnaire === ctx.doc.id; });

		if (!mine.length)
			return null;
		return el('section', {'class': 'updates updates-thanks', 'aria-labelledby': 'updates-thanks-title',
			'data-hold': '1'}, [el('h2', {id: 'updates-thanks-title', text: t('updates_thanks_title')})]
			.concat(mine.map(function (u) { return article(u, ctx.lang, 'h3'); })));
	});

	/* Also at load: a person helped by a worker reaches the thank-you
	 * screen without passing the welcome screen. */
	K.api('GET', '/api/updates').then(function (r) {
		if (r.status === 200 && r.data.updates && !latest.length)
			latest = r.data.updates;
	});
	K.onWipe(function () { latest = []; });
})();
