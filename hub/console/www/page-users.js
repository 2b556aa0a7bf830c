// fieldsync console: Users (admins only; docs/console.md, "Users"): the
// console's accounts, add one, change its role and regions, disable,
// reset its password, create and revoke its API tokens, remove it. The
// same calls as `fieldsync-hub user` (GET /api/users, POST /api/users/*).
(function () {
	'use strict';
	const C = window.FsConsole;
	const el = C.el;

	function regionsList(text) {
		return text.split(',').map((s) => s.trim()).filter((s) => s !== '');
	}

	function roleSelect(id, value) {
		const s = el('select', {id});
		for (const r of C.ROLES)
			s.appendChild(el('option', {value: r, selected: r === value}, r));
		return s;
	}

	// Run an action and say how it went; reload the list after it.
	async function act(fn, done, reload) {
		C.clearError();
		try {
			const r = await fn();
			C.announce(done);
			await reload(r);
			return r;
		} catch (e) {
			C.showError(e.message);
			return null;
		}
	}

	function addForm(reload) {
		const name = el('input', {id: 'u-name', autocomplete: 'off', autocapitalize: 'none', spellcheck: 'false'});
		const role = roleSelect('u-role', 'viewer');
		const regions = el('input', {id: 'u-regions', autocomplete: 'off', spellcheck: 'false'});
		const password = el('input', {id: 'u-password', type: 'password', autocomplete: 'new-password'});
		const form = el('form', {'aria-labelledby': 'u-add', novalidate: true},
			C.field('User name', name, '1 to 64 of a-z, 0-9, dot, dash and underscore.'),
			C.field('Role', role, 'viewer: summaries; analyst: results and exports; admin: everything.'),
			C.field('Regions', regions, 'Comma-separated region names; leave empty for every region.'),
			C.field('Password', password, '12 to 256 characters. Give it to the person safely.'),
			el('div', {class: 'actions'}, el('button', {type: 'submit'}, 'Add user')));
		form.addEventListener('submit', async (ev) => {
			ev.preventDefault();
			const r = await act(() => C.api('POST', '/api/users/add', {name: name.value.trim(), role: role.value,
				regions: regionsList(regions.value), password: password.value}), `User ${name.value.trim()} added`, reload);
			password.value = '';
			if (r !== null) {
				name.value = '';
				regions.value = '';
			}
		});
		return el('section', {class: 'panel', 'aria-labelledby': 'u-add'}, el('h2', {id: 'u-add'}, 'Add a user'), form);
	}

	function manage(u, reload, shown) {
		const id = `m-${u.name.replace(/[^a-z0-9]/g, '_')}`;
		const role = roleSelect(`${id}-role`, u.role);
		const regions = el('input', {id: `${id}-regions`, value: u.regions.join(', '), spellcheck: 'false'});
		const password = el('input', {id: `${id}-password`, type: 'password', autocomplete: 'new-password'});
		const tokenOut = el('div', {'aria-live': 'polite'});
		if (shown)
			tokenOut.appendChild(el('div', {class: 'notice'}, el('p', {}, 'New API token (shown only now; copy it):'),
				el('p', {class: 'token'}, shown)));
		const change = el('form', {novalidate: true},
			C.field('Role', role), C.field('Regions', regions, 'Comma-separated; empty for every region.'),
			el('div', {class: 'actions'}, el('button', {type: 'submit'}, 'Save role and regions')));
		change.addEventListener('submit', (ev) => {
			ev.preventDefault();
			act(() => C.api('POST', '/api/users/change', {name: u.name, role: role.value,
				regions: regionsList(regions.value)}), `Saved ${u.name}`, reload);
		});
		const reset = el('form', {novalidate: true},
			C.field('New password', password, 'Their sessions end at once.'),
			el('div', {class: 'actions'}, el('button', {type: 'submit'}, 'Reset password')));
		reset.addEventListener('submit', async (ev) => {
			ev.preventDefault();
			await act(() => C.api('POST', '/api/users/password', {name: u.name, password: password.value}),
				`Password of ${u.name} reset`, reload);
			password.value = '';
		});
		const tokens = C.table(`API tokens of ${u.name}`, [
			{label: 'Token id', value: (t) => t.id},
			{label: 'Created', value: (t) => C.formatTime(t.created)},
			{label: 'Action', value: (t) => el('button', {type: 'button', class: 'secondary',
				on: {click: () => act(() => C.api('POST', '/api/users/token/revoke', {name: u.name, id: t.id}),
					`Token ${t.id} revoked`, reload)}}, `Revoke token ${t.id}`)}
		], u.tokens, 'No API tokens.');
		const confirmRemove = el('button', {type: 'button', class: 'danger', hidden: true,
			on: {click: () => act(() => C.api('POST', '/api/users/remove', {name: u.name}), `User ${u.name} removed`, reload)}},
		`Yes, remove ${u.name}`);
		return el('section', {class: 'panel', 'aria-labelledby': `${id}-h`},
			el('h2', {id: `${id}-h`, tabindex: -1}, `Manage ${u.name}`),
			change, reset,
			el('h3', {}, 'API tokens'), tokenOut, tokens,
			el('div', {class: 'actions'},
				el('button', {type: 'button', on: {click: () => act(() => C.api('POST', '/api/users/token', {name: u.name}),
					`API token created for ${u.name}`, (r) => reload(r, u.name))}}, 'Create API token'),
				el('button', {type: 'button', class: 'secondary', on: {click: () => act(() => C.api('POST', '/api/users/disable',
					{name: u.name, disabled: !u.disabled}), `${u.name} ${u.disabled ? 'enabled' : 'disabled'}`, reload)}},
				u.disabled ? `Enable ${u.name}` : `Disable ${u.name}`),
				el('button', {type: 'button', class: 'danger', on: {click: () => {
					confirmRemove.hidden = false;
					confirmRemove.focus();
				}}}, `Remove ${u.name}`),
				confirmRemove));
	}

	C.page('users', {
		title: 'Users',
		roles: ['admin'],
		order: 90,
		async render(root) {
			let selected = null;
			const list = el('div');
			const detail = el('div');
			const reload = async (result, name) => {
				const data = await C.api('GET', '/api/users');
				list.textContent = '';
				detail.textContent = '';
				list.appendChild(C.table('Console users', [
					{label: 'Name', value: (u) => u.name},
					{label: 'Role', value: (u) => u.role},
					{label: 'Regions', value: (u) => u.regions.length ? u.regions.join(', ') : 'every region'},
					{label: 'State', value: (u) => u.disabled ? el('span', {class: 'badge bad'}, 'Disabled')
						: el('span', {class: 'badge good'}, 'Enabled')},
					{label: 'Password changed', value: (u) => C.formatTime(u.password_changed)},
					{label: 'Action', value: (u) => el('button', {type: 'button', class: 'secondary', on: {click: () => {
						selected = u.name;
						reload().then(() => {
							const h = detail.querySelector('h2');
							if (h)
								h.focus();
						});
					}}}, `Manage ${u.name}`)}
				], data.users, 'No users.'));
				if (name)
					selected = name;
				const u = data.users.find((x) => x.name === selected);
				if (u)
					detail.appendChild(manage(u, reload, result && result.token && name === u.name ? result.token : null));
			};
			root.appendChild(list);
			root.appendChild(detail);
			root.appendChild(addForm(reload));
			await reload();
		}
	});
})();
