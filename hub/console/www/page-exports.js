// fieldsync console: Exports (docs/console.md, "Exports"): download what
// `fieldsync-hub export` writes, as CSV or XLSX, for the regions the user
// is granted. GET /api/export/questionnaires lists what may be chosen; GET
// /api/export?... is the file (fetched, so an error is shown here, then
// saved through a link with the file's name).
(function () {
	'use strict';
	const C = window.FsConsole;
	const el = C.el;

	function browserZone() {
		try {
			return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
		} catch (e) {
			return 'UTC';
		}
	}

	function option(value, text, selected) {
		return el('option', {value, selected: selected || undefined}, text);
	}

	function filenameOf(res, fallback) {
		const m = /filename="([^"]+)"/.exec(res.headers.get('Content-Disposition') || '');
		return m ? m[1] : fallback;
	}

	async function render(root) {
		const data = await C.api('GET', '/api/export/questionnaires');
		const me = C.user();
		const what = el('select', {id: 'ex-what'},
			option('responses', 'Responses', true), option('contacts', 'Contacts'),
			option('conflicts', 'Conflicts'));
		const qsel = el('select', {id: 'ex-q'},
			option('', 'Every questionnaire (XLSX only)'),
			data.questionnaires.map((q, i) => option(q.id, `${q.title} (${q.id})`, i === 0)));
		const region = me.regions.length > 0
			? el('select', {id: 'ex-region'}, option('', 'All my regions', true),
				me.regions.map((r) => option(r, r)))
			: el('input', {id: 'ex-region', type: 'text', autocomplete: 'off', spellcheck: 'false',
				pattern: '[a-z0-9][a-z0-9-]{0,63}'});
		const csv = el('input', {type: 'radio', name: 'ex-format', id: 'ex-csv', value: 'csv', checked: true});
		const xlsx = el('input', {type: 'radio', name: 'ex-format', id: 'ex-xlsx', value: 'xlsx'});
		const labels = el('input', {type: 'checkbox', id: 'ex-labels'});
		const language = el('select', {id: 'ex-language'});
		const lists = el('input', {type: 'checkbox', id: 'ex-lists'});
		const bom = el('input', {type: 'checkbox', id: 'ex-bom', checked: true});
		const tz = el('input', {id: 'ex-tz', type: 'text', value: browserZone(), autocomplete: 'off',
			spellcheck: 'false', list: 'ex-zones'});
		const zones = el('datalist', {id: 'ex-zones'},
			['Europe/London', 'UTC', browserZone()].filter((z, i, a) => a.indexOf(z) === i)
				.map((z) => el('option', {value: z})));
		const error = el('p', {class: 'field-error', id: 'ex-error', role: 'alert', hidden: true});
		const done = el('p', {id: 'ex-done', hidden: true});

		function languages() {
			const q = data.questionnaires.find((x) => x.id === qsel.value);
			const list = q ? q.languages : [];
			language.textContent = '';
			language.appendChild(option('', q ? `Default (${list[0]})` : 'Each questionnaire\'s default', true));
			for (const l of list)
				language.appendChild(option(l, l));
		}
		function sync() {
			const responses = what.value === 'responses';
			qsel.disabled = !responses;
			labels.disabled = !responses;
			language.disabled = !responses || !labels.checked;
			bom.disabled = !csv.checked;
		}
		for (const e of [what, qsel, csv, xlsx, labels])
			e.addEventListener('change', () => { if (e === qsel) languages(); sync(); });
		languages();
		sync();

		const form = el('form', {'aria-labelledby': 'ex-h', novalidate: true},
			el('h2', {id: 'ex-h'}, 'Download an export'),
			C.field('What', what),
			C.field('Questionnaire', qsel, 'Responses as CSV need one questionnaire: its questions are the columns.'),
			C.field('Region', region, me.regions.length > 0 ? 'Only the regions you are granted.' : 'Leave empty for every region.'),
			el('fieldset', {},
				el('legend', {}, 'Format'),
				el('div', {class: 'choice'}, csv, el('label', {for: 'ex-csv'}, 'CSV (comma-separated text)')),
				el('div', {class: 'choice'}, xlsx, el('label', {for: 'ex-xlsx'}, 'XLSX (Excel workbook: typed cells, a sheet per version, a codebook)'))),
			el('fieldset', {},
				el('legend', {}, 'Options'),
				el('div', {class: 'choice'}, labels, el('label', {for: 'ex-labels'}, 'Option labels instead of values')),
				C.field('Language of the labels', language),
				el('div', {class: 'choice'}, lists, el('label', {for: 'ex-lists'}, 'Multiple-choice answers as one cell of JSON (not a 0/1 column per option)')),
				el('div', {class: 'choice'}, bom, el('label', {for: 'ex-bom'}, 'Byte-order mark, so that Excel reads the CSV as UTF-8'))),
			C.field('Time zone of the times', tz, 'An IANA name such as Europe/London; UTC for none.'),
			zones,
			error,
			el('div', {class: 'actions'}, el('button', {type: 'submit', id: 'ex-go'}, 'Download')),
			done);

		form.addEventListener('submit', async (ev) => {
			ev.preventDefault();
			error.hidden = true;
			done.hidden = true;
			const format = xlsx.checked ? 'xlsx' : 'csv';
			const p = new URLSearchParams({kind: what.value, format});
			if (what.value === 'responses' && qsel.value)
				p.set('questionnaire', qsel.value);
			if (region.value)
				p.set('region', region.value);
			if (what.value === 'responses' && labels.checked) {
				p.set('labels', '1');
				if (language.value)
					p.set('language', language.value);
			}
			if (lists.checked)
				p.set('multi', 'json');
			if (format === 'csv' && !bom.checked)
				p.set('bom', '0');
			if (tz.value.trim())
				p.set('tz', tz.value.trim());
			const button = form.querySelector('#ex-go');
			button.disabled = true;
			try {
				const res = await fetch(`/api/export?${p}`, {credentials: 'same-origin'});
				if (!res.ok) {
					let msg = `the hub answered ${res.status}`;
					try {
						msg = (await res.json()).message || msg;
					} catch (e) { /* not JSON */ }
					throw new Error(msg);
				}
				const blob = await res.blob();
				const name = filenameOf(res, `export.${format}`);
				const url = URL.createObjectURL(blob);
				const a = el('a', {href: url, download: name, hidden: true});
				document.body.appendChild(a);
				a.click();
				a.remove();
				setTimeout(() => URL.revokeObjectURL(url), 60000);
				done.textContent = `Downloaded ${name} (${blob.size} bytes).`;
				done.hidden = false;
				C.announce(done.textContent);
			} catch (e) {
				error.textContent = `The export failed: ${e.message}`;
				error.hidden = false;
			} finally {
				button.disabled = false;
			}
		});
		root.appendChild(el('p', {}, 'Exports hold personal data: keep the files where only the people who need them can read them. Every download is recorded in the audit trail.'));
		root.appendChild(form);
	}

	C.page('exports', {title: 'Exports', roles: ['analyst', 'admin'], order: 70, render});
})();
