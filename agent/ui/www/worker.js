/* fieldsync kiosk: the worker console (docs/kiosk.md): PIN entry, follow-ups
 * and contacts, helping someone answer (an assisted questionnaire, through
 * questionnaire.js), the kiosk's sync status and offered questionnaires,
 * changing one's PIN. English only. The session is the service's cookie;
 * a 401 from any call locks the console. */
(function () {
	'use strict';

	var K = window.FsPage;
	var el = K.el, t = K.t, api = K.api, show = K.show, announce = K.announce;
	var setLanguage = K.setLanguage, idleArm = K.idleArm, wipe = K.wipe;
	var worker = null;  /* {name, idle_s, pinShort, pinMin} while in worker mode */

	function pinScreen() {
		setLanguage('en');
		document.getElementById('btn-language').hidden = true;
		var msg = el('p', {'class': 'error', id: 'pin-error', role: 'alert', hidden: true});
		var form = el('form', {autocomplete: 'off', novalidate: true, 'class': 'pin',
			onsubmit: function (e) {
				e.preventDefault();
				var name = document.getElementById('w-name'), pin = document.getElementById('w-pin');
				var body = {name: name.value.trim(), pin: pin.value};
				pin.value = '';
				api('POST', '/api/worker/login', body).then(function (r) {
					if (r.status === 200) {
						name.value = '';
						worker = {name: r.data.worker, idle_s: r.data.idle_s,
							pinShort: r.data.pin_change_required === true, pinMin: r.data.pin_min_digits || 6};
						workerHome('followups');
						return;
					}
					msg.hidden = false;
					msg.textContent = r.status === 429 ? r.data.message
						: r.status === 401 ? 'Wrong name or PIN.' : 'Worker mode is not available: ' + r.data.message;
					pin.focus();
				});
			}}, [
			el('label', {'for': 'w-name', text: 'Your worker name'}),
			el('input', {id: 'w-name', type: 'text', 'class': 'field short', autocomplete: 'off',
				autocapitalize: 'off', spellcheck: 'false', 'aria-describedby': 'pin-error'}),
			el('label', {'for': 'w-pin', text: 'PIN'}),
			el('input', {id: 'w-pin', type: 'password', inputmode: 'numeric', 'class': 'field short',
				autocomplete: 'off', 'aria-describedby': 'pin-error'}),
			msg,
			el('div', {'class': 'nav'}, [
				el('button', {type: 'button', 'class': 'secondary', text: 'Cancel',
					onclick: function () { wipe(''); }}),
				el('button', {type: 'submit', 'class': 'primary', text: 'Enter worker mode'})])]);
		idleArm(K.kiosk.idle_timeout_s, function () { wipe(''); });
		show([el('h1', {text: 'Worker mode'}), form], 'Staff');
	}

	function lockWorker() {
		worker = null;
		api('POST', '/api/worker/logout', {}).then(function () { wipe(''); });
	}

	function need(r) {
		if (r.status === 401) {
			lockWorker();
			return false;
		}
		return true;
	}

	var sections = [
		['followups', 'Follow-ups due'], ['contacts', 'Contacts'], ['new', 'New contact'],
		['assist', 'Help someone answer'], ['kiosk', 'Kiosk and sync'], ['pin', t('pin_change')]];

	function workerHome(section, arg) {
		setLanguage('en');
		document.getElementById('btn-language').hidden = true;
		idleArm(worker.idle_s, lockWorker, true);
		var nav = el('nav', {'aria-label': 'Worker mode', 'class': 'worker-nav'},
			sections.map(function (s) {
				return el('button', {type: 'button', 'aria-current': s[0] === section ? 'page' : null,
					onclick: function () { workerHome(s[0]); }, text: s[1]});
			}).concat([el('button', {type: 'button', 'class': 'lock', onclick: lockWorker,
				text: 'Lock'})]));
		var body = el('section', {'class': 'worker-body', 'aria-live': 'polite'});
		var parts = [nav];
		/* A PIN set before the 6-digit rule: ask, on every screen, until changed. */
		if (worker.pinShort && section !== 'pin')
			parts.push(el('div', {'class': 'warning', role: 'status', id: 'pin-warning'}, [
				el('p', {text: t('pin_short', {m: worker.pinMin})}),
				el('button', {type: 'button', 'class': 'secondary', text: t('pin_change'),
					onclick: function () { workerHome('pin'); }})]));
		parts.push(body);
		show(parts, 'Worker mode: ' + worker.name);
		({followups: followups, contacts: contactList, 'new': contactForm, edit: contactForm,
			assist: assistList, kiosk: kioskSettings, pin: changePin})[section](body, arg);
	}

	/* Change one's own PIN: the current one, then the new one twice. */
	function changePin(body) {
		heading(body, t('pin_change'));
		var msg = el('p', {'class': 'error', id: 'pin-change-error', role: 'alert', hidden: true});
		var done = el('p', {role: 'status', 'class': 'hint'});
		function field(id, label) {
			return [el('label', {'for': id, text: label}),
				el('input', {id: id, type: 'password', inputmode: 'numeric', 'class': 'field short',
					autocomplete: 'off', 'aria-describedby': 'pin-change-error'})];
		}
		var form = el('form', {autocomplete: 'off', novalidate: true, 'class': 'pin',
			onsubmit: function (e) {
				e.preventDefault();
				var cur = document.getElementById('p-current'), nw = document.getElementById('p-new'),
					again = document.getElementById('p-again');
				var req = {current: cur.value, 'new': nw.value}, same = nw.value === again.value;
				cur.value = nw.value = again.value = '';
				done.textContent = '';
				function fail(text) {
					msg.hidden = false;
					msg.textContent = text;
					cur.focus();
				}
				if (!same)
					return fail(t('pin_differ'));
				api('POST', '/api/worker/pin', req).then(function (r) {
					if (!need(r))
						return;
					if (r.status === 200) {
						msg.hidden = true;
						worker.pinShort = false;
						workerHome('pin');
						announce(t('pin_changed'));
						var p = document.getElementById('pin-change-done');
						if (p)
							p.textContent = t('pin_changed');
						return;
					}
					fail(r.status === 403 ? t('pin_wrong_current') : r.data.message);
				});
			}}, [].concat(field('p-current', t('pin_current')),
			field('p-new', t('pin_new', {m: worker.pinMin || 6, max: 12})),
			field('p-again', t('pin_again')), [msg,
				el('div', {'class': 'nav start'}, [
					el('button', {type: 'submit', 'class': 'primary', text: t('pin_save')})])]));
		done.id = 'pin-change-done';
		body.appendChild(form);
		body.appendChild(done);
	}

	function heading(body, text) {
		body.textContent = '';
		var h = el('h1', {text: text, tabindex: '-1'});
		body.appendChild(h);
		h.focus();
		return h;
	}

	function localTime(iso) {
		if (!iso)
			return '';
		var d = new Date(iso);
		return isNaN(d) ? iso : d.toLocaleString('en-GB', {dateStyle: 'medium', timeStyle: 'short'});
	}

	function contactTable(list, withDue) {
		if (!list.length)
			return el('p', {text: withDue ? 'No follow-ups are due.' : 'No contacts yet.'});
		var head = ['Person', 'Contact', 'Channel', 'Follow-up', 'Status', 'Action'];
		return el('table', {'class': 'contacts'}, [
			el('thead', {}, [el('tr', {}, head.map(function (h) {
				return el('th', {scope: 'col', text: h});
			}))]),
			el('tbody', {}, list.map(function (c) {
				return el('tr', {'class': c.overdue ? 'overdue' : null}, [
					el('th', {scope: 'row', text: c.person_ref}),
					el('td', {text: localTime(c.contact_at)}),
					el('td', {text: (c.channel || '').replace('_', ' ')}),
					el('td', {text: (c.follow_up_date || '') + (c.overdue ? ' (overdue)' : '')}),
					el('td', {text: c.status}),
					el('td', {}, [el('button', {type: 'button', 'class': 'small',
						'aria-label': 'Edit contact ' + c.person_ref, text: 'Edit',
						onclick: function () { workerHome('edit', c.id); }})])]);
			}))]);
	}

	function followups(body) {
		heading(body, 'Follow-ups due today or overdue');
		api('GET', '/api/worker/followups').then(function (r) {
			if (!need(r))
				return;
			body.appendChild(el('p', {'class': 'hint', text: 'Across the kiosks of this region, as of the last sync. Today is ' + r.data.today + '.'}));
			body.appendChild(contactTable(r.data.due || [], true));
		});
	}

	function contactList(body) {
		heading(body, 'Contacts in this region');
		api('GET', '/api/worker/contacts').then(function (r) {
			if (!need(r))
				return;
			body.appendChild(contactTable(r.data.contacts || [], false));
		});
	}

	function pad(n) {
		return (n < 10 ? '0' : '') + n;
	}

	function toLocalInput(iso) {
		var d = iso ? new Date(iso) : new Date();
		return d.getFullYear() + '-' + pad(d.getMonth() + 1) + '-' + pad(d.getDate()) + 'T' +
			pad(d.getHours()) + ':' + pad(d.getMinutes());
	}

	function field(id, label, input, hint) {
		input.id = 'c-' + id;
		if (hint)
			input.setAttribute('aria-describedby', 'c-' + id + '-hint');
		return el('div', {'class': 'form-row'}, [el('label', {'for': 'c-' + id, text: label}),
			hint ? el('p', {'class': 'hint', id: 'c-' + id + '-hint', text: hint}) : null, input]);
	}

	function select(values, current) {
		return el('select', {'class': 'field short'}, values.map(function (v) {
			return el('option', {value: v, selected: v === current, text: v.replace('_', ' ')});
		}));
	}

	function contactForm(body, id) {
		heading(body, id ? 'Update contact' : 'New contact');
		if (!id) {
			fillContactForm(body, null);
			return;
		}
		api('GET', '/api/worker/contacts/' + encodeURIComponent(id)).then(function (r) {
			if (need(r))
				fillContactForm(body, r.data.contact);
		});
	}

	/* The deployment's person_ref rule (GET /api/kiosk), checked here
	 * first; the store checks it again (core/src/person_ref.c). null when
	 * the pattern does not read: the store's check alone then applies. */
	function personRefRule() {
		var V = window.FsValidate;
		var r = V.personRefRule(K.kiosk.person_ref_pattern || V.PERSON_REF_DEFAULT);
		return r.ok ? r.rule : null;
	}

	function fillContactForm(body, c) {
		c = c || {};
		var refRule = personRefRule();
		var list = function (v) { return Array.isArray(v) ? v.join(', ') : ''; };
		var inputs = {
			person_ref: el('input', {type: 'text', 'class': 'field short', autocomplete: 'off', value: c.person_ref || ''}),
			contact_at: el('input', {type: 'datetime-local', 'class': 'field short', autocomplete: 'off', value: toLocalInput(c.contact_at)}),
			channel: select(['in_person', 'phone', 'video', 'text', 'group'], c.channel || 'in_person'),
			duration_min: el('input', {type: 'text', inputmode: 'numeric', 'class': 'field short', autocomplete: 'off',
				value: c.duration_min === undefined || c.duration_min === null ? '' : String(c.duration_min)}),
			topics: el('input', {type: 'text', 'class': 'field', autocomplete: 'off', value: list(c.topics)}),
			support: el('textarea', {'class': 'field', rows: 3, autocomplete: 'off'}),
			signposted: el('input', {type: 'text', 'class': 'field', autocomplete: 'off', value: list(c.signposted)}),
			follow_up_date: el('input', {type: 'date', 'class': 'field short', autocomplete: 'off', value: c.follow_up_date || ''}),
			follow_up_done: el('input', {type: 'checkbox', checked: c.follow_up_done === true}),
			status: select(['open', 'closed'], c.status || 'open'),
			worker: el('input', {type: 'text', 'class': 'field short', autocomplete: 'off', value: c.worker || worker.name}),
			notes: el('textarea', {'class': 'field', rows: 3, autocomplete: 'off'})
		};
		inputs.support.value = c.support || '';
		inputs.notes.value = c.notes || '';
		var msg = el('p', {'class': 'error', role: 'alert', hidden: true, id: 'contact-error'});
		var form = el('form', {autocomplete: 'off', novalidate: true, 'class': 'contact-form',
			onsubmit: function (e) {
				e.preventDefault();
				var f = contactFields(inputs);
				/* A new value only: an older contact's stays editable. */
				var ref = refRule && (!c.id || f.person_ref !== c.person_ref) ?
					window.FsValidate.checkPersonRef(refRule, f.person_ref) : {ok: true};
				inputs.person_ref.removeAttribute('aria-invalid');
				if (!ref.ok) {
					msg.hidden = false;
					msg.textContent = 'Not saved: ' + ref.message;
					inputs.person_ref.setAttribute('aria-invalid', 'true');
					inputs.person_ref.focus();
					return;
				}
				api(c.id ? 'PUT' : 'POST', '/api/worker/contacts' + (c.id ? '/' + encodeURIComponent(c.id) : ''), f)
					.then(function (r) {
						if (!need(r))
							return;
						if (r.status === 200 || r.status === 201) {
							workerHome('contacts');
							announce('Contact saved.');
							return;
						}
						msg.hidden = false;
						msg.textContent = 'Not saved: ' + r.data.message;
						msg.focus();
					});
			}}, [
			field('person_ref', 'Person reference (not their name)', inputs.person_ref, 'A code that identifies the person in your records: never their name, date of birth or NHS number.'),
			field('contact_at', 'When the contact happened', inputs.contact_at),
			field('channel', 'Channel', inputs.channel),
			field('duration_min', 'Duration in minutes', inputs.duration_min),
			field('topics', 'Topics', inputs.topics, 'Separate with commas.'),
			field('support', 'Support given', inputs.support),
			field('signposted', 'Signposted to', inputs.signposted, 'Separate with commas.'),
			field('follow_up_date', 'Follow-up date', inputs.follow_up_date),
			el('div', {'class': 'form-row'}, [
				el('label', {'class': 'choice check', 'for': 'c-follow_up_done'}, [
					(inputs.follow_up_done.id = 'c-follow_up_done', inputs.follow_up_done),
					el('span', {text: 'Follow-up done'})])]),
			field('status', 'Status', inputs.status),
			field('worker', 'Worker', inputs.worker),
			field('notes', 'Notes', inputs.notes),
			msg,
			el('div', {'class': 'nav'}, [
				el('button', {type: 'button', 'class': 'secondary', text: 'Cancel',
					onclick: function () { workerHome('contacts'); }}),
				el('button', {type: 'submit', 'class': 'primary', text: 'Save contact'})])]);
		inputs.person_ref.setAttribute('aria-describedby', 'c-person_ref-hint contact-error');
		body.appendChild(form);
	}

	function contactFields(inputs) {
		function list(v) {
			var out = v.split(',').map(function (s) { return s.trim(); })
				.filter(function (s, i, a) { return s !== '' && a.indexOf(s) === i; });
			return out.length ? out : null;
		}
		function textOrNull(v) {
			v = v.trim();
			return v === '' ? null : v;
		}
		var when = inputs.contact_at.value ? new Date(inputs.contact_at.value) : null;
		var dur = inputs.duration_min.value.trim();
		return {
			person_ref: inputs.person_ref.value.trim(),
			contact_at: when && !isNaN(when) ? when.toISOString().replace(/\.[0-9]{3}Z$/, 'Z') : '',
			channel: inputs.channel.value,
			duration_min: dur === '' ? null : /^[0-9]+$/.test(dur) ? Number(dur) : dur,
			topics: list(inputs.topics.value),
			support: textOrNull(inputs.support.value),
			signposted: list(inputs.signposted.value),
			follow_up_date: inputs.follow_up_date.value || null,
			follow_up_done: inputs.follow_up_done.checked,
			status: inputs.status.value,
			worker: inputs.worker.value.trim(),
			notes: textOrNull(inputs.notes.value)
		};
	}

	function assistList(body) {
		heading(body, 'Help someone answer');
		body.appendChild(el('p', {'class': 'hint', text: 'The response is stored as assisted, with your name as the worker.'}));
		api('GET', '/api/worker/questionnaires').then(function (r) {
			if (!need(r))
				return;
			body.appendChild(el('ul', {'class': 'choices-list'}, r.data.questionnaires.map(function (q) {
				return el('li', {}, [el('button', {type: 'button', 'class': 'big', lang: q.languages[0],
					onclick: function () { window.FsQuestionnaire.begin(q.id, true); }, text: q.title[q.languages[0]]})]);
			})));
		});
	}

	function kioskSettings(body) {
		heading(body, 'Kiosk and sync');
		var status = el('dl', {'class': 'status'});
		var syncMsg = el('p', {role: 'status', 'class': 'hint'});
		function refresh() {
			api('GET', '/api/worker/status').then(function (r) {
				if (!need(r))
					return;
				var s = r.data;
				status.textContent = '';
				[['Changes waiting to sync', String(s.pending)],
					['Last sync', s.last_sync ? localTime(s.last_sync) : 'never'],
					['Hub reachable', s.hub_reachable === null ? 'not tried yet' : s.hub_reachable ? 'yes' : 'no'],
					['Last error', s.last_error ? localTime(s.last_error_at) + ': ' + s.last_error : 'none']]
					.forEach(function (p) {
						status.appendChild(el('dt', {text: p[0]}));
						status.appendChild(el('dd', {text: p[1]}));
					});
			});
		}
		body.appendChild(el('h2', {text: 'Sync status'}));
		body.appendChild(status);
		body.appendChild(el('div', {'class': 'nav start'}, [
			el('button', {type: 'button', 'class': 'primary', id: 'btn-sync', text: 'Sync now',
				onclick: function () {
					api('POST', '/api/worker/sync', {}).then(function (r) {
						if (!need(r))
							return;
						syncMsg.textContent = r.status === 202 ? 'Sync requested.' : 'Sync is not available: ' + r.data.message;
						setTimeout(refresh, 1500);
					});
				}}),
			el('button', {type: 'button', 'class': 'secondary', text: 'Refresh', onclick: refresh})]));
		body.appendChild(syncMsg);
		refresh();
		var fs = el('fieldset', {'class': 'offered'}, [el('legend', {}, [
			el('h2', {text: 'Questionnaires offered on this kiosk'})])]);
		var msg = el('p', {role: 'status', 'class': 'hint'});
		var form = el('form', {autocomplete: 'off', onsubmit: function (e) {
			e.preventDefault();
			var ids = Array.prototype.filter.call(form.querySelectorAll('input[type=checkbox]'),
				function (i) { return i.checked; }).map(function (i) { return i.value; });
			api('PUT', '/api/worker/offered', {offered: ids}).then(function (r) {
				if (need(r))
					msg.textContent = r.status === 200 ? 'Saved: the welcome screen now offers ' + ids.length + ' questionnaire(s).' : 'Not saved: ' + r.data.message;
			});
		}}, [fs, el('button', {type: 'submit', 'class': 'primary', text: 'Save choice'}), msg]);
		body.appendChild(form);
		api('GET', '/api/worker/questionnaires').then(function (r) {
			if (!need(r))
				return;
			r.data.questionnaires.forEach(function (q) {
				fs.appendChild(el('label', {'class': 'choice'}, [
					el('input', {type: 'checkbox', value: q.id, checked: q.offered}),
					el('span', {lang: q.languages[0], text: q.title[q.languages[0]] + ' (' + q.id + ', version ' + q.version + ')'})]));
			});
		});
	}

	/* Into the console for a worker whose session is open ({name, idle_s}). */
	function enter(w) {
		worker = w;
		workerHome('followups');
	}

	window.FsWorker = {pinScreen: pinScreen, enter: enter};
})();
