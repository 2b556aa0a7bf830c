// fieldsync console: Updates (docs/console.md, "Updates"): "you said, we
// did" updates the kiosks show on their welcome screen and after a person
// answers the questionnaire an update is linked to. Every role sees the
// list of the regions it sees; admins publish one (title and text in one
// or more languages, dates, a region or every region, an optional image)
// and remove one. The same calls as `fieldsync-hub update` (GET
// /api/updates, POST /api/updates/*); a change reaches the kiosks at
// their next sync.
(function () {
	'use strict';
	const C = window.FsConsole;
	const el = C.el, act = C.act;
	const IMAGE_MAX = 1024 * 1024; // the file; the hub keeps at most 160 KiB of it, cleaned

	function firstText(texts) {
		const k = Object.keys(texts || {})[0];
		return k ? texts[k] : '';
	}

	// The file as base64 (without the data: prefix).
	function readBase64(file) {
		return new Promise((resolve, reject) => {
			const r = new FileReader();
			r.onload = () => resolve(String(r.result).replace(/^data:[^,]*,/, ''));
			r.onerror = () => reject(new Error('The image file could not be read.'));
			r.readAsDataURL(file);
		});
	}

	let langSeq = 0;
	function languageBlock(tag, list) {
		const n = ++langSeq, first = list.children.length === 0;
		const lang = el('input', {id: `u-lang-${n}`, value: tag, autocomplete: 'off', autocapitalize: 'none', spellcheck: 'false', size: 8});
		const title = el('input', {id: `u-title-${n}`, maxlength: 120, autocomplete: 'off'});
		const text = el('textarea', {id: `u-text-${n}`, rows: 4, maxlength: 1000});
		const box = el('fieldset', {class: 'u-lang'},
			el('legend', {}, first ? 'Language (shown when the person\'s language is not there)' : 'Another language'),
			C.field('Language tag', lang, 'For example en, cy, pl or pa-Guru.'),
			C.field('Title', title, 'At most 120 characters, one line.'),
			C.field('Text', text, 'At most 1000 characters. Say what people told you and what changed.'));
		if (!first)
			box.appendChild(el('div', {class: 'actions'}, el('button', {type: 'button', class: 'secondary',
				on: {click: () => box.remove()}}, 'Remove this language')));
		box.read = () => ({lang: lang.value.trim(), title: title.value.trim(), text: text.value.trim()});
		list.appendChild(box);
		return box;
	}

	function addForm(reload, everywhere) {
		const target = el('input', {id: 'u-target', autocomplete: 'off', autocapitalize: 'none', spellcheck: 'false',
			value: everywhere ? '*' : ''});
		const qn = el('input', {id: 'u-questionnaire', autocomplete: 'off', autocapitalize: 'none', spellcheck: 'false'});
		const starts = el('input', {id: 'u-starts', type: 'date'});
		const ends = el('input', {id: 'u-ends', type: 'date'});
		const image = el('input', {id: 'u-image', type: 'file', accept: 'image/png,image/jpeg'});
		const langs = el('div');
		languageBlock('en', langs);
		const form = el('form', {'aria-labelledby': 'u-add', novalidate: true},
			C.field('Region', target, everywhere ? 'A region name, or * for every region.' : 'One of your regions.'),
			langs,
			el('div', {class: 'actions'}, el('button', {type: 'button', class: 'secondary',
				on: {click: () => languageBlock('', langs).querySelector('input').focus()}}, 'Add a language')),
			C.field('Linked questionnaire (optional)', qn, 'Its id, for example visit: the update is also shown after a person answers it.'),
			C.field('Shown from', starts),
			C.field('Shown until', ends, 'Inclusive, by each kiosk\'s date.'),
			C.field('Image (optional)', image, 'PNG or JPEG, at most 2048 pixels a side. Its metadata (camera, place, author) is removed; it must then be at most 160 KiB. Describe what it shows in the text.'),
			el('div', {class: 'actions'}, el('button', {type: 'submit'}, 'Publish update')));
		form.addEventListener('submit', async (ev) => {
			ev.preventDefault();
			C.clearError();
			const body = {target: target.value.trim(), title: {}, text: {}, starts: starts.value, ends: ends.value};
			for (const box of langs.children) {
				const v = box.read();
				body.title[v.lang] = v.title;
				body.text[v.lang] = v.text;
			}
			if (qn.value.trim())
				body.questionnaire = qn.value.trim();
			const file = image.files && image.files[0];
			if (file) {
				if (file.size > IMAGE_MAX) {
					C.showError('The image file is over 1 MiB: make it smaller first.');
					return;
				}
				try {
					body.image = await readBase64(file);
				} catch (e) {
					C.showError(e.message);
					return;
				}
			}
			const r = await act(() => C.api('POST', '/api/updates/add', body),
				'Update published: the kiosks show it after their next sync', reload);
			if (r !== null) {
				langs.textContent = '';
				languageBlock('en', langs);
				image.value = '';
			}
		});
		return el('section', {class: 'panel', 'aria-labelledby': 'u-add'}, el('h2', {id: 'u-add'}, 'Publish an update'), form);
	}

	C.page('updates', {
		title: 'Updates',
		order: 45,
		async render(root) {
			C.clearError();
			const list = el('div');
			root.appendChild(el('p', {class: 'hint'}, '"You said, we did": what changed because of what people told you. The kiosks show current updates on their welcome screen, and after a person answers the questionnaire an update is linked to.'));
			const reload = async () => {
				const data = await C.api('GET', '/api/updates');
				list.textContent = '';
				const columns = [
					{label: 'Title', value: (u) => firstText(u.title)},
					{label: 'Region', value: (u) => u.target === '*' ? 'every region' : u.target},
					{label: 'Shown', value: (u) => `${u.starts} to ${u.ends}`},
					{label: 'Languages', value: (u) => Object.keys(u.title).join(', ')},
					{label: 'Questionnaire', value: (u) => u.questionnaire || '—'},
					{label: 'Image', value: (u) => u.image ? `${u.image.width}×${u.image.height}` : 'none'}];
				if (data.manage)
					columns.push({label: 'Action', value: (u) => {
						const label = firstText(u.title);
						const yes = el('button', {type: 'button', class: 'danger', hidden: true,
							on: {click: () => act(() => C.api('POST', '/api/updates/remove', {id: u.id}),
								`Update "${label}" removed: the kiosks stop showing it after their next sync`, reload)}},
						`Yes, remove "${label}"`);
						return el('div', {class: 'actions'},
							el('button', {type: 'button', class: 'secondary', 'aria-label': `Remove "${label}"`, on: {click: () => {
								yes.hidden = false;
								yes.focus();
							}}}, 'Remove'), yes);
					}});
				list.appendChild(C.table('Updates', columns, data.updates, 'No updates yet.'));
				return data;
			};
			root.appendChild(list);
			const data = await reload();
			if (data.manage)
				root.appendChild(addForm(reload, data.everywhere));
		}
	});
})();
