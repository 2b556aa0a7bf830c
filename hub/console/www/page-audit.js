// fieldsync console: Audit log (docs/console.md, "Erasure and audit"), for
// admins of every region: every action at the hub, newest first, a page
// at a time, filtered by action, actor and dates, with the hash chain's
// check (the same as `fieldsync-hub audit --verify`). GET /api/audit and
// /api/audit/verify (apart: it reads the whole trail).
(function () {
	'use strict';
	const C = window.FsConsole;
	const el = C.el;
	const PAGE = 50;

	// A day typed as YYYY-MM-DD: the browser's local midnight in ms.
	function dayStart(text, plusDays) {
		const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
		if (!m)
			return null;
		return new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]) + (plusDays || 0)).getTime();
	}

	// The detail as text: key: value, one a line (an object), else JSON.
	function detailText(d) {
		if (d === null || typeof d !== 'object' || Array.isArray(d))
			return typeof d === 'string' ? d : JSON.stringify(d);
		const keys = Object.keys(d);
		if (keys.length === 0)
			return '—';
		return keys.map((k) => `${k}: ${typeof d[k] === 'string' ? d[k] : JSON.stringify(d[k])}`).join('\n');
	}

	function verifyBox(v) {
		if (v.ok)
			return el('div', {class: 'notice', id: 'au-verify'},
				el('p', {}, el('strong', {}, '✓ Chain verified: '),
					`all ${v.entries} entries are unchanged and in order.`),
				el('p', {class: 'hint'}, `Head: entry ${v.head_id}, hash `, el('code', {class: 'au-hash'}, v.head),
					'. Keep this hash somewhere else: a later check against it shows whether the whole log was rewritten.'));
		return el('div', {class: 'alert', id: 'au-verify'},
			el('p', {}, el('strong', {}, '✕ Chain broken: '), v.error),
			el('p', {}, `${v.entries} entries checked before the break. An entry was removed, reordered or changed after it was written.`));
	}

	C.page('audit', {
		title: 'Audit log',
		roles: ['admin'],
		order: 85,
		async render(root) {
			const action = el('input', {id: 'au-action', autocomplete: 'off', autocapitalize: 'none', spellcheck: 'false'});
			const actor = el('input', {id: 'au-actor', autocomplete: 'off', autocapitalize: 'none', spellcheck: 'false'});
			const from = el('input', {id: 'au-from', type: 'date'});
			const to = el('input', {id: 'au-to', type: 'date'});
			const verify = el('div', {});
			const list = el('div', {'aria-live': 'polite'});
			const more = el('button', {type: 'button', class: 'secondary', hidden: true}, 'Show older entries');
			let rows = [];
			let next = 0;
			const filters = el('form', {class: 'panel', novalidate: true, 'aria-labelledby': 'au-filters'},
				el('h2', {id: 'au-filters'}, 'Which entries'),
				el('div', {class: 'au-grid'},
					C.field('Action', action, 'Exactly, for example erase, publish, enroll, revoke, console_login.'),
					C.field('Actor', actor, 'Part of it: console:alice, admin:, worker:, device:.'),
					C.field('From (day)', from),
					C.field('To (day, included)', to)),
				el('div', {class: 'actions'}, el('button', {type: 'submit'}, 'Show')));

			const query = (before) => {
				const q = new URLSearchParams({limit: String(PAGE)});
				if (action.value.trim() !== '')
					q.set('action', action.value.trim());
				if (actor.value.trim() !== '')
					q.set('actor', actor.value.trim());
				const f = dayStart(from.value), t = dayStart(to.value, 1);
				if (f !== null)
					q.set('since', String(f));
				if (t !== null)
					q.set('until', String(t));
				if (before)
					q.set('before', String(before));
				return q;
			};
			const draw = () => {
				list.textContent = '';
				list.appendChild(el('p', {}, rows.length === 0 ? 'No entries match.'
					: `${rows.length} entr${rows.length === 1 ? 'y' : 'ies'} shown, newest first${next ? '; older ones follow' : ''}.`));
				list.appendChild(C.table('Audit log entries, newest first', [
					{label: 'Entry', value: (e) => String(e.id), num: true},
					{label: 'When', value: (e) => el('time', {datetime: e.at}, C.formatTime(e.at))},
					{label: 'Actor', value: (e) => e.actor},
					{label: 'Action', value: (e) => e.action},
					{label: 'Details', value: (e) => el('pre', {class: 'au-detail'}, detailText(e.detail))}
				], rows, 'No entries match.'));
				more.hidden = !next;
			};
			const check = async () => {
				verify.textContent = '';
				verify.appendChild(el('p', {class: 'notice'}, 'Checking the chain…'));
				const v = await C.api('GET', '/api/audit/verify');
				verify.textContent = '';
				verify.appendChild(verifyBox(v));
			};
			const load = async (before) => {
				const data = await C.api('GET', `/api/audit?${query(before)}`);
				if (!before)
					rows = [];
				rows = rows.concat(data.entries);
				next = data.more ? data.next_before : 0;
				draw();
			};
			filters.addEventListener('submit', (ev) => {
				ev.preventDefault();
				C.clearError();
				if (from.value && to.value && from.value > to.value) {
					C.showError('The From day is after the To day.');
					from.focus();
					return;
				}
				load(0).catch((e) => C.showError(e.message));
			});
			more.addEventListener('click', () => {
				C.clearError();
				const at = rows.length;
				load(next).then(() => {
					// Focus the first new row's entry number, for keyboard users.
					const cell = list.querySelectorAll('tbody tr')[at];
					if (cell) {
						cell.firstChild.setAttribute('tabindex', '-1');
						cell.firstChild.focus();
					}
					C.announce(`${rows.length - at} older entries shown`);
				}).catch((e) => C.showError(e.message));
			});
			root.appendChild(el('p', {class: 'hint'},
				'Every admin action, console action and kiosk worker event, in a hash chain: an entry removed or changed shows as a break. '
				+ 'Details hold ids and counts, never answers, notes or person references.'));
			root.appendChild(verify);
			root.appendChild(filters);
			root.appendChild(list);
			root.appendChild(el('div', {class: 'actions'}, more));
			try {
				await Promise.all([load(0), check()]);
			} catch (e) {
				if (e.status === 403) {
					root.textContent = '';
					root.appendChild(el('p', {}, e.message));
					return;
				}
				throw e;
			}
		}
	});
})();
