/* fieldsync kiosk: shared results (docs/reciprocity.md "Shared results").
 * The figures are the hub's, for this kiosk's region only, already
 * suppressed and rounded there (GET /api/results, /api/results/ID): this
 * file only words them. On the thank-you screen, a short summary of the
 * questionnaire just answered ("About 55 people in Northtown have
 * answered so far; the most common answer was ..."), or "not enough
 * answers yet"; on the welcome screen, a button per shared questionnaire
 * opening a screen with every question's figures as text and tables (a
 * bar drawn beside each number is decoration, aria-hidden). Option labels
 * come from the questionnaire, in the language on screen. */
(function () {
	'use strict';
	var K = window.FsPage, V = window.FsValidate;
	var el = K.el, t = K.t;
	var listed = null; /* GET /api/results's list, once loaded */
	var loading = K.api('GET', '/api/results').then(function (r) {
		listed = r.status === 200 ? r.data : {region: '', results: []};
		return listed;
	});

	/* "northtown" -> "Northtown", "north-east" -> "North east". */
	function regionName(name) {
		var s = String(name || '').replace(/-/g, ' ');
		return s ? s.charAt(0).toUpperCase() + s.slice(1) : '';
	}

	function langOf(doc) {
		var tag = document.documentElement.lang;
		return doc.languages.indexOf(tag) >= 0 ? tag : doc.languages[0];
	}

	function questionOf(doc, id) {
		for (var i = 0; i < doc.questions.length; i++)
			if (doc.questions[i].id === id)
				return doc.questions[i];
		return null;
	}

	function optionLabel(doc, q, value, lang) {
		if (q.type === 'yes_no')
			return t(value === 'true' ? 'results_yes' : 'results_no');
		for (var i = 0; i < (q.options || []).length; i++)
			if (q.options[i].value === value)
				return V.text(doc, q.options[i].label, lang);
		return value;
	}

	/* The option chosen most, when one shown count is above every other
	 * (a hidden one is below k, so below it too); else null. */
	function topOption(r) {
		var best = null, tie = false;
		(r.options || []).forEach(function (o) {
			if (o.count === null || o.count === 0)
				return;
			if (best === null || o.count > best.count) {
				best = o;
				tie = false;
			} else if (o.count === best.count) {
				tie = true;
			}
		});
		return tie ? null : best;
	}

	function countText(n, k) {
		return n === null ? t('results_fewer', {k: k}) : t('results_about', {n: n});
	}

	/* ---- the thank-you screen ---- */

	function thanksSection(ctx) {
		var mine = listed && listed.results.filter(function (x) {
			return x.questionnaire === ctx.doc.id;
		})[0];
		if (!mine || ctx.assisted)
			return null;
		var box = el('section', {'class': 'shared-results', id: 'shared-thanks',
			'aria-labelledby': 'shared-thanks-title', 'data-hold': '1'}, [
			el('h2', {id: 'shared-thanks-title', text: t('results_thanks_title',
				{region: regionName(listed.region)})})]);
		K.api('GET', '/api/results/' + encodeURIComponent(ctx.doc.id)).then(function (r) {
			if (r.status !== 200)
				return;
			var doc = r.data.questionnaire, res = r.data.results, lang = ctx.lang || langOf(doc);
			var region = regionName(r.data.region);
			if (!res || res.total === null) {
				box.appendChild(el('p', {id: 'shared-not-yet', text: t('results_not_yet',
					{region: region, k: res ? res.k : 10})}));
				return;
			}
			box.appendChild(el('p', {id: 'shared-total', text: t('results_total',
				{n: res.total, region: region})}));
			var lines = [];
			res.questions.forEach(function (rq) {
				var q = questionOf(doc, rq.id), top = topOption(rq);
				if (!q || lines.length >= 3 || !top || q.type === 'multi_choice')
					return;
				lines.push(el('li', {}, [
					el('span', {lang: lang, dir: K.langDir(lang), text: V.text(doc, q.label, lang)}),
					' ',
					el('span', {text: t('results_most', {option: optionLabel(doc, q, top.value, lang)})})]));
			});
			if (lines.length)
				box.appendChild(el('ul', {'class': 'shared-lines'}, lines));
			box.appendChild(el('p', {'class': 'hint', text: t('results_rule', {k: res.k})}));
		});
		return box;
	}

	/* ---- the welcome screen and the results screen ---- */

	function offeredHere(id) {
		return ((K.kiosk && K.kiosk.questionnaires) || []).some(function (q) { return q.id === id; });
	}

	function welcomeSection() {
		var box = el('section', {'class': 'shared-welcome', id: 'shared-welcome',
			'aria-labelledby': 'shared-welcome-title', hidden: true});
		loading.then(function (l) {
			var mine = l.results.filter(function (x) { return offeredHere(x.questionnaire); });
			if (!mine.length)
				return;
			box.appendChild(el('h2', {id: 'shared-welcome-title', text: t('results_see')}));
			box.appendChild(el('ul', {'class': 'choices-list'}, mine.map(function (x) {
				var lang = x.languages.indexOf(document.documentElement.lang) >= 0
					? document.documentElement.lang : x.languages[0];
				return el('li', {}, [el('button', {type: 'button', 'class': 'secondary',
					onclick: function () { resultsScreen(x.questionnaire); }}, [
					el('span', {text: t('results_see') + ': '}),
					el('span', {lang: lang, dir: K.langDir(lang), text: x.title[lang]})])]);
			})));
			box.hidden = false;
		});
		return box;
	}

	function bar(n, most) {
		var w = most > 0 && n !== null ? Math.round(100 * n / most) : 0;
		return el('span', {'class': 'shared-bar', 'aria-hidden': 'true'}, [
			el('span', {'class': 'shared-bar-fill', style: 'width:' + w + '%'})]);
	}

	function questionBlock(doc, rq, k, lang) {
		var q = questionOf(doc, rq.id);
		if (!q)
			return null;
		var head = el('h2', {lang: lang, dir: K.langDir(lang), text: V.text(doc, q.label, lang)});
		if (rq.answered === null)
			return el('section', {'class': 'shared-q'}, [head,
				el('p', {text: t('results_q_not_yet', {k: k})})]);
		var kids = [head, el('p', {text: t('results_answered', {n: rq.answered})})];
		if (rq.options) {
			var most = Math.max.apply(null, rq.options.map(function (o) { return o.count || 0; }).concat([0]));
			kids.push(el('table', {'class': 'shared-table'}, [
				el('caption', {'class': 'visually-hidden', lang: lang, text: V.text(doc, q.label, lang)}),
				el('thead', {}, [el('tr', {}, [el('th', {scope: 'col', text: t('results_answer')}),
					el('th', {scope: 'col', text: t('results_people')})])]),
				el('tbody', {}, rq.options.map(function (o) {
					return el('tr', {}, [
						el('th', {scope: 'row', lang: lang, dir: K.langDir(lang),
							text: optionLabel(doc, q, o.value, lang)}),
						el('td', {}, [el('span', {'class': 'shared-n', text: countText(o.count, k)}),
							bar(o.count, most)])]);
				}))]));
		} else {
			kids.push(el('p', {'class': 'shared-mean', text: rq.mean === null ? t('results_no_mean', {k: k})
				: t('results_mean', {mean: String(rq.mean)})}));
		}
		return el('section', {'class': 'shared-q'}, kids);
	}

	function resultsScreen(id) {
		K.api('GET', '/api/results/' + encodeURIComponent(id)).then(function (r) {
			var back = el('button', {type: 'button', 'class': 'primary', id: 'shared-back',
				text: t('results_back'), onclick: function () { K.wipe(); }});
			if (r.status !== 200) {
				K.show([el('h1', {text: t('results_title')}), el('p', {text: t('results_none')}), back], '');
				return;
			}
			var doc = r.data.questionnaire, res = r.data.results, lang = langOf(doc);
			var region = regionName(r.data.region);
			var nodes = [el('h1', {}, [el('span', {text: t('results_title') + ': '}),
				el('span', {lang: lang, dir: K.langDir(lang), text: V.text(doc, doc.title, lang)})])];
			if (!res || res.total === null) {
				nodes.push(el('p', {id: 'shared-not-yet', text: t('results_not_yet',
					{region: region, k: res ? res.k : 10})}));
			} else {
				nodes.push(el('p', {'class': 'lead', id: 'shared-total', text: t('results_total',
					{n: res.total, region: region})}));
				nodes.push(el('p', {'class': 'hint', text: t('results_rule', {k: res.k})}));
				res.questions.forEach(function (rq) { nodes.push(questionBlock(doc, rq, res.k, lang)); });
			}
			nodes.push(el('div', {'class': 'footer-actions'}, [back]));
			K.show(nodes, t('results_title'));
			/* Back to the welcome screen when left alone, as everywhere. */
			K.idleArm((K.kiosk && K.kiosk.idle_timeout_s) || 90, function () { K.wipe(); });
		});
	}

	K.addSection('welcome', welcomeSection);
	K.addSection('thanks', thanksSection);
	window.FsResults = {show: resultsScreen};
})();
