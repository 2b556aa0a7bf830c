// fieldsync console: Contacts and follow-ups (docs/console.md, "Contacts and
// follow-ups"): the contacts outreach workers keep at the kiosks, as the hub
// holds them. Everyone sees the counts per region (a viewer's small numbers
// hidden); analysts and admins list the contacts of their regions, by
// state (overdue, due today, open, closed) and worker, and open one; an
// admin may change a contact's notes and close or reopen it, a write at
// the hub that reaches the region's kiosks at their next sync. Overdue and
// due today are the hub's verdict, by the kiosk's own rule, on today's
// date in this browser's time zone. GET /api/contacts/summary,
// /api/contacts, /api/contacts/one; POST /api/contacts/edit.
(function () {
	'use strict';
	const C = window.FsConsole;
	const el = C.el;
	const PAGE = 50;
	const STATES = [['', 'Any'], ['overdue', 'Overdue'], ['due_today', 'Due today'],
		['open', 'Open'], ['requested', 'Requested contact'], ['closed', 'Closed']];
	const CHANNELS = {in_person: 'in person', phone: 'phone', video: 'video', text: 'text', group: 'group'};

	function browserZone() {
		try {
			return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
		} catch (e) {
			return 'UTC';
		}
	}

	function dateText(iso) {
		if (!/^\d{4}-\d{2}-\d{2}$/.test(iso || ''))
			return iso || '';
		return new Date(`${iso}T12:00:00Z`).toLocaleDateString('en-GB',
			{day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC'});
	}

	// Not by colour alone: a sign and words.
	function dueMark(state) {
		if (state === 'overdue')
			return el('strong', {class: 'due-mark overdue'}, '\u26a0 Overdue');
		if (state === 'due_today')
			return el('strong', {class: 'due-mark due-today'}, '\u25cf Due today');
		return null;
	}

	function statusText(c) {
		if (c.status === 'requested')
			return 'Requested contact';
		if (c.status !== 'closed')
			return 'Open';
		return c.status_at ? `Closed ${C.formatTime(c.status_at)}` : 'Closed';
	}

	function count(cell, k) {
		return cell.suppressed ? `fewer than ${k}` : String(cell.count);
	}

	function summaryTable(s) {
		const k = s.k;
		return C.table('Contacts by region', [
			{label: 'Region', value: (r) => r.region},
			{label: 'Open', value: (r) => count(r.open, k), num: true},
			{label: 'Overdue', value: (r) => count(r.overdue, k), num: true},
			{label: 'Due today', value: (r) => count(r.due_today, k), num: true},
			{label: `Closed in the last ${s.closed_days} days`, value: (r) => count(r.closed_recently, k), num: true}
		], s.regions, 'No contacts in the regions you may see.');
	}

	function select(id, options, value) {
		return el('select', {id}, options.map(([v, label]) =>
			el('option', {value: v, selected: v === value}, label)));
	}

	// One contact, with its fields and, for admins, the notes and status form.
	function detail(data, zone, reload) {
		const c = data.contact;
		const box = el('section', {class: 'panel contact-detail', 'aria-labelledby': 'ct-detail-h'});
		const h = el('h2', {id: 'ct-detail-h', tabindex: -1}, `Contact ${c.person_ref}`);
		const list = (v) => Array.isArray(v) && v.length ? v.join(', ') : 'none';
		const row = (label, value) => [el('dt', {}, label), el('dd', {}, value)];
		box.appendChild(h);
		box.appendChild(el('dl', {class: 'contact-fields'},
			row('Region', c.region),
			row('Recorded', el('time', {datetime: c.contact_at}, C.formatTime(c.contact_at))),
			row('Channel', CHANNELS[c.channel] || c.channel || ''),
			row('Worker', c.worker || ''),
			row('Length (minutes)', c.duration_min === null || c.duration_min === undefined ? 'not recorded' : String(c.duration_min)),
			row('Topics', list(c.topics)),
			row('Support given', c.support || 'none'),
			row('Signposted to', list(c.signposted)),
			row('Follow-up', [c.follow_up_date ? dateText(c.follow_up_date) : 'none',
				c.follow_up_done ? ' (done)' : '', dueMark(c.follow_up) ? ' ' : '', dueMark(c.follow_up)]),
			row('Status', statusText(c)),
			data.can_edit ? null : row('Notes', c.notes || 'none')));
		if (!data.can_edit) {
			box.appendChild(el('p', {class: 'hint'}, 'Only an admin can change a contact at the hub.'));
			return {box, h};
		}
		const notes = el('textarea', {id: 'ct-notes', rows: 5, maxlength: 4000, spellcheck: 'true'});
		notes.value = c.notes || '';
		const closed = el('input', {id: 'ct-closed', type: 'checkbox', checked: c.status === 'closed'});
		const form = el('form', {novalidate: true, 'aria-label': `Change contact ${c.person_ref}`},
			C.field('Notes', notes, 'Saved at the hub; the kiosks of the region get it at their next sync. Leave empty to clear.'),
			el('div', {class: 'field'}, el('label', {for: 'ct-closed'}, closed, ' Closed (no more follow-up)')),
			el('div', {class: 'actions'}, el('button', {type: 'submit'}, 'Save changes')));
		form.addEventListener('submit', async (ev) => {
			ev.preventDefault();
			C.clearError();
			const body = {id: c.id, expect: {notes: c.notes === undefined ? null : c.notes, status: c.status}};
			const text = notes.value;
			if (text !== (c.notes || ''))
				body.notes = text === '' ? null : text;
			// A requested contact stays requested until closed (a worker takes
			// it at a kiosk); closing one erases it (docs/reciprocity.md).
			const status = closed.checked ? 'closed' : c.status === 'closed' ? 'open' : c.status;
			if (status !== c.status)
				body.status = status;
			if (body.notes === undefined && body.status === undefined) {
				C.announce('Nothing changed');
				return;
			}
			try {
				await C.api('POST', '/api/contacts/edit', body);
				C.announce(`Contact ${c.person_ref} saved: the kiosks of region ${c.region} get it at their next sync`);
				await reload(c.id);
			} catch (e) {
				C.showError(`Could not save contact ${c.person_ref}: ${e.message}`);
			}
		});
		box.appendChild(form);
		return {box, h};
	}

	function render(root) {
		const zone = browserZone();
		const summary = el('section', {'aria-labelledby': 'ct-sum-h'},
			el('h2', {id: 'ct-sum-h'}, 'By region'));
		root.appendChild(el('p', {class: 'hint'},
			'The contacts outreach workers recorded at the kiosks, as of each kiosk\'s last sync. '
			+ `Overdue and due today are by today's date in your time zone (${zone}).`));
		root.appendChild(summary);
		const sumBody = el('div', {});
		summary.appendChild(sumBody);
		const showSummary = (s, today) => {
			sumBody.textContent = '';
			sumBody.appendChild(el('p', {}, `Today is ${dateText(today)}.`));
			sumBody.appendChild(summaryTable(s));
			if (s.suppressed)
				sumBody.appendChild(el('p', {class: 'hint'},
					`Counts of fewer than ${s.k} are hidden ("fewer than ${s.k}"), and where one is hidden another may be too, so that no person can be picked out.`));
		};
		if (!C.hasRole('analyst')) {
			root.appendChild(el('p', {class: 'hint'},
				'Your role (viewer) shows the counts only; an analyst or admin sees the contacts themselves.'));
			return C.api('GET', `/api/contacts/summary?${new URLSearchParams({tz: zone})}`)
				.then((s) => showSummary(s, s.today));
		}

		const region = el('select', {id: 'ct-region'}, el('option', {value: ''}, 'Every region you may see'));
		const state = select('ct-state', STATES, 'overdue');
		const worker = el('input', {id: 'ct-worker', autocomplete: 'off', autocapitalize: 'none', spellcheck: 'false'});
		const filters = el('form', {class: 'panel', novalidate: true, 'aria-labelledby': 'ct-list-h'},
			C.field('Region', region),
			C.field('State', state, 'Overdue and due today: open contacts whose follow-up is not done.'),
			C.field('Worker', worker, 'A worker\'s name, or empty for every worker.'),
			el('div', {class: 'actions'}, el('button', {type: 'submit'}, 'Show contacts')));
		const list = el('div', {'aria-live': 'polite'});
		const one = el('div', {});
		root.appendChild(el('section', {'aria-labelledby': 'ct-list-h'},
			el('h2', {id: 'ct-list-h'}, 'Contacts'), filters, list, one));
		let offset = 0;

		const open = async (id) => {
			C.clearError();
			const data = await C.api('GET', `/api/contacts/one?${new URLSearchParams({id, tz: zone})}`);
			one.textContent = '';
			const d = detail(data, zone, async (again) => {
				await loadList();
				await open(again);
			});
			one.appendChild(d.box);
			d.h.focus();
		};

		const loadList = async () => {
			const q = new URLSearchParams({tz: zone, offset: String(offset), limit: String(PAGE)});
			if (region.value)
				q.set('region', region.value);
			if (state.value)
				q.set('state', state.value);
			if (worker.value.trim())
				q.set('worker', worker.value.trim());
			// The counts come with the page of contacts, from the same pass.
			const data = await C.api('GET', `/api/contacts?${q}`);
			showSummary(data.summary, data.today);
			if (region.options.length === 1)
				for (const r of data.summary.regions)
					region.appendChild(el('option', {value: r.region}, r.region));
			list.textContent = '';
			const n = data.contacts.length;
			const what = STATES.find(([v]) => v === state.value)[1].toLowerCase();
			const caption = data.total === 0 ? '' : (n === data.total
				? `Contacts (${what}): ${n}`
				: `Contacts (${what}): ${data.offset + 1} to ${data.offset + n} of ${data.total}`);
			list.appendChild(C.table(caption, [
				{label: 'Person', value: (c) => c.person_ref},
				{label: 'Region', value: (c) => c.region},
				{label: 'Recorded', value: (c) => el('time', {datetime: c.contact_at}, C.formatTime(c.contact_at))},
				{label: 'Channel', value: (c) => CHANNELS[c.channel] || c.channel || ''},
				{label: 'Worker', value: (c) => c.worker || ''},
				{label: 'Follow-up', value: (c) => [c.follow_up_date ? dateText(c.follow_up_date) : 'none',
					c.follow_up_done ? ' (done)' : '', dueMark(c.follow_up) ? ' ' : '', dueMark(c.follow_up)]},
				{label: 'Status', value: statusText},
				{label: 'Action', value: (c) => el('button', {type: 'button', class: 'secondary small',
					'aria-label': `Open contact ${c.person_ref}`,
					on: {click: () => open(c.id).catch((e) => C.showError(e.message))}}, 'Open')}
			], data.contacts, `No ${what === 'any' ? '' : what + ' '}contacts.`));
			if (data.total > n) {
				const prev = el('button', {type: 'button', class: 'secondary', disabled: data.offset === 0,
					on: {click: () => { offset = Math.max(0, offset - PAGE); loadList().catch((e) => C.showError(e.message)); }}},
				'Previous page');
				const next = el('button', {type: 'button', class: 'secondary', disabled: data.offset + n >= data.total,
					on: {click: () => { offset += PAGE; loadList().catch((e) => C.showError(e.message)); }}},
				'Next page');
				list.appendChild(el('div', {class: 'actions'}, prev, next));
			}
		};

		filters.addEventListener('submit', (ev) => {
			ev.preventDefault();
			C.clearError();
			offset = 0;
			one.textContent = '';
			loadList().catch((e) => C.showError(e.message));
		});
		return loadList();
	}

	C.page('contacts', {title: 'Contacts and follow-ups', order: 45, render});
})();
