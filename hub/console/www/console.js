// fieldsync hub console: the shell (docs/console.md, "Pages"). Holds the
// session, the navigation and the hash router, and gives every page
//   FsConsole.page(name, {title, roles, order, render(el, ctx)})
//     name: the URL hash (#/name); roles: the role names that may open it
//     (absent: every role); order: its place in the navigation (lower
//     first); render builds the page into el (an element under the page's
//     h1) and may return a promise;
//   FsConsole.api(method, path, body) -> promise of the JSON answer; adds
//     the CSRF header and JSON content type to POSTs; rejects with an Error
//     carrying .status, .error and .data; a 401 returns to the login page;
// and helpers: el, announce, showError, clearError, user, hasRole,
// formatTime, ago, table, barChart, field, act. Page files (page-*.js) are
// joined into /pages.js at build time and call FsConsole.page when loaded.
(function () {
	'use strict';

	const ROLES = ['viewer', 'analyst', 'admin'];
	const pages = [];
	let session = null;
	let started = false;

	const $ = (id) => document.getElementById(id);

	// el('button', {class: 'x', type: 'button', on: {click: f}}, 'text', child...)
	function el(tag, attrs, ...kids) {
		const ns = tag === 'svg' || (attrs && attrs.svg);
		const e = ns ? document.createElementNS('http://www.w3.org/2000/svg', tag)
			: document.createElement(tag);
		for (const [k, v] of Object.entries(attrs || {})) {
			if (v === undefined || v === null || v === false || k === 'svg')
				continue;
			if (k === 'on') {
				for (const [ev, fn] of Object.entries(v))
					e.addEventListener(ev, fn);
			} else if (k === 'text') {
				e.textContent = v;
			} else {
				e.setAttribute(k === 'className' ? 'class' : k, v === true ? '' : String(v));
			}
		}
		for (const k of kids.flat()) {
			if (k === undefined || k === null || k === false)
				continue;
			e.appendChild(typeof k === 'string' || typeof k === 'number'
				? document.createTextNode(String(k)) : k);
		}
		return e;
	}

	// A message for screen readers (the polite live region).
	function announce(text) {
		const s = $('status');
		s.textContent = '';
		setTimeout(() => { s.textContent = text; }, 30);
	}

	// An error shown above the page and announced (role=alert).
	function showError(text) {
		const a = $('alert');
		a.textContent = text;
		a.hidden = false;
	}

	function clearError() {
		const a = $('alert');
		a.textContent = '';
		a.hidden = true;
	}

	function hasRole(role) {
		return session !== null && ROLES.indexOf(session.role) >= ROLES.indexOf(role);
	}

	function user() {
		return session === null ? null : {user: session.user, role: session.role,
			regions: session.regions.slice()};
	}

	async function api(method, path, body) {
		const opts = {method, headers: {Accept: 'application/json'}, credentials: 'same-origin'};
		if (method !== 'GET' && method !== 'HEAD') {
			opts.headers['Content-Type'] = 'application/json';
			if (session !== null)
				opts.headers['X-CSRF-Token'] = session.csrf;
			opts.body = JSON.stringify(body === undefined ? {} : body);
		}
		const res = await fetch(path, opts);
		let data = null;
		try {
			data = await res.json();
		} catch (e) {
			data = null;
		}
		if (!res.ok) {
			const err = new Error((data && data.message) || `the hub answered ${res.status}`);
			err.status = res.status;
			err.error = data && data.error;
			err.data = data;
			if (res.status === 401 && path !== '/api/login' && session !== null) {
				session = null;
				showLogin('Your session has ended. Please log in again.');
			}
			throw err;
		}
		return data;
	}

	// ---- times ----

	function formatTime(iso) {
		if (!iso)
			return 'never';
		const d = new Date(iso);
		if (isNaN(d))
			return iso;
		return d.toLocaleString('en-GB', {year: 'numeric', month: 'short', day: 'numeric',
			hour: '2-digit', minute: '2-digit'});
	}

	function ago(iso, now) {
		if (!iso)
			return 'never';
		const ms = (now ? new Date(now) : new Date()) - new Date(iso);
		if (isNaN(ms))
			return '';
		const m = Math.round(ms / 60000);
		if (m < 1)
			return 'just now';
		if (m < 60)
			return m === 1 ? '1 minute ago' : `${m} minutes ago`;
		const h = Math.round(m / 60);
		if (h < 48)
			return h === 1 ? '1 hour ago' : `${h} hours ago`;
		const days = Math.round(h / 24);
		return `${days} days ago`;
	}

	// ---- building blocks ----

	// A table: columns [{label, value(row) -> node|text, num}], rows.
	function table(caption, columns, rows, empty) {
		if (rows.length === 0)
			return el('p', {}, empty || 'Nothing to show.');
		return el('div', {class: 'table-wrap', tabindex: 0, role: 'region', 'aria-label': caption},
			el('table', {},
				el('caption', {}, caption),
				el('thead', {}, el('tr', {}, columns.map((c) =>
					el('th', {scope: 'col', class: c.num ? 'num' : undefined}, c.label)))),
				el('tbody', {}, rows.map((r) => el('tr', {}, columns.map((c, i) => {
					const v = c.value(r);
					return el(i === 0 ? 'th' : 'td', {scope: i === 0 ? 'row' : undefined,
						class: c.num ? 'num' : undefined}, v);
				}))))));
	}

	// A labelled form field: input is an element; hint text optional.
	let fieldSeq = 0;
	function field(label, input, hint) {
		const id = input.id || `f${++fieldSeq}`;
		input.id = id;
		const kids = [el('label', {for: id}, label)];
		if (hint) {
			const h = el('p', {class: 'hint', id: `${id}-hint`}, hint);
			input.setAttribute('aria-describedby', h.id);
			kids.push(h);
		}
		kids.push(input);
		return el('div', {class: 'field'}, kids);
	}

	// A bar chart as inline SVG with the same numbers in a table beside
	// it: {title, labels: [text], values: [number], valueLabel, labelHeader,
	// labelText(i) (long form for the table)}.
	let chartSeq = 0;
	function barChart(o) {
		const id = `chart${++chartSeq}`;
		const n = o.values.length;
		const max = Math.max(1, ...o.values);
		const W = 640, H = 240, left = 40, bottom = 36, top = 12;
		const bw = (W - left - 8) / Math.max(1, n);
		const total = o.values.reduce((a, b) => a + b, 0);
		const svg = el('svg', {viewBox: `0 0 ${W} ${H}`, role: 'img',
			'aria-labelledby': `${id}-t ${id}-d`, focusable: 'false'},
		el('title', {svg: true, id: `${id}-t`}, o.title),
		el('desc', {svg: true, id: `${id}-d`},
			`${total} ${o.valueLabel.toLowerCase()} in all; at most ${max} on one ${o.unit || 'day'}. The table beside the chart lists every value.`));
		const axis = (x1, y1, x2, y2) => el('line', {svg: true, x1, y1, x2, y2, stroke: '#1b1b1b', 'stroke-width': 1});
		svg.appendChild(axis(left, top, left, H - bottom));
		svg.appendChild(axis(left, H - bottom, W - 4, H - bottom));
		for (const f of [0, 0.5, 1]) {
			const v = Math.round(max * f), y = H - bottom - (H - bottom - top) * (v / max);
			svg.appendChild(el('text', {svg: true, x: left - 6, y: y + 4, 'text-anchor': 'end',
				'font-size': 12, fill: '#1b1b1b'}, String(v)));
			if (f > 0)
				svg.appendChild(el('line', {svg: true, x1: left, y1: y, x2: W - 4, y2: y,
					stroke: '#b1b4b6', 'stroke-dasharray': '3 3'}));
		}
		o.values.forEach((v, i) => {
			const h = (H - bottom - top) * (v / max);
			const x = left + i * bw + 1;
			const bar = el('rect', {svg: true, x, y: H - bottom - h, width: Math.max(1, bw - 2),
				height: Math.max(0, h), fill: '#1d4f91'});
			bar.appendChild(el('title', {svg: true}, `${o.labelText ? o.labelText(i) : o.labels[i]}: ${v}`));
			svg.appendChild(bar);
			const every = Math.ceil(n / 8);
			if (i % every === 0 || (i === n - 1 && i % every >= every / 2))
				svg.appendChild(el('text', {svg: true, x: x + bw / 2, y: H - bottom + 16,
					'text-anchor': 'middle', 'font-size': 11, fill: '#1b1b1b'}, o.labels[i]));
		});
		const rows = o.values.map((v, i) => ({label: o.labelText ? o.labelText(i) : o.labels[i], v}));
		return el('div', {class: 'chart'},
			el('figure', {}, el('figcaption', {id: `${id}-c`}, o.title), svg),
			el('div', {class: 'chart-table'}, table(`${o.title} (table)`, [
				{label: o.labelHeader || 'Day', value: (r) => r.label},
				{label: o.valueLabel, value: (r) => String(r.v), num: true}
			], rows)));
	}

	// ---- pages and navigation ----

	function page(name, spec) {
		pages.push(Object.assign({name, order: 50}, spec));
		pages.sort((a, b) => a.order - b.order || a.name.localeCompare(b.name));
		if (started && session !== null)
			renderNav();
	}

	function allowed(p) {
		return session !== null && (!p.roles || p.roles.indexOf(session.role) >= 0);
	}

	function current() {
		const m = /^#\/([a-z0-9-]+)/.exec(location.hash);
		return m ? m[1] : '';
	}

	function renderNav() {
		const list = $('nav-list');
		list.textContent = '';
		for (const p of pages.filter(allowed)) {
			const a = el('a', {href: `#/${p.name}`}, p.title);
			if (p.name === current())
				a.setAttribute('aria-current', 'page');
			list.appendChild(el('li', {}, a));
		}
		$('nav').hidden = false;
		$('who').hidden = false;
		$('who-name').textContent = `${session.user} (${session.role})`;
	}

	function heading(text) {
		const h = el('h1', {tabindex: -1}, text);
		return h;
	}

	async function show() {
		clearError();
		const root = $('page');
		if (session === null)
			return showLogin();
		const open = pages.filter(allowed);
		let p = pages.find((x) => x.name === current());
		if (!p) {
			if (open.length > 0 && current() === '') {
				location.replace(`#/${open[0].name}`);
				return;
			}
			p = null;
		}
		renderNav();
		root.textContent = '';
		if (p === null || !allowed(p)) {
			const h = heading(p === null ? 'Page not found' : 'Not allowed');
			root.appendChild(h);
			root.appendChild(el('p', {}, p === null ? 'There is no such page in the console.'
				: `Your role (${session.role}) cannot open ${p.title}.`));
			document.title = `${h.textContent} – fieldsync console`;
			h.focus();
			return;
		}
		const h = heading(p.title);
		const body = el('div', {class: 'page-body'});
		root.appendChild(h);
		root.appendChild(body);
		document.title = `${p.title} – fieldsync console`;
		h.focus();
		try {
			await p.render(body, {api, session: user()});
		} catch (e) {
			if (e.status !== 401)
				showError(e.message);
		}
	}

	function showLogin(message) {
		$('nav').hidden = true;
		$('who').hidden = true;
		const root = $('page');
		root.textContent = '';
		const name = el('input', {id: 'login-name', name: 'username', autocomplete: 'username',
			autocapitalize: 'none', spellcheck: 'false', required: true});
		const password = el('input', {id: 'login-password', name: 'password', type: 'password',
			autocomplete: 'current-password', required: true});
		const error = el('div', {id: 'login-error', class: 'alert', role: 'alert', hidden: true});
		const form = el('form', {class: 'login', novalidate: true, 'aria-labelledby': 'login-h'},
			error,
			field('User name', name),
			field('Password', password),
			el('div', {class: 'actions'}, el('button', {type: 'submit'}, 'Log in')));
		form.addEventListener('submit', async (ev) => {
			ev.preventDefault();
			error.hidden = true;
			if (name.value.trim() === '' || password.value === '') {
				error.textContent = 'Enter your user name and password.';
				error.hidden = false;
				(name.value.trim() === '' ? name : password).focus();
				return;
			}
			try {
				// 503 busy: the hub checks 2 passwords at a time; try again
				// shortly, a few times, before saying so.
				for (let tries = 0; ; tries++) {
					try {
						session = await api('POST', '/api/login', {name: name.value.trim(),
							password: password.value});
						break;
					} catch (e) {
						if (e.status !== 503 || tries >= 4)
							throw e;
						await new Promise((r) => setTimeout(r, 500 + Math.random() * 1000));
					}
				}
				password.value = '';
				announce(`Logged in as ${session.user}`);
				await show();
			} catch (e) {
				password.value = '';
				error.textContent = e.status === 401 ? 'Wrong user name or password.' : e.message;
				error.hidden = false;
				password.focus();
			}
		});
		const h = el('h1', {id: 'login-h', tabindex: -1}, 'Log in');
		root.appendChild(h);
		if (message)
			root.appendChild(el('p', {class: 'notice'}, message));
		root.appendChild(form);
		document.title = 'Log in – fieldsync console';
		name.focus();
	}

	async function logout() {
		try {
			await api('POST', '/api/logout', {});
		} catch (e) {
			if (e.status !== 401) { // 401: the session had ended already
				showError(`Could not log out: ${e.message}`);
				return;
			}
		}
		session = null;
		history.replaceState(null, '', '/');
		showLogin('You have logged out.');
		announce('Logged out');
	}

	async function start() {
		started = true;
		$('logout').addEventListener('click', logout);
		window.addEventListener('hashchange', show);
		try {
			session = await api('GET', '/api/session');
		} catch (e) {
			session = null;
		}
		await show();
	}

	// Run an action (fn: a promise), announce done, then reload(); an error
	// is shown instead. Resolves fn's answer, or null after an error.
	async function act(fn, done, reload) {
		clearError();
		try {
			const r = await fn();
			announce(done);
			await reload();
			return r;
		} catch (e) {
			showError(e.message);
			return null;
		}
	}

	window.FsConsole = {api, page, el, announce, showError, clearError, user, hasRole,
		formatTime, ago, table, barChart, field, act, ROLES};
	document.addEventListener('DOMContentLoaded', start);
})();
