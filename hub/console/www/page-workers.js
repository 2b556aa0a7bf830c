// fieldsync console: Outreach workers (docs/console.md, "Outreach
// workers"): the workers of the regions the user sees, who may enter worker
// mode on every kiosk of their region. Admins add one (the PIN typed
// twice), reset a PIN and remove one; analysts see the names only. The same
// calls as `fieldsync-hub worker` (GET /api/workers, POST /api/workers/*);
// a change reaches the region's kiosks at their next sync.
(function () {
	'use strict';
	const C = window.FsConsole;
	const el = C.el;

	function pinInput(id) {
		return el('input', {id, type: 'password', inputmode: 'numeric', autocomplete: 'new-password',
			maxlength: 12, spellcheck: 'false'});
	}

	// Run an action and say how it went; reload the list after it.
	async function act(fn, done, reload) {
		C.clearError();
		try {
			const r = await fn();
			C.announce(done);
			await reload();
			return r;
		} catch (e) {
			C.showError(e.message);
			return null;
		}
	}

	function addForm(reload) {
		const region = el('input', {id: 'w-region', autocomplete: 'off', autocapitalize: 'none', spellcheck: 'false'});
		const name = el('input', {id: 'w-name', autocomplete: 'off', autocapitalize: 'none', spellcheck: 'false'});
		const pin = pinInput('w-pin');
		const again = pinInput('w-pin-again');
		const form = el('form', {'aria-labelledby': 'w-add', novalidate: true},
			C.field('Region', region, 'The region whose kiosks the worker uses, for example north.'),
			C.field('Worker name', name, '1 to 64 letters, digits, dots, dashes or underscores. Shown on the kiosks\' PIN screen.'),
			C.field('PIN', pin, '6 to 12 digits. Give it to the worker in person; it must not be used anywhere else.'),
			C.field('PIN again', again),
			el('div', {class: 'actions'}, el('button', {type: 'submit'}, 'Add worker')));
		form.addEventListener('submit', async (ev) => {
			ev.preventDefault();
			const body = {region: region.value.trim(), name: name.value.trim(), pin: pin.value, pin_again: again.value};
			pin.value = '';
			again.value = '';
			const r = await act(() => C.api('POST', '/api/workers/add', body),
				`Worker ${body.name} added to region ${body.region}: they can log in at its kiosks after their next sync`, reload);
			if (r !== null)
				name.value = '';
		});
		return el('section', {class: 'panel', 'aria-labelledby': 'w-add'}, el('h2', {id: 'w-add'}, 'Add a worker'), form);
	}

	function manage(w, reload) {
		const id = `wm-${(w.region + '-' + w.name).replace(/[^A-Za-z0-9]/g, '_')}`;
		const pin = pinInput(`${id}-pin`);
		const again = pinInput(`${id}-again`);
		const reset = el('form', {novalidate: true},
			C.field(`New PIN for ${w.name}`, pin, '6 to 12 digits. The old PIN stops working, and an open session ends, once the kiosks have synced.'),
			C.field(`New PIN for ${w.name} again`, again),
			el('div', {class: 'actions'}, el('button', {type: 'submit'}, `Reset PIN of ${w.name}`)));
		reset.addEventListener('submit', async (ev) => {
			ev.preventDefault();
			const body = {region: w.region, name: w.name, pin: pin.value, pin_again: again.value};
			pin.value = '';
			again.value = '';
			await act(() => C.api('POST', '/api/workers/pin', body), `PIN of ${w.name} reset`, reload);
		});
		const confirmRemove = el('button', {type: 'button', class: 'danger', hidden: true,
			on: {click: () => act(() => C.api('POST', '/api/workers/remove', {region: w.region, name: w.name}),
				`Worker ${w.name} removed: the kiosks of region ${w.region} refuse the PIN after their next sync`, reload)}},
		`Yes, remove ${w.name}`);
		return el('section', {class: 'panel', 'aria-labelledby': `${id}-h`},
			el('h2', {id: `${id}-h`, tabindex: -1}, `Manage ${w.name} (region ${w.region})`),
			reset,
			el('p', {class: 'hint'}, 'Removing a worker does not change the contacts they recorded: their name stays on them.'),
			el('div', {class: 'actions'},
				el('button', {type: 'button', class: 'danger', on: {click: () => {
					confirmRemove.hidden = false;
					confirmRemove.focus();
				}}}, `Remove ${w.name}`),
				confirmRemove));
	}

	C.page('workers', {
		title: 'Outreach workers',
		roles: ['analyst', 'admin'],
		order: 40,
		async render(root) {
			C.clearError(); // an error of another page is not this one's
			let selected = null;
			const list = el('div');
			const detail = el('div');
			root.appendChild(el('p', {class: 'hint'}, 'The workers of each region may enter worker mode on every kiosk of that region with their PIN. Changes reach the kiosks at their next sync.'));
			const reload = async () => {
				const data = await C.api('GET', '/api/workers');
				list.textContent = '';
				detail.textContent = '';
				const columns = [
					{label: 'Name', value: (w) => w.name},
					{label: 'Region', value: (w) => w.region}];
				if (data.manage) {
					columns.push({label: 'Last changed', value: (w) => C.formatTime(w.updated_at)});
					columns.push({label: 'Action', value: (w) => el('button', {type: 'button', class: 'secondary', on: {click: () => {
						selected = w.region + '/' + w.name;
						reload().then(() => {
							const h = detail.querySelector('h2');
							if (h)
								h.focus();
						});
					}}}, `Manage ${w.name}`)});
				}
				list.appendChild(C.table('Outreach workers', columns, data.workers, 'No workers in your regions yet.'));
				const w = data.workers.find((x) => x.region + '/' + x.name === selected);
				if (w && data.manage)
					detail.appendChild(manage(w, reload));
				return data;
			};
			root.appendChild(list);
			root.appendChild(detail);
			const data = await reload();
			if (data.manage)
				root.appendChild(addForm(reload));
		}
	});
})();
