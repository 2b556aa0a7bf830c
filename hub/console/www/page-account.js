// fieldsync console: My account (every role; docs/console.md, "My
// account"): change one's own password (the current one asked first; every
// session ends, so one logs in again) and one's personal API tokens for
// analysts' tools (created here, shown once; revoked here).
// POST /api/session/password, GET /api/session/tokens,
// POST /api/session/token, POST /api/session/token/revoke.
(function () {
	'use strict';
	const C = window.FsConsole;
	const el = C.el;

	function passwordForm() {
		const current = el('input', {id: 'a-current', type: 'password', autocomplete: 'current-password'});
		const next = el('input', {id: 'a-new', type: 'password', autocomplete: 'new-password'});
		const again = el('input', {id: 'a-again', type: 'password', autocomplete: 'new-password'});
		const error = el('p', {id: 'a-error', class: 'field-error', role: 'alert', hidden: true});
		const form = el('form', {'aria-labelledby': 'a-pw', novalidate: true},
			C.field('Current password', current),
			C.field('New password', next, '12 to 256 characters.'),
			C.field('New password again', again),
			error,
			el('div', {class: 'actions'}, el('button', {type: 'submit'}, 'Change password')));
		form.addEventListener('submit', async (ev) => {
			ev.preventDefault();
			error.hidden = true;
			if (next.value !== again.value) {
				error.textContent = 'The new passwords differ.';
				error.hidden = false;
				again.focus();
				return;
			}
			try {
				await C.api('POST', '/api/session/password', {current: current.value, new: next.value});
				// Every session of the account ended, this one too.
				location.reload();
			} catch (e) {
				error.textContent = e.message;
				error.hidden = false;
				current.focus();
			} finally {
				current.value = next.value = again.value = '';
			}
		});
		return el('section', {class: 'panel', 'aria-labelledby': 'a-pw'},
			el('h2', {id: 'a-pw'}, 'Change your password'),
			el('p', {class: 'hint'}, 'You will be asked to log in again, here and anywhere else you are logged in.'),
			form);
	}

	function tokensSection() {
		const out = el('div', {'aria-live': 'polite'});
		const list = el('div');
		const reload = async (shown) => {
			const data = await C.api('GET', '/api/session/tokens');
			list.textContent = '';
			out.textContent = '';
			if (shown)
				out.appendChild(el('div', {class: 'notice'}, el('p', {}, 'Your new API token (shown only now; copy it into your tool):'),
					el('p', {class: 'token'}, shown)));
			list.appendChild(C.table('Your API tokens', [
				{label: 'Token id', value: (t) => t.id},
				{label: 'Created', value: (t) => C.formatTime(t.created)},
				{label: 'Action', value: (t) => el('button', {type: 'button', class: 'secondary', on: {click: async () => {
					try {
						await C.api('POST', '/api/session/token/revoke', {id: t.id});
						C.announce(`Token ${t.id} revoked`);
						await reload();
					} catch (e) {
						C.showError(e.message);
					}
				}}}, `Revoke token ${t.id}`)}
			], data.tokens, 'You have no API tokens.'));
		};
		const create = el('button', {type: 'button', on: {click: async () => {
			try {
				const r = await C.api('POST', '/api/session/token', {});
				C.announce('API token created');
				await reload(r.token);
			} catch (e) {
				C.showError(e.message);
			}
		}}}, 'Create an API token');
		const section = el('section', {class: 'panel', 'aria-labelledby': 'a-tok'},
			el('h2', {id: 'a-tok'}, 'API tokens'),
			el('p', {class: 'hint'}, 'For your own tools: send it as "Authorization: Bearer TOKEN". It reads what you may read, with GET only.'),
			out, list, el('div', {class: 'actions'}, create));
		return {section, reload};
	}

	C.page('account', {
		title: 'My account',
		order: 95,
		async render(root) {
			const me = C.user();
			root.appendChild(el('p', {}, `Logged in as ${me.user}, role ${me.role}, `,
				me.regions.length ? `regions ${me.regions.join(', ')}.` : 'every region.'));
			root.appendChild(passwordForm());
			const t = tokensSection();
			root.appendChild(t.section);
			await t.reload();
		}
	});
})();
