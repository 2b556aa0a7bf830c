// fieldsync console: Questionnaires (docs/console.md, "Questionnaires"):
// upload a questionnaire file and see its faults with their JSON paths,
// preview it exactly as a kiosk shows it (the kiosk's own page code, in a
// frame that never sends anything), publish it, and choose where kiosks
// offer it, or retire it, and share its results with the kiosks. The same
// calls as `fieldsync-hub publish`, `offer`, `retire`, `share` and
// `questionnaires` (GET /api/questionnaires, POST /api/questionnaires/*).
(function () {
	'use strict';
	const C = window.FsConsole;
	const el = C.el;
	const MAX_BYTES = 1 << 20; // the API's cap (HUB_QUESTIONNAIRE_UPLOAD_MAX)

	// The default language's text of a text object.
	function text(doc, t) {
		if (!t)
			return '';
		return t[doc.languages[0]] || Object.values(t)[0] || '';
	}

	function localToday() {
		const d = new Date();
		const p = (n) => String(n).padStart(2, '0');
		return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
	}

	// The preview frame's document: the kiosk's own index.html with its
	// files from /kiosk/, without the start (app.js) and worker mode, and
	// the preview host last (kiosk-preview.js).
	let kioskHtml = null;
	async function previewSource() {
		if (kioskHtml === null) {
			const r = await fetch('/kiosk/index.html', {credentials: 'same-origin'});
			if (!r.ok)
				throw new Error('the kiosk page is not available');
			kioskHtml = await r.text();
		}
		return kioskHtml
			.replace(/(src|href)="\//g, '$1="/kiosk/')
			.replace(/<script src="\/kiosk\/(app|worker)\.js"[^>]*><\/script>\s*/g, '')
			.replace('</head>', '<script src="/kiosk-preview.js" defer></script>\n</head>');
	}

	async function showPreview(box, doc) {
		box.textContent = '';
		const frame = el('iframe', {class: 'kiosk-preview', id: 'q-preview-frame',
			title: `Preview of ${text(doc, doc.title)} as a kiosk shows it`});
		const note = el('p', {class: 'hint', id: 'q-preview-note', 'aria-live': 'polite'},
			'This is the kiosk’s own page. Answers given here are never saved or sent.');
		frame.fsPreview = {doc, today: localToday(), onSubmit: () => {
			note.textContent = 'Sent in the preview: the kiosk now thanks the person, but nothing was saved or sent.';
		}};
		box.appendChild(note);
		box.appendChild(frame);
		frame.srcdoc = await previewSource();
	}

	function errorList(errors) {
		return el('ul', {class: 'q-errors', id: 'q-errors'}, errors.map((e) =>
			el('li', {}, el('code', {class: 'q-path'}, e.path), ': ', e.message)));
	}

	function uploadPanel(reload) {
		const input = el('input', {id: 'q-file', type: 'file', accept: '.json,application/json'});
		const result = el('div', {id: 'q-result', 'aria-live': 'polite'});
		const preview = el('div', {id: 'q-preview'});
		let current = null; // {text, doc}

		async function publish() {
			C.clearError();
			try {
				const r = await C.api('POST', '/api/questionnaires/publish', {text: current.text});
				const done = r.already ? `${r.id} version ${r.version} was already published`
					: `Published ${r.id} version ${r.version}`;
				result.appendChild(el('p', {class: 'notice', id: 'q-published'}, done));
				C.announce(done);
				await reload();
			} catch (e) {
				C.showError(e.message);
			}
		}

		input.addEventListener('change', async () => {
			C.clearError();
			result.textContent = '';
			preview.textContent = '';
			current = null;
			const file = input.files[0];
			if (!file)
				return;
			if (file.size > MAX_BYTES) {
				C.showError(`${file.name} is ${file.size} bytes; a questionnaire may have at most ${MAX_BYTES}.`);
				return;
			}
			const body = await file.text();
			let r;
			try {
				r = await C.api('POST', '/api/questionnaires/validate', {text: body});
			} catch (e) {
				C.showError(e.message);
				return;
			}
			if (!r.valid) {
				const n = r.errors.length;
				result.appendChild(el('h3', {id: 'q-errors-h'}, `${file.name} cannot be published`));
				result.appendChild(el('p', {}, n === 1
					? 'Fix this and upload the file again (the check stops at the first fault):'
					: `Fix these ${n} faults and upload the file again:`));
				result.appendChild(errorList(r.errors));
				C.showError(`${file.name}: ${r.errors[0].path}: ${r.errors[0].message}`);
				return;
			}
			let doc;
			try {
				doc = JSON.parse(body);
			} catch (e) {
				C.showError(`${file.name} is not JSON`);
				return;
			}
			current = {text: body, doc};
			const q = r.questionnaire;
			result.appendChild(el('p', {class: 'notice', id: 'q-valid'},
				`${file.name} is a valid questionnaire: ${text(doc, q.title)} (${q.id}, version ${q.version}; ` +
				`${q.languages.join(', ')}).`));
			result.appendChild(el('div', {class: 'actions'},
				el('button', {type: 'button', id: 'q-publish', on: {click: publish}},
					`Publish ${q.id} version ${q.version}`),
				el('button', {type: 'button', class: 'secondary', on: {click: () => showPreview(preview, doc)}},
					'Restart the preview')));
			C.announce(`${file.name} is valid; its preview is below`);
			try {
				await showPreview(preview, doc);
			} catch (e) {
				C.showError(e.message);
			}
		});
		return el('section', {class: 'panel', 'aria-labelledby': 'q-upload-h'},
			el('h2', {id: 'q-upload-h'}, 'Upload a questionnaire'),
			C.field('Questionnaire file (JSON)', input,
				'A fieldsync-questionnaire/1 document, at most 1 MiB. It is checked, not published, until you publish it.'),
			result,
			el('h3', {}, 'Preview'),
			preview);
	}

	function offerText(q) {
		const o = q.offers;
		if (q.retired)
			return 'nowhere (retired)';
		if (o.everywhere)
			return o.withdrawn.length ? `everywhere but ${o.withdrawn.join(', ')}` : 'everywhere';
		return o.regions.length ? o.regions.join(', ') : 'nowhere';
	}

	// Offer, withdraw and retire one questionnaire.
	function managePanel(q, regions, reload) {
		const id = `qm-${q.id}`;
		const region = el('select', {id: `${id}-region`},
			regions.map((r) => el('option', {value: r}, r)));
		const other = el('input', {id: `${id}-other`, autocomplete: 'off', spellcheck: 'false'});
		const chosen = () => (other.value.trim() || region.value || '').trim();
		async function act(path, body, done) {
			C.clearError();
			try {
				const r = await C.api('POST', path, body);
				C.announce(r.changed ? done : `${done} (it already was)`);
				await reload(q.id);
			} catch (e) {
				C.showError(e.message);
			}
		}
		const regionActions = el('div', {class: 'actions'},
			el('button', {type: 'button', on: {click: () => chosen() ? act('/api/questionnaires/offer',
				{id: q.id, region: chosen(), offered: true}, `${q.id} offered in ${chosen()}`)
				: C.showError('Choose or type a region.')}}, 'Offer in this region'),
			el('button', {type: 'button', class: 'secondary', on: {click: () => chosen() ? act('/api/questionnaires/offer',
				{id: q.id, region: chosen(), offered: false}, `${q.id} withdrawn from ${chosen()}`)
				: C.showError('Choose or type a region.')}}, 'Withdraw from this region'));
		const allActions = el('div', {class: 'actions'},
			el('button', {type: 'button', on: {click: () => act('/api/questionnaires/offer',
				{id: q.id, region: null, offered: true}, `${q.id} offered everywhere`)}}, 'Offer everywhere'),
			el('button', {type: 'button', class: 'secondary', on: {click: () => act('/api/questionnaires/offer',
				{id: q.id, region: null, offered: false}, `${q.id} withdrawn everywhere`)}}, 'Withdraw everywhere'),
			q.retired
				? el('button', {type: 'button', on: {click: () => act('/api/questionnaires/retire',
					{id: q.id, retired: false}, `${q.id} brought back`)}}, `Bring ${q.id} back`)
				: el('button', {type: 'button', class: 'danger', on: {click: () => act('/api/questionnaires/retire',
					{id: q.id, retired: true}, `${q.id} retired`)}}, `Retire ${q.id}`));
		return el('section', {class: 'panel', 'aria-labelledby': `${id}-h`},
			el('h2', {id: `${id}-h`, tabindex: -1}, `Where kiosks offer ${q.id}`),
			el('p', {id: `${id}-now`}, `Offered now: ${offerText(q)}.`),
			el('p', {class: 'hint'}, 'Kiosks learn a change at their next sync. Withdrawing or retiring only hides ' +
				'it from the welcome screen: a person who started it still submits it, and it is kept.'),
			regions.length ? C.field('Region with kiosks', region) : null,
			C.field('Or another region', other, 'A region name, for kiosks not enrolled yet.'),
			regionActions,
			allActions);
	}

	function sharedText(q) {
		return q.shared ? `yes, k = ${q.shared.k}` : 'no';
	}

	// Shared results (docs/reciprocity.md "Shared results"): the toggle and
	// its k. An admin of every region only (the server says so otherwise).
	function sharePanel(q, reload) {
		const id = `qs-${q.id}`;
		const on = el('input', {type: 'checkbox', id: `${id}-on`});
		on.checked = !!q.shared;
		const k = el('input', {type: 'number', id: `${id}-k`, min: '5', max: '100', step: '1',
			inputmode: 'numeric', value: String(q.shared ? q.shared.k : 10)});
		async function save() {
			C.clearError();
			const kv = Number(k.value);
			if (on.checked && !(Number.isInteger(kv) && kv >= 5 && kv <= 100)) {
				C.showError('k must be a whole number from 5 to 100.');
				k.focus();
				return;
			}
			try {
				const r = await C.api('POST', '/api/questionnaires/share',
					on.checked ? {id: q.id, shared: true, k: kv} : {id: q.id, shared: false});
				C.announce(r.shared ? `${q.id}: results shared with k = ${r.k}`
					: `${q.id}: results no longer shared`);
				await reload(q.id);
			} catch (e) {
				C.showError(e.message);
			}
		}
		return el('section', {class: 'panel', 'aria-labelledby': `${id}-h`},
			el('h2', {id: `${id}-h`}, `Shared results of ${q.id}`),
			el('p', {id: `${id}-now`}, q.shared
				? `Shared now, with k = ${q.shared.k}: kiosks show each region's figures.`
				: 'Not shared: kiosks show no results of it.'),
			el('p', {class: 'hint'}, 'Kiosks show the counts per option and the averages of their own ' +
				'region, computed here; answers never leave the hub, and free text is never shown. No figure ' +
				'comes from fewer than k responses, counts are rounded to 5, and a region’s figures change only ' +
				'after k more responses. The figures are released within the hour and reach kiosks at their next sync.'),
			el('div', {class: 'field'}, el('label', {for: on.id}, on, ' Share the results with the kiosks')),
			C.field('k: the fewest responses a figure may come from (5 to 100)', k),
			el('div', {class: 'actions'},
				el('button', {type: 'button', id: `${id}-save`, on: {click: save}}, 'Save sharing')));
	}

	C.page('questionnaires', {
		title: 'Questionnaires',
		order: 30,
		async render(root) {
			const admin = C.hasRole('admin');
			const list = el('div');
			const manage = el('div');
			const reload = async (selected) => {
				const r = await C.api('GET', '/api/questionnaires');
				const counts = r.questionnaires.some((q) => q.responses !== undefined);
				list.textContent = '';
				list.appendChild(C.table('Published questionnaires', [
					{label: 'Questionnaire', value: (q) => `${q.title || q.id} (${q.id})`},
					{label: 'Versions', value: (q) => q.versions.map((v) => v.version).join(', ')},
					{label: 'Languages', value: (q) => q.languages.join(', ')},
					{label: 'Offered', value: offerText},
					{label: 'Results shared', value: sharedText},
					counts ? {label: 'Responses', num: true, value: (q) => String(q.responses)} : null,
					admin ? {label: 'Action', value: (q) => el('button', {type: 'button', class: 'secondary',
						on: {click: () => {
							manage.textContent = '';
							manage.appendChild(managePanel(q, r.regions, reload));
							manage.appendChild(sharePanel(q, reload));
							manage.querySelector('h2').focus();
						}}}, `Manage ${q.id}`)} : null
				].filter((c) => c !== null), r.questionnaires, 'No questionnaire is published yet.'));
				if (selected) {
					const q = r.questionnaires.find((x) => x.id === selected);
					manage.textContent = '';
					if (q) {
						manage.appendChild(managePanel(q, r.regions, reload));
						manage.appendChild(sharePanel(q, reload));
					}
				}
			};
			if (admin)
				root.appendChild(uploadPanel(() => reload()));
			root.appendChild(el('section', {class: 'panel', 'aria-labelledby': 'q-list-h'},
				el('h2', {id: 'q-list-h'}, 'Published'), list));
			root.appendChild(manage);
			await reload();
		}
	});
})();
