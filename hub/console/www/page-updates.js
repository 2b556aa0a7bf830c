// fieldsync console: Updates (docs/console.md, "Updates"): "you said, we
// did" updates the kiosks show on their welcome screen and after a person
// answers the questionnaire an update is linked to. Every role sees the
// list of the regions it sees; admins publish one (title and text in one
// or more languages, dates, a region or every region, an optional image),
// edit one (not its region) and remove one. The same calls as `fieldsync-hub update` (GET
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
	function languageBlock(tag, list, titleText, textText) {
		const n = ++langSeq, first = list.children.length === 0;
		const lang = el('input', {id: `u-lang-${n}`, value: tag, autocomplete: 'off', autocapitalize: 'none', spellcheck: 'false', size: 8});
		const title = el('input', {id: `u-title-${n}`, maxlength: 120, autocomplete: 'off', value: titleText || ''});
		const text = el('textarea', {id: `u-text-${n}`, rows: 4, maxlength: 1000});
		text.value = textText || '';
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

	// The form to publish an update, or to edit u (then its region is fixed).
	function updateForm(reload, everywhere, u) {
		const p = u ? 'ue' : 'u', hid = `${p}-h`;
		const target = el('input', {id: `${p}-target`, autocomplete: 'off', autocapitalize: 'none', spellcheck: 'false',
			value: u ? u.target : everywhere ? '*' : '', readonly: !!u});
		const qn = el('input', {id: `${p}-questionnaire`, autocomplete: 'off', autocapitalize: 'none', spellcheck: 'false',
			value: u && u.questionnaire ? u.questionnaire : ''});
		const starts = el('input', {id: `${p}-starts`, type: 'date', value: u ? u.starts : ''});
		const ends = el('input', {id: `${p}-ends`, type: 'date', value: u ? u.ends : ''});
		const image = el('input', {id: `${p}-image`, type: 'file', accept: 'image/png,image/jpeg'});
		const dropImage = el('input', {id: `${p}-drop-image`, type: 'checkbox'});
		const langs = el('div');
		if (u)
			Object.keys(u.title).forEach((tag) => languageBlock(tag, langs, u.title[tag], u.text[tag]));
		else
			languageBlock('en', langs);
		const form = el('form', {'aria-labelledby': hid, novalidate: true},
			C.field('Region', target, u ? 'An update\'s region cannot change: remove it and publish a new one.'
				: everywhere ? 'A region name, or * for every region.' : 'One of your regions.'),
			langs,
			el('div', {class: 'actions'}, el('button', {type: 'button', class: 'secondary',
				on: {click: () => languageBlock('', langs).querySelector('input').focus()}}, 'Add a language')),
			C.field('Linked questionnaire (optional)', qn, 'Its id, for example visit: the update is also shown after a person answers it.'),
			C.field('Shown from', starts),
			C.field('Shown until', ends, 'Inclusive, by each kiosk\'s date.'),
			C.field(u && u.image ? 'New image (optional)' : 'Image (optional)', image, 'PNG or JPEG, at most 2048 pixels a side. Its metadata (camera, place, author) is removed; it must then be at most 160 KiB. Describe what it shows in the text.'),
			u && u.image ? el('div', {class: 'field check'}, dropImage, el('label', {for: dropImage.id}, 'Remove the current image')) : null,
			el('div', {class: 'actions'}, el('button', {type: 'submit'}, u ? 'Save changes' : 'Publish update')));
		form.addEventListener('submit', async (ev) => {
			ev.preventDefault();
			C.clearError();
			const body = {target: target.value.trim(), title: {}, text: {}, starts: starts.value, ends: ends.value};
			if (u) {
				body.id = u.id;
				body.image = dropImage.checked ? null : true;
			}
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
			const r = await act(() => C.api('POST', u ? '/api/updates/edit' : '/api/updates/add', body),
				u ? 'Update saved: the kiosks show the change after their next sync'
					: 'Update published: the kiosks show it after their next sync', reload);
			if (r !== null && !u) {
				langs.textContent = '';
				languageBlock('en', langs);
				image.value = '';
			}
		});
		return el('section', {class: 'panel', 'aria-labelledby': hid},
			el('h2', {id: hid, tabindex: -1}, u ? `Edit "${firstText(u.title)}"` : 'Publish an update'), form);
	}

	C.page('updates', {
		title: 'Updates',
		order: 45,
		async render(root) {
			C.clearError();
			const list = el('div'), detail = el('div');
			let editing = null;
			root.appendChild(el('p', {class: 'hint'}, '"You said, we did": what changed because of what people told you. The kiosks show current updates on their welcome screen, and after a person answers the questionnaire an update is linked to.'));
			const reload = async () => {
				const data = await C.api('GET', '/api/updates');
				list.textContent = '';
				detail.textContent = '';
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
							el('button', {type: 'button', class: 'secondary', 'aria-label': `Edit "${label}"`, on: {click: () => {
								editing = u.id;
								reload().then(() => {
									const h = detail.querySelector('h2');
									if (h)
										h.focus();
								});
							}}}, 'Edit'),
							el('button', {type: 'button', class: 'secondary', 'aria-label': `Remove "${label}"`, on: {click: () => {
								yes.hidden = false;
								yes.focus();
							}}}, 'Remove'), yes);
					}});
				list.appendChild(C.table('Updates', columns, data.updates, 'No updates yet.'));
				const u = data.updates.find((x) => x.id === editing);
				if (u && data.manage)
					detail.appendChild(updateForm(reload, data.everywhere, u));
				return data;
			};
			root.appendChild(list);
			root.appendChild(detail);
			const data = await reload();
			if (data.manage)
				root.appendChild(updateForm(reload, data.everywhere, null));
		}
	});
})();
