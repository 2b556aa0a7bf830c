// fieldsync console: Results (docs/console.md, "Results"): per
// questionnaire the responses over time and, for every question, the
// distribution of its answers, each as an SVG chart with the same numbers
// in a table beside it; filters by region, kiosk, dates, language and
// mode; free-text answers for analysts and admins. A viewer is sent only
// suppressed figures (a count under k arrives as null, shown "fewer than
// k") and no free text: the hub decides (GET /api/results), the page only
// shows what it was given.
(function () {
	'use strict';
	const C = window.FsConsole;
	const el = C.el;
	let seq = 0;

	const TYPE_NAMES = {single_choice: 'one choice', multi_choice: 'several choices', yes_no: 'yes or no',
		consent: 'consent', scale: 'scale', number: 'number', date: 'date', text: 'free text'};

	// A cell's text: its count, or "fewer than k".
	function cellText(c, k) {
		if (!c)
			return '0';
		return c.suppressed ? `fewer than ${k}` : String(c.count);
	}

	function plural(n, one, many) {
		return `${n} ${n === 1 ? one : many}`;
	}

	// A horizontal bar chart (role=img, title and desc) with a table of the
	// same rows beside it. rows: [{label, cell}]; every bar carries its
	// number as text, and a hidden count is drawn hatched with its words,
	// so colour is never the only cue.
	function distribution(title, rows, k, header, note) {
		const id = `res${++seq}`;
		const counts = rows.map((r) => (r.cell && !r.cell.suppressed ? r.cell.count : 0));
		const max = Math.max(1, ...counts);
		const rowH = 32, labelW = 190, numW = 120, W = 480, barW = W - labelW - numW;
		const H = Math.max(1, rows.length) * rowH + 8;
		const shown = rows.filter((r) => r.cell && !r.cell.suppressed);
		const hidden = rows.length - shown.length;
		const desc = rows.length === 0 ? 'No answers.'
			: `${plural(rows.length, 'bar', 'bars')}` +
			(hidden ? `, ${hidden} of them hidden because the count is small (fewer than ${k})` : '') +
			'. ' + rows.map((r) => `${r.label}: ${cellText(r.cell, k)}`).join('; ') + '.';
		const svg = el('svg', {viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-labelledby': `${id}-t ${id}-d`,
			focusable: 'false', class: 'res-bars'},
		el('title', {svg: true, id: `${id}-t`}, title),
		el('desc', {svg: true, id: `${id}-d`}, desc),
		el('defs', {svg: true}, el('pattern', {svg: true, id: `${id}-hatch`, width: 8, height: 8,
			patternUnits: 'userSpaceOnUse', patternTransform: 'rotate(45)'},
		el('rect', {svg: true, width: 8, height: 8, fill: '#fff'}),
		el('line', {svg: true, x1: 0, y1: 0, x2: 0, y2: 8, stroke: '#1b1b1b', 'stroke-width': 3}))));
		rows.forEach((r, i) => {
			const y = 4 + i * rowH;
			const label = r.label.length > 22 ? r.label.slice(0, 21) + '…' : r.label;
			svg.appendChild(el('text', {svg: true, x: labelW - 8, y: y + rowH / 2 + 5, 'text-anchor': 'end',
				'font-size': 15, fill: '#1b1b1b'}, label));
			const sup = r.cell && r.cell.suppressed;
			const w = sup ? Math.max(12, barW * 0.04) : barW * (counts[i] / max);
			svg.appendChild(el('rect', {svg: true, x: labelW, y: y + 4, width: Math.max(counts[i] || sup ? 2 : 0, w),
				height: rowH - 8, fill: sup ? `url(#${id}-hatch)` : '#1d4f91',
				stroke: sup ? '#1b1b1b' : 'none'}));
			svg.appendChild(el('text', {svg: true, x: labelW + w + 6, y: y + rowH / 2 + 5, 'font-size': 15,
				fill: '#1b1b1b', 'font-weight': 700}, cellText(r.cell, k)));
		});
		return el('div', {class: 'chart res-chart'},
			el('figure', {}, el('figcaption', {}, title), svg, note ? el('p', {class: 'hint'}, note) : null),
			el('div', {class: 'chart-table'}, C.table(`${title} (table)`, [
				{label: header, value: (r) => r.label},
				{label: 'Responses', value: (r) => cellText(r.cell, k), num: true}
			], rows, 'No answers.')));
	}

	// Responses per day: vertical bars, each with its number above it.
	function daysChart(days, k) {
		const id = `res${++seq}`;
		const list = days.slice(-62);
		const counts = list.map((d) => (d.suppressed ? 0 : d.count));
		const max = Math.max(1, ...counts);
		const W = 480, H = 240, left = 8, bottom = 36, top = 24;
		const bw = Math.min(48, (W - left - 8) / Math.max(1, list.length));
		const long = (day) => new Date(day + 'T12:00:00Z').toLocaleDateString('en-GB',
			{weekday: 'short', day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC'});
		const svg = el('svg', {viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-labelledby': `${id}-t ${id}-d`,
			focusable: 'false'},
		el('title', {svg: true, id: `${id}-t`}, 'Responses per day'),
		el('desc', {svg: true, id: `${id}-d`}, list.length === 0 ? 'No responses.'
			: list.map((d) => `${long(d.day)}: ${cellText(d, k)}`).join('; ') + '.'),
		el('defs', {svg: true}, el('pattern', {svg: true, id: `${id}-hatch`, width: 8, height: 8,
			patternUnits: 'userSpaceOnUse', patternTransform: 'rotate(45)'},
		el('rect', {svg: true, width: 8, height: 8, fill: '#fff'}),
		el('line', {svg: true, x1: 0, y1: 0, x2: 0, y2: 8, stroke: '#1b1b1b', 'stroke-width': 3}))));
		svg.appendChild(el('line', {svg: true, x1: left, y1: H - bottom, x2: W - 4, y2: H - bottom,
			stroke: '#1b1b1b'}));
		const font = list.length > 31 ? 8 : list.length > 14 ? 10 : 13;
		const start = left + Math.max(0, (W - left - 8 - bw * list.length) / 2);
		list.forEach((d, i) => {
			const x = start + i * bw + 1, w = Math.max(1, bw - 2);
			const h = d.suppressed ? 10 : (H - bottom - top) * (d.count / max);
			svg.appendChild(el('rect', {svg: true, x, y: H - bottom - h, width: w, height: h,
				fill: d.suppressed ? `url(#${id}-hatch)` : '#1d4f91', stroke: d.suppressed ? '#1b1b1b' : 'none'}));
			svg.appendChild(el('text', {svg: true, x: x + w / 2, y: H - bottom - h - 4, 'text-anchor': 'middle',
				'font-size': font, fill: '#1b1b1b', 'font-weight': 700}, d.suppressed ? `<${k}` : String(d.count)));
			const every = Math.ceil(list.length / 10);
			if (i % every === 0 || i === list.length - 1)
				svg.appendChild(el('text', {svg: true, x: x + w / 2, y: H - bottom + 16, 'text-anchor': 'middle',
					'font-size': 11, fill: '#1b1b1b'}, d.day.slice(8, 10) + '/' + d.day.slice(5, 7)));
		});
		return el('div', {class: 'chart res-chart'},
			el('figure', {}, el('figcaption', {}, 'Responses per day'), svg,
				days.length > list.length ? el('p', {class: 'hint'},
					`The chart shows the last ${list.length} days with responses; the table lists all ${days.length}.`) : null,
				el('p', {class: 'hint'}, 'Days with no response are left out. A hatched bar marked "<' + k +
					'" is a day with fewer than ' + k + ' responses.')),
			el('div', {class: 'chart-table'}, C.table('Responses per day (table)', [
				{label: 'Day', value: (d) => long(d.day)},
				{label: 'Responses', value: (d) => cellText(d, k), num: true}
			], days, 'No responses.')));
	}

	function statesLine(q, k) {
		const parts = [`answered ${cellText(q.answered, k)}`];
		const add = (key, words) => {
			const c = q[key];
			if (c && (c.suppressed || c.count > 0))
				parts.push(`${words} ${cellText(c, k)}`);
		};
		add('skipped', 'skipped (not shown, by an earlier answer)');
		add('blank', 'left blank');
		add('not_asked', 'not in the version answered');
		add('other', 'answered in another form');
		return el('p', {}, parts.join('; ') + '.');
	}

	function number(v) {
		return typeof v === 'number' ? (Number.isInteger(v) ? String(v) : v.toFixed(2)) : '-';
	}

	function textList(q, data, state) {
		const t = q.texts;
		const items = t.items;
		const list = el('ol', {class: 'res-texts', start: t.offset + 1});
		for (const it of items)
			list.appendChild(el('li', {lang: it.language || undefined},
				el('blockquote', {}, it.answer),
				el('p', {class: 'hint'}, C.formatTime(it.submitted_at))));
		const box = el('div', {class: 'res-text-box', id: `res-texts-${q.id}`},
			el('h4', {}, items.length ? `Free-text answers ${t.offset + 1} to ${t.offset + items.length}, newest first`
				: 'Free-text answers'),
			items.length === 0 ? el('p', {}, 'No answers to show.') : list);
		const nav = el('div', {class: 'actions'});
		if (t.offset > 0)
			nav.appendChild(el('button', {type: 'button', class: 'secondary', on: {click: () =>
				state.page(q.id, Math.max(0, t.offset - t.limit))}}, 'Newer answers'));
		if (t.more && t.offset + t.limit < 200)
			nav.appendChild(el('button', {type: 'button', class: 'secondary', on: {click: () =>
				state.page(q.id, t.offset + t.limit)}}, 'Older answers'));
		if (nav.childNodes.length)
			box.appendChild(nav);
		return box;
	}

	function questionSection(q, data, state) {
		const k = data.suppression.k;
		const hid = `res-q-${q.id}`;
		const s = el('section', {class: 'res-question', 'aria-labelledby': hid},
			el('h3', {id: hid}, q.label, ' ', el('span', {class: 'hint'}, `(${q.id}, ${TYPE_NAMES[q.type] || q.type})`)));
		if (q.suppressed) {
			s.appendChild(el('p', {}, `Hidden: fewer than ${k} responses match these filters.`));
			return s;
		}
		s.appendChild(statesLine(q, k));
		if (q.options)
			s.appendChild(distribution(q.label, q.options.map((o) => ({label: o.label, cell: o})), k, 'Answer',
				q.type === 'multi_choice' ? 'Each response may choose several: the counts add up to more than those who answered.' : null));
		if (q.values)
			s.appendChild(distribution(q.label, q.values.map((v) => ({label: number(v.value), cell: v})), k, 'Value'));
		else if (q.values === null)
			s.appendChild(el('p', {}, 'More distinct values than can be listed: see the figures below.'));
		if (q.stats)
			s.appendChild(el('p', {}, `Mean ${number(q.stats.mean)}, median ${q.stats.median_exact ? '' : 'about '}${number(q.stats.median)}` +
				(q.stats.min !== undefined ? `, lowest ${number(q.stats.min)}, highest ${number(q.stats.max)}` : '') +
				` (${plural(q.stats.count, 'answer', 'answers')}).`));
		else if (q.stats === null && (q.type === 'scale' || q.type === 'number'))
			s.appendChild(el('p', {class: 'hint'}, `No mean or median: fewer than ${k} answers, or their count is hidden.`));
		if (q.months) {
			const name = (m) => new Date(m + '-15T12:00:00Z').toLocaleDateString('en-GB', {month: 'long', year: 'numeric', timeZone: 'UTC'});
			s.appendChild(distribution(q.label, q.months.map((m) => ({label: name(m.month), cell: m})), k, 'Month'));
		}
		if (q.texts)
			s.appendChild(textList(q, data, state));
		return s;
	}

	function summary(data) {
		const k = data.suppression.k;
		const kids = [el('p', {class: 'res-total'}, el('strong', {}, cellText(data.total, k)),
			data.total.suppressed ? ' responses: too few to show any figures.' : ` ${data.total.count === 1 ? 'response' : 'responses'}.`)];
		kids.push(el('p', {class: 'hint'}, `Versions ${data.versions.join(', ')}; days in ${data.time_zone === 'UTC' ? 'UTC' : 'UK time (Europe/London)'}.`));
		if (data.suppression.applied)
			kids.push(el('p', {class: 'notice'}, `Small numbers are hidden: a count from 1 to ${k - 1} is shown as “fewer than ${k}”, ` +
				'and where one could be worked out from the others, another is hidden with it. Free-text answers are not shown.'));
		return el('section', {'aria-labelledby': 'res-summary'}, el('h2', {id: 'res-summary'}, data.title), kids);
	}

	function filterForm(pick, kiosks, state) {
		const sel = (id, options) => el('select', {id}, options.map(([v, t]) => el('option', {value: v}, t)));
		const q = sel('res-q', pick.map((p) => [p.id, `${p.title || p.id} (${p.id})`]));
		const regions = [...new Set(kiosks.map((k) => k.region))].sort();
		const region = sel('res-region', [['', 'All my regions'], ...regions.map((r) => [r, r])]);
		const site = sel('res-site', [['', 'All kiosks'], ...kiosks.map((k) => [k.site, `${k.name || k.site} (${k.region})`])]);
		const from = el('input', {id: 'res-from', type: 'date'});
		const to = el('input', {id: 'res-to', type: 'date'});
		const lang = el('input', {id: 'res-lang', type: 'text', autocomplete: 'off', spellcheck: 'false', maxlength: 39});
		const mode = sel('res-mode', [['', 'Both'], ['self', 'On their own'], ['assisted', 'With a worker']]);
		const tz = sel('res-tz', [['Europe/London', 'UK time'], ['UTC', 'UTC']]);
		for (const [input, key] of [[q, 'questionnaire'], [region, 'region'], [site, 'site'], [from, 'from'], [to, 'to'],
			[lang, 'language'], [mode, 'mode'], [tz, 'tz']])
			if (state.filters[key])
				input.value = state.filters[key];
		const form = el('form', {class: 'res-filters panel', 'aria-labelledby': 'res-filter-h', novalidate: true},
			el('h2', {id: 'res-filter-h'}, 'Filters'),
			el('div', {class: 'res-grid'},
				C.field('Questionnaire', q),
				C.field('Region', region),
				C.field('Kiosk', site),
				C.field('From (inclusive)', from),
				C.field('To (inclusive)', to),
				C.field('Language of the answers', lang, 'A language tag such as en or cy; empty for all.'),
				C.field('How it was filled in', mode),
				C.field('Days in', tz)),
			el('div', {class: 'actions'}, el('button', {type: 'submit'}, 'Show results')));
		form.addEventListener('submit', (ev) => {
			ev.preventDefault();
			state.filters = {questionnaire: q.value, region: region.value, site: site.value, from: from.value,
				to: to.value, language: lang.value.trim(), mode: mode.value, tz: tz.value};
			state.load();
		});
		return form;
	}

	C.page('results', {
		title: 'Results',
		order: 30,
		async render(root) {
			const [pick, overview] = await Promise.all([
				C.api('GET', '/api/results/questionnaires'),
				C.api('GET', '/api/overview').catch(() => ({kiosks: []}))]);
			const out = el('div', {id: 'res-out', 'aria-live': 'polite'});
			const state = {filters: {}, shown: {}};
			if (pick.questionnaires.length === 0) {
				root.appendChild(el('p', {}, 'No questionnaire is published yet.'));
				return;
			}
			state.filters.questionnaire = pick.questionnaires[0].id;
			state.load = async (focusId) => {
				const p = new URLSearchParams();
				for (const [key, v] of Object.entries(state.filters))
					if (v)
						p.set(key, v);
				out.setAttribute('aria-busy', 'true');
				try {
					const data = await C.api('GET', '/api/results?' + p.toString());
					state.shown = Object.assign({}, state.filters);
					C.clearError();
					out.textContent = '';
					out.appendChild(summary(data));
					if (!data.total.suppressed) {
						out.appendChild(el('section', {'aria-labelledby': 'res-days'},
							el('h2', {id: 'res-days'}, 'Responses over time'), daysChart(data.days, data.suppression.k)));
					}
					const qs = el('section', {'aria-labelledby': 'res-questions'}, el('h2', {id: 'res-questions'}, 'Questions'));
					for (const q of data.questions)
						qs.appendChild(questionSection(q, data, state));
					out.appendChild(qs);
					C.announce(`Results of ${data.title}: ${cellText(data.total, data.suppression.k)} responses`);
					if (focusId) {
						const h = document.getElementById(focusId);
						if (h) {
							h.setAttribute('tabindex', '-1');
							h.focus();
						}
					}
				} catch (e) {
					out.textContent = '';
					C.showError(e.message);
				} finally {
					out.removeAttribute('aria-busy');
				}
			};
			// Older or newer free-text answers of one question: only its
			// list is fetched again and replaced, focus kept on it.
			state.page = async (qid, offset) => {
				const p = new URLSearchParams();
				for (const [key, v] of Object.entries(state.shown))
					if (v)
						p.set(key, v);
				p.set('text_question', qid);
				p.set('text_offset', String(offset));
				try {
					const data = await C.api('GET', '/api/results?' + p.toString());
					const q = data.questions.find((x) => x.id === qid);
					const old = document.getElementById(`res-texts-${qid}`);
					if (!q || !q.texts || !old)
						return;
					const box = textList(q, data, state);
					old.replaceWith(box);
					const h = box.querySelector('h4');
					h.setAttribute('tabindex', '-1');
					h.focus();
					C.announce(`Answers ${offset + 1} to ${offset + q.texts.items.length}`);
				} catch (e) {
					C.showError(e.message);
				}
			};
			root.appendChild(filterForm(pick.questionnaires, overview.kiosks || [], state));
			root.appendChild(out);
			await state.load();
		}
	});
})();
