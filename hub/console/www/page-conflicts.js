// fieldsync console: Conflicts (docs/console.md, "Conflicts"): each time two
// kiosks changed the same field of a contact while offline, in plain words
// (the sentence and the words are the hub's, hub_conflicts_describe), and
// for admins the way to resolve it: keep one value or write a new one. The
// resolution is a write at the hub that reaches every kiosk of the region
// at its next sync. GET /api/conflicts, POST /api/conflicts/resolve.
(function () {
	'use strict';
	const C = window.FsConsole;
	const el = C.el;
	// Fields whose value is free text: a new value is typed as text; the
	// others (lists, dates, yes/no, numbers) as JSON.
	const TEXT_FIELDS = ['notes', 'support', 'person_ref', 'worker'];
	const SHOWN_MAX = 60;

	function short(text) {
		return text.length > SHOWN_MAX ? text.slice(0, SHOWN_MAX - 1) + '…' : text;
	}

	function idOf(c, what) {
		return `cf-${c.id.replace(/[^A-Za-z0-9]/g, '_')}-${what}`;
	}

	function side(label, s) {
		return [el('dt', {}, label), el('dd', {}, el('q', {}, s.text), ` at ${s.kiosk}, `,
			el('time', {datetime: s.at}, C.formatTime(s.at)))];
	}

	async function resolve(c, body, done, reload) {
		C.clearError();
		try {
			await C.api('POST', '/api/conflicts/resolve', Object.assign({id: c.id}, body));
			C.announce(done);
			await reload();
		} catch (e) {
			C.showError(`Could not resolve it: ${e.message}`);
		}
	}

	function newValueForm(c, reload) {
		const text = TEXT_FIELDS.includes(c.field);
		const input = text
			? el('textarea', {id: idOf(c, 'value'), rows: 3, spellcheck: 'true'})
			: el('input', {id: idOf(c, 'value'), spellcheck: 'false', autocomplete: 'off'});
		const form = el('form', {novalidate: true, hidden: true},
			C.field(`New value for ${c.field}`, input, text
				? 'Written as typed; leave it empty to clear the field.'
				: 'As JSON: "text" in quotes, true or false, a list ["a", "b"], a number, or null.'),
			el('div', {class: 'actions'}, el('button', {type: 'submit'}, 'Save the new value')));
		form.addEventListener('submit', (ev) => {
			ev.preventDefault();
			let value;
			if (text) {
				value = input.value === '' && c.field !== 'person_ref' && c.field !== 'worker' ? null : input.value;
			} else {
				try {
					value = JSON.parse(input.value);
				} catch (e) {
					C.showError(`The new value is not JSON: ${e.message}`);
					input.focus();
					return;
				}
			}
			resolve(c, {value}, `Conflict resolved: ${c.field} of contact ${c.contact} set to a new value`, reload);
		});
		return {form, input};
	}

	function conflictCard(c, canResolve, reload) {
		const h = idOf(c, 'h');
		const summary = idOf(c, 'summary');
		const card = el('article', {class: 'panel', 'aria-labelledby': h},
			el('h2', {id: h}, `${c.field} of contact ${c.contact} `,
				el('span', {class: c.state === 'open' ? 'badge warn' : 'badge good'},
					c.state === 'open' ? 'Open' : 'Resolved')),
			el('p', {id: summary}, c.summary),
			el('dl', {},
				side('Kept', c.winner),
				side('Replaced', c.loser),
				c.current && c.state === 'open' ? side('Now', c.current) : null,
				el('dt', {}, 'Detected'),
				el('dd', {}, `by ${c.detected_by_name}, `,
					el('time', {datetime: c.detected_at}, C.formatTime(c.detected_at))),
				el('dt', {}, 'Region'), el('dd', {}, c.region)));
		if (c.state !== 'open' || !canResolve)
			return card;
		const nv = newValueForm(c, reload);
		const keep = (which, s) => el('button', {type: 'button', 'aria-describedby': summary,
			on: {click: () => resolve(c, {keep: which},
				`Conflict resolved: kept '${short(s.text)}' for ${c.field} of contact ${c.contact}`, reload)}},
		`Keep '${short(s.text)}'`);
		const write = el('button', {type: 'button', class: 'secondary', 'aria-expanded': 'false',
			'aria-controls': idOf(c, 'form'), on: {click: () => {
				nv.form.hidden = !nv.form.hidden;
				write.setAttribute('aria-expanded', String(!nv.form.hidden));
				if (!nv.form.hidden)
					nv.input.focus();
			}}}, 'Write a new value');
		nv.form.id = idOf(c, 'form');
		card.appendChild(el('div', {class: 'actions'}, keep('loser', c.loser), keep('winner', c.winner), write));
		card.appendChild(nv.form);
		return card;
	}

	C.page('conflicts', {
		title: 'Conflicts',
		roles: ['analyst', 'admin'],
		order: 50,
		async render(root) {
			const open = el('input', {id: 'cf-open', type: 'checkbox', checked: true});
			const region = el('input', {id: 'cf-region', autocomplete: 'off', spellcheck: 'false'});
			const list = el('div', {'aria-live': 'polite'});
			const filters = el('form', {class: 'panel', novalidate: true, 'aria-label': 'Which conflicts'},
				el('div', {class: 'field'}, el('label', {for: 'cf-open'}, open, ' Only conflicts not resolved yet')),
				C.field('Region', region, 'Leave empty for every region you may see.'),
				el('div', {class: 'actions'}, el('button', {type: 'submit'}, 'Show')));
			const reload = async () => {
				const q = new URLSearchParams();
				if (open.checked)
					q.set('open', '1');
				if (region.value.trim() !== '')
					q.set('region', region.value.trim());
				const data = await C.api('GET', `/api/conflicts?${q}`);
				list.textContent = '';
				const n = data.conflicts.length;
				list.appendChild(el('p', {}, n === 0
					? (open.checked ? 'No open conflicts.' : 'No conflicts.')
					: `${n} conflict${n === 1 ? '' : 's'}, newest first.`));
				if (!data.can_resolve && n > 0)
					list.appendChild(el('p', {class: 'hint'}, 'Only an admin can resolve a conflict.'));
				for (const c of data.conflicts)
					list.appendChild(conflictCard(c, data.can_resolve, reload));
			};
			filters.addEventListener('submit', (ev) => {
				ev.preventDefault();
				C.clearError();
				reload().catch((e) => C.showError(e.message));
			});
			root.appendChild(el('p', {class: 'hint'},
				'Two kiosks changed the same field of a contact while offline; the later change was kept. '
				+ 'Resolving one writes the value you choose at the hub; every kiosk of the region gets it at its next sync.'));
			root.appendChild(filters);
			root.appendChild(list);
			await reload();
		}
	});
})();
