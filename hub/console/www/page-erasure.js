// fieldsync console: Erasure (docs/console.md, "Erasure and audit"),
// admins only: erase a contact, a response or every contact of a
// person_ref, after a confirmation that says what goes and that it cannot
// be undone; and every erasure request with which kiosks have erased it.
// The same calls as `fieldsync-hub erase` and `erasures`
// (POST /api/erasures/start, GET /api/erasures).
(function () {
	'use strict';
	const C = window.FsConsole;
	const el = C.el;
	const WORD = 'ERASE';

	const TARGETS = {
		contact: {label: 'A contact', field: 'Contact id',
			hint: 'The contact\'s id, a UUID such as 0190a8b2-…, as the kiosk or an export shows it.',
			what: (id) => `the contact ${id}`,
			removes: 'The contact, all its field values (notes included), the conflicts about it and any change to it held back at the hub'},
		response: {label: 'A response', field: 'Response id',
			hint: 'The response\'s id, a UUID, as an export shows it.',
			what: (id) => `the response ${id}`,
			removes: 'The response and all its answers'},
		person_ref: {label: 'Every contact of one person', field: 'Person reference (person_ref)',
			hint: 'The person\'s reference exactly as it was typed at the kiosk. It is not shown or kept anywhere after this.',
			what: () => 'every contact whose person reference is or was the one you typed',
			removes: 'Each of those contacts, all their field values (notes included), the conflicts about them and any change to them held back at the hub'}
	};

	const KINDS = {admin: 'Erased by an admin', delete: 'Deleted by a worker at a kiosk',
		retention: 'Retention period ended', withdraw: 'Consent withdrawn'};
	const STATES = {confirmed: ['✓ Confirmed', 'good'], pending: ['… Pending', 'warn'],
		never_held: ['– Never held it', ''], revoked: ['✕ Revoked', 'bad']};

	function plural(n, one, many) {
		return `${n} ${n === 1 ? one : (many || one + 's')}`;
	}

	function records(r) {
		const parts = [];
		if (r.contacts > 0)
			parts.push(plural(r.contacts, 'contact'));
		if (r.responses > 0)
			parts.push(plural(r.responses, 'response'));
		return parts.join(' and ') || plural(r.records, 'record');
	}

	// "3 of 4 kiosks confirmed", with what is left.
	function summary(r) {
		const n = (s) => r.devices.filter((d) => d.state === s).length;
		const held = r.devices.filter((d) => d.state !== 'never_held' && d.state !== 'revoked').length;
		if (r.devices.length === 0)
			return 'No kiosk held it: nothing to confirm.';
		let text = `${n('confirmed')} of ${plural(held, 'kiosk')} confirmed`;
		if (n('pending') > 0)
			text += `; ${n('pending')} pending (erased at the kiosk's next sync)`;
		if (n('never_held') > 0)
			text += `; ${n('never_held')} enrolled later, never held it`;
		if (n('revoked') > 0)
			text += `; ${n('revoked')} revoked (wiped)`;
		return `${text}.`;
	}

	function requestCard(r, i) {
		const h = `er-${i}-h`;
		const done = r.devices.every((d) => d.state !== 'pending');
		return el('article', {class: 'panel', 'aria-labelledby': h},
			el('h3', {id: h}, `${records(r)}, `,
				el('time', {datetime: r.time}, C.formatTime(r.time)), ' ',
				el('span', {class: done ? 'badge good' : 'badge warn'}, done ? 'Done' : 'Pending')),
			el('p', {}, summary(r)),
			el('dl', {class: 'er-facts'},
				el('dt', {}, 'Why'), el('dd', {}, KINDS[r.kind] || r.kind),
				el('dt', {}, 'Request'), el('dd', {class: 'er-id'}, r.request)),
			C.table(`Kiosks that may hold it: erasure request ${r.request}`, [
				{label: 'Kiosk', value: (d) => d.name},
				{label: 'Region', value: (d) => d.region},
				{label: 'Erased there', value: (d) => {
					const s = STATES[d.state] || [d.state, ''];
					return el('span', {class: s[1] ? `badge ${s[1]}` : 'badge'}, s[0]);
				}}
			], r.devices, 'No kiosk held its records.'));
	}

	// The confirmation: a modal dialog naming what goes; the admin types
	// the word. Resolves true when confirmed.
	function confirmDialog(target, id) {
		const t = TARGETS[target];
		const word = el('input', {id: 'er-word', autocomplete: 'off', autocapitalize: 'characters', spellcheck: 'false'});
		const error = el('p', {class: 'field-error', id: 'er-word-error', hidden: true});
		const dlg = el('dialog', {class: 'er-dialog', 'aria-labelledby': 'er-dlg-h', 'aria-describedby': 'er-dlg-what'},
			el('form', {method: 'dialog', novalidate: true},
				el('h2', {id: 'er-dlg-h'}, `Erase ${t.what(id)}?`),
				el('div', {id: 'er-dlg-what'},
					el('p', {}, `${t.removes} will be removed from the hub now, and from every kiosk that may hold it at the kiosk's next sync.`),
					el('p', {}, el('strong', {}, 'This cannot be undone.'),
						' If the record arrives later from a kiosk that was offline, it is refused.')),
				C.field(`Type ${WORD} to confirm`, word),
				error,
				el('div', {class: 'actions'},
					el('button', {type: 'submit', class: 'danger', value: 'erase'}, 'Erase it'),
					el('button', {type: 'button', class: 'secondary', value: 'cancel',
						on: {click: () => dlg.close('cancel')}}, 'Cancel'))));
		word.setAttribute('aria-describedby', 'er-dlg-what');
		const form = dlg.querySelector('form');
		form.addEventListener('submit', (ev) => {
			if (word.value.trim() !== WORD) {
				ev.preventDefault();
				error.textContent = `Type the word ${WORD} in capitals to erase, or choose Cancel.`;
				error.hidden = false;
				word.setAttribute('aria-invalid', 'true');
				word.setAttribute('aria-describedby', 'er-dlg-what er-word-error');
				word.focus();
			}
		});
		document.body.appendChild(dlg);
		return new Promise((resolve) => {
			dlg.addEventListener('close', () => {
				const ok = dlg.returnValue === 'erase';
				dlg.remove();
				resolve(ok);
			});
			dlg.showModal();
			word.focus();
		});
	}

	function startForm(reload) {
		const radios = Object.entries(TARGETS).map(([k, t], i) => el('div', {class: 'er-choice'},
			el('input', {type: 'radio', name: 'er-target', id: `er-t-${k}`, value: k, checked: i === 0}),
			el('label', {for: `er-t-${k}`}, t.label)));
		const id = el('input', {id: 'er-id', autocomplete: 'off', autocapitalize: 'none', spellcheck: 'false'});
		const idField = C.field(TARGETS.contact.field, id, TARGETS.contact.hint);
		const label = idField.querySelector('label');
		const hint = idField.querySelector('.hint');
		const go = el('button', {type: 'submit'}, 'Continue');
		const form = el('form', {class: 'er-form', novalidate: true, 'aria-labelledby': 'er-start'},
			el('fieldset', {}, el('legend', {}, 'What to erase'), radios),
			idField,
			el('div', {class: 'actions'}, go));
		const chosen = () => form.querySelector('input[name="er-target"]:checked').value;
		form.addEventListener('change', (ev) => {
			if (ev.target.name !== 'er-target')
				return;
			const t = TARGETS[chosen()];
			label.textContent = t.field;
			hint.textContent = t.hint;
		});
		form.addEventListener('submit', async (ev) => {
			ev.preventDefault();
			C.clearError();
			const target = chosen();
			const value = target === 'person_ref' ? id.value : id.value.trim().toLowerCase();
			if (value === '') {
				C.showError(`Type the ${TARGETS[target].field.toLowerCase()} first.`);
				id.focus();
				return;
			}
			const ok = await confirmDialog(target, value);
			go.focus();
			if (!ok) {
				C.announce('Nothing erased');
				return;
			}
			try {
				const r = await C.api('POST', '/api/erasures/start', {target, id: value, confirm: WORD});
				id.value = '';
				let text;
				if (r.request)
					text = `Erased ${plural(r.records, 'record')} at the hub (request ${r.request}). The kiosks erase it at their next sync.`;
				else if (r.already > 0)
					text = 'That was erased before: nothing more to do.';
				else
					text = 'No contact holds or held that person reference: nothing erased.';
				C.announce(text);
				result.textContent = text;
				result.hidden = false;
				await reload();
			} catch (e) {
				C.showError(`Not erased: ${e.message}`);
			}
		});
		const result = el('p', {class: 'notice', id: 'er-result', hidden: true});
		return el('section', {class: 'panel', 'aria-labelledby': 'er-start'},
			el('h2', {id: 'er-start'}, 'Start an erasure'),
			el('p', {class: 'hint'}, 'For a person\'s request to be forgotten, or a record that must not be kept. '
				+ 'Only ids and counts are written to the audit log, never the person reference.'),
			form, result);
	}

	C.page('erasure', {
		title: 'Erasure',
		roles: ['admin'],
		order: 80,
		async render(root) {
			const list = el('div', {'aria-live': 'polite'});
			const reload = async () => {
				const data = await C.api('GET', '/api/erasures');
				list.textContent = '';
				const rs = data.erasures.slice().reverse();
				list.appendChild(el('p', {}, rs.length === 0 ? 'No erasures yet.'
					: `${plural(rs.length, 'request')}, newest first${data.more ? ` (the newest ${data.shown_max}; older ones: fieldsync-hub erasures)` : ''}.`));
				rs.forEach((r, i) => list.appendChild(requestCard(r, i)));
			};
			root.appendChild(startForm(reload));
			root.appendChild(el('section', {'aria-labelledby': 'er-list'},
				el('h2', {id: 'er-list'}, 'Erasure requests'),
				el('p', {class: 'hint'}, 'Each kiosk that may hold the records erases them at its next sync and says so at the sync after.'),
				list));
			await reload();
		}
	});
})();
