// fieldsync console: Kiosks (docs/console.md, "Kiosks"): the kiosks of the
// regions the user sees with what each reported at its last sync; admins
// enroll a kiosk (the code shown large and as a QR code, with the command
// for the kiosk), rename, move to another region and revoke (with the
// wipe, after a confirmation). The same calls as `fieldsync-hub enroll |
// devices | rename | move | revoke` (GET /api/kiosks, POST /api/kiosks/*).
(function () {
	'use strict';
	const C = window.FsConsole;
	const el = C.el;
	const NAME = /^[a-z0-9][a-z0-9-]{0,63}$/;

	// A clock offset for people: "on time" within 2 s, else how far and
	// which way, rounded in the largest unit that fits.
	function clockText(ms) {
		if (ms === null || ms === undefined)
			return 'not reported';
		const a = Math.abs(ms), way = ms < 0 ? 'behind' : 'ahead';
		if (a < 2000)
			return 'on time';
		const units = [[86400000, 'day'], [3600000, 'hour'], [60000, 'minute'], [1000, 'second']];
		for (const [u, name] of units)
			if (a >= u) {
				const n = Math.round(a / u);
				return `${n} ${name}${n === 1 ? '' : 's'} ${way}`;
			}
		return 'on time';
	}

	// For the Overview's kiosk table too (page-overview.js).
	C.kioskClockText = clockText;

	function state(k) {
		if (k.revoked)
			return el('span', {class: 'badge bad'}, 'Revoked');
		if (k.moved_from)
			return el('span', {class: 'badge warn'}, `Moving from ${k.moved_from}`);
		return el('span', {class: 'badge good'}, 'Active');
	}

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

	// A form with one name field and a button; check(value) returns an
	// error text or null.
	function oneField(id, label, hint, button, check, submit) {
		const input = el('input', {id, autocomplete: 'off', autocapitalize: 'none', spellcheck: 'false'});
		const error = el('p', {class: 'field-error', id: `${id}-error`, hidden: true});
		const form = el('form', {novalidate: true}, C.field(label, input, hint), error,
			el('div', {class: 'actions'}, el('button', {type: 'submit'}, button)));
		form.addEventListener('submit', async (ev) => {
			ev.preventDefault();
			const v = input.value.trim();
			const bad = check(v);
			error.hidden = !bad;
			if (bad) {
				error.textContent = bad;
				input.setAttribute('aria-invalid', 'true');
				input.setAttribute('aria-errormessage', error.id);
				input.focus();
				return;
			}
			input.removeAttribute('aria-invalid');
			await submit(v);
		});
		return form;
	}

	const nameCheck = (what) => (v) => NAME.test(v) ? null
		: `${what} must be 1 to 64 of a-z, 0-9 and dashes, starting with a letter or digit.`;

	function manage(k, reload) {
		const id = `k-${k.site}`;
		const label = k.name || k.site;
		const panel = el('section', {class: 'panel', 'aria-labelledby': `${id}-h`},
			el('h2', {id: `${id}-h`, tabindex: -1}, `Manage ${label}`),
			el('p', {class: 'hint'}, `Site ${k.site}, region ${k.region}.`));
		if (k.revoked) {
			panel.appendChild(el('p', {}, 'This kiosk is revoked: nothing more can be done with it. Enroll a new one to replace it.'));
			return panel;
		}
		panel.appendChild(oneField(`${id}-name`, 'New name', 'A label for admins: a-z, 0-9 and dashes.',
			`Rename ${label}`, nameCheck('The name'), (v) => act(() => C.api('POST', '/api/kiosks/rename',
				{site: k.site, name: v}), `${label} renamed to ${v}`, reload)));
		panel.appendChild(oneField(`${id}-region`, 'Move to region',
			'Its next sync sends what it has not sent, then it drops this region\'s contacts and takes the new region\'s.',
			`Move ${label}`, nameCheck('The region'), (v) => act(() => C.api('POST', '/api/kiosks/move',
				{site: k.site, region: v}), `${label} moved to region ${v}`, reload)));
		const confirm = el('div', {class: 'confirm', role: 'group', 'aria-labelledby': `${id}-rq`, hidden: true},
			el('p', {id: `${id}-rq`}, el('strong', {}, `Revoke ${label} and wipe it?`)),
			el('p', {}, 'Its token stops working at once. At its next sync the kiosk erases everything in its data ',
				'directory, including responses and contact changes it has not sent yet, and stops. ',
				'If it never connects again it keeps what it holds. This cannot be undone.'),
			el('div', {class: 'actions'},
				el('button', {type: 'button', class: 'danger', on: {click: () => act(() => C.api('POST', '/api/kiosks/revoke',
					{site: k.site}), `${label} revoked`, reload)}}, `Yes, revoke and wipe ${label}`),
				el('button', {type: 'button', class: 'secondary', on: {click: () => {
					confirm.hidden = true;
					revoke.focus();
				}}}, 'Cancel')));
		const revoke = el('button', {type: 'button', class: 'danger', on: {click: () => {
			confirm.hidden = false;
			confirm.querySelector('button').focus();
		}}}, `Revoke ${label}`);
		panel.appendChild(el('div', {class: 'actions'}, revoke));
		panel.appendChild(confirm);
		return panel;
	}

	function svgNode(text) {
		const doc = new DOMParser().parseFromString(text, 'image/svg+xml');
		const svg = doc.documentElement;
		if (svg.nodeName !== 'svg')
			return el('p', {}, 'The QR code could not be shown.');
		return document.importNode(svg, true);
	}

	function enrolled(r) {
		return el('div', {class: 'notice enroll-result', 'aria-labelledby': 'k-code-h', role: 'region'},
			el('h3', {id: 'k-code-h'}, `Enrollment code for region ${r.region}`),
			el('p', {class: 'enroll-code', 'aria-label': `Code ${r.code.split('').join(' ')}`}, r.code),
			el('p', {}, `Works once, until ${C.formatTime(r.expires)}. On the kiosk's setup screen scan the QR code or type the code; or run:`),
			el('pre', {class: 'command'}, el('code', {}, r.command)),
			el('div', {class: 'qr'}, svgNode(r.qr_svg)),
			el('p', {class: 'hint'}, 'The QR code says ', el('code', {}, r.uri),
				' (fieldsync-agent init --enroll takes it). Anyone with the code can enroll a kiosk into this region until it is used or expires.'));
	}

	function enrollForm(data, reload) {
		const region = el('input', {id: 'k-enroll-region', autocomplete: 'off', autocapitalize: 'none', spellcheck: 'false'});
		const ttl = el('select', {id: 'k-enroll-ttl'},
			el('option', {value: 3600}, '1 hour'), el('option', {value: 86400, selected: true}, '24 hours'),
			el('option', {value: 604800}, '7 days'), el('option', {value: 2592000}, '30 days'));
		const url = el('input', {id: 'k-enroll-url', type: 'url', value: data.hub_url || '', autocomplete: 'off', spellcheck: 'false'});
		const error = el('p', {class: 'field-error', id: 'k-enroll-error', hidden: true});
		const out = el('div', {'aria-live': 'polite'});
		const form = el('form', {novalidate: true},
			C.field('Region', region, 'The kiosk\'s region: a-z, 0-9 and dashes.'),
			C.field('Code valid for', ttl),
			C.field('Hub address kiosks use', url, 'The sync address, such as https://hub.example.org:8420. Put in the QR code; remembered for next time.'),
			error, el('div', {class: 'actions'}, el('button', {type: 'submit'}, 'Create enrollment code')));
		form.addEventListener('submit', async (ev) => {
			ev.preventDefault();
			const bad = nameCheck('The region')(region.value.trim()) ||
				(url.value.trim() !== '' && !/^https?:\/\/[!-~]+$/.test(url.value.trim())
					? 'The hub address must start with http:// or https://.' : null);
			error.hidden = !bad;
			if (bad) {
				error.textContent = bad;
				return;
			}
			C.clearError();
			try {
				const r = await C.api('POST', '/api/kiosks/enroll', {region: region.value.trim(),
					ttl: Number(ttl.value), hub_url: url.value.trim()});
				out.textContent = '';
				out.appendChild(enrolled(r));
				C.announce(`Enrollment code created for region ${r.region}`);
			} catch (e) {
				C.showError(e.message);
			}
		});
		return el('section', {class: 'panel', 'aria-labelledby': 'k-enroll'},
			el('h2', {id: 'k-enroll'}, 'Enroll a kiosk'), form, out);
	}

	C.page('kiosks', {
		title: 'Kiosks',
		order: 20,
		async render(root) {
			let selected = null;
			const list = el('div');
			const detail = el('div');
			const admin = C.hasRole('admin');
			let enrollPanel = null;
			const reload = async () => {
				const data = await C.api('GET', '/api/kiosks');
				list.textContent = '';
				detail.textContent = '';
				const columns = [
					{label: 'Kiosk', value: (k) => k.name || k.site},
					{label: 'Site', value: (k) => k.site},
					{label: 'Region', value: (k) => k.region},
					{label: 'Last sync', value: (k) => k.last_sync ? C.formatTime(k.last_sync) : 'never'},
					{label: 'Not sent', num: true, value: (k) => k.pending === null || k.pending === undefined ? 'not reported' : String(k.pending)},
					{label: 'Clock', value: (k) => clockText(k.clock_offset_ms)},
					{label: 'Version', value: (k) => k.agent_version || 'not reported'},
					{label: 'Last error', value: (k) => k.last_error || 'none'},
					{label: 'State', value: state}
				];
				if (admin)
					columns.push({label: 'Action', value: (k) => el('button', {type: 'button', class: 'secondary', on: {click: () => {
						selected = k.site;
						reload().then(() => {
							const h = detail.querySelector('h2');
							if (h)
								h.focus();
						});
					}}}, `Manage ${k.name || k.site}`)});
				list.appendChild(C.table('Kiosks', columns, data.kiosks, 'No kiosks are enrolled in your regions yet.'));
				const k = data.kiosks.find((x) => x.site === selected);
				if (k)
					detail.appendChild(manage(k, reload));
				if (admin && enrollPanel === null) {
					enrollPanel = enrollForm(data, reload);
					root.appendChild(enrollPanel);
				}
			};
			root.appendChild(el('p', {class: 'hint'}, 'What each kiosk reported at its last sync: changes not yet sent, its clock against the hub\'s, its version.'));
			root.appendChild(list);
			root.appendChild(detail);
			await reload();
		}
	});
})();
