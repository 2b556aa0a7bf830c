/* fieldsync kiosk: the worker console (docs/kiosk.md): PIN entry (names to
 * tap, a number pad), follow-ups and contacts (a search, due today marked), helping someone answer (an assisted questionnaire, through
 * questionnaire.js), the kiosk's sync status and offered questionnaires,
 * changing one's PIN. English only. The session is the service's cookie;
 * a 401 from any call locks the console. */
(function () {
	'use strict';

	var K = window.FsPage;
	var el = K.el, t = K.t, api = K.api, show = K.show, announce = K.announce;
	var setLanguage = K.setLanguage, idleArm = K.idleArm, wipe = K.wipe;
	var worker = null;  /* {name, idle_s, pinShort, pinMin} while in worker mode */

	/* The PIN screen: the names to tap (GET /api/worker/names; anyone at
	 * the screen sees them: docs/kiosk.md), the name field (typed too), the
	 * PIN field (never shown) and a number pad of large keys; the keyboard
	 * works as well. */
	function pinScreen() {
		setLanguage('en');
		document.getElementById('btn-language').hidden = true;
		var msg = el('p', {'class': 'error', id: 'pin-error', role: 'alert', hidden: true});
		var nameIn = el('input', {id: 'w-name', type: 'text', 'class': 'field short', autocomplete: 'off',
			autocapitalize: 'off', spellcheck: 'false', 'aria-describedby': 'pin-error'});
		var pinIn = el('input', {id: 'w-pin', type: 'password', inputmode: 'numeric', 'class': 'field short',
			autocomplete: 'off', maxlength: 12, 'aria-describedby': 'pin-error'});
		var names = el('div', {'class': 'worker-names', role: 'group', 'aria-labelledby': 'w-names-h', hidden: true}, [
			el('h2', {id: 'w-names-h', text: 'Tap your name'})]);
		function pick(button, name) {
			nameIn.value = name;
			Array.prototype.forEach.call(names.querySelectorAll('button'), function (b) {
				b.setAttribute('aria-pressed', b === button ? 'true' : 'false');
			});
			pinIn.focus();
		}
		function key(label, text, fn) {
			return el('button', {type: 'button', 'class': 'pad-key', 'aria-label': label,
				text: text, onclick: fn});
		}
		function digit(d) {
			return key(d, d, function () {
				if (pinIn.value.length < 12)
					pinIn.value += d;
			});
		}
		var keys = el('div', {'class': 'pin-pad', role: 'group', 'aria-label': 'Number pad'},
			['1', '2', '3', '4', '5', '6', '7', '8', '9'].map(digit).concat([
				key('Delete last digit', '\u232b Delete', function () { pinIn.value = pinIn.value.slice(0, -1); }),
				digit('0'),
				el('button', {type: 'submit', 'class': 'pad-key primary', 'aria-label': 'OK, enter worker mode',
					text: 'OK'})]));
		var form = el('form', {autocomplete: 'off', novalidate: true, 'class': 'pin',
			onsubmit: function (e) {
				e.preventDefault();
				var body = {name: nameIn.value.trim(), pin: pinIn.value};
				pinIn.value = '';
				api('POST', '/api/worker/login', body).then(function (r) {
					if (r.status === 200) {
						nameIn.value = '';
						worker = {name: r.data.worker, idle_s: r.data.idle_s,
							pinShort: r.data.pin_change_required === true, pinMin: r.data.pin_min_digits || 6};
						workerHome('followups');
						return;
					}
					msg.hidden = false;
					msg.textContent = r.status === 429 ? r.data.message
						: r.status === 401 ? 'Wrong name or PIN.' : 'Worker mode is not available: ' + r.data.message;
					pinIn.focus();
				});
			}}, [
			el('div', {'class': 'pin-cols'}, [
				el('div', {'class': 'pin-entry'}, [names,
					el('label', {'for': 'w-name', text: 'Your worker name'}), nameIn,
					el('label', {'for': 'w-pin', text: 'PIN'}), pinIn, msg,
					el('div', {'class': 'nav start'}, [
						el('button', {type: 'button', 'class': 'secondary', text: 'Cancel',
							onclick: function () { wipe(''); }})])]),
				keys])]);
		idleArm(K.kiosk.idle_timeout_s, function () { wipe(''); });
		show([el('h1', {text: 'Worker mode'}), form], 'Staff');
		api('GET', '/api/worker/names').then(function (r) {
			var list = r.status === 200 && Array.isArray(r.data.names) ? r.data.names : [];
			if (!list.length)
				return;
			names.appendChild(el('ul', {'class': 'name-list'}, list.map(function (n) {
				var b = el('button', {type: 'button', 'class': 'name-key', 'aria-pressed': 'false', text: n});
				b.addEventListener('click', function () { pick(b, n); });
				return el('li', {}, [b]);
			})));
			names.hidden = false;
		});
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

	var Q = function () { return window.FsQuestionnaire; };

	/* Dates and times in one format, the questionnaire's ("4 December
	 * 2026"; a time adds ", 14:30", the kiosk's local time). */
	function dateText(iso) {
		return /^\d{4}-\d{2}-\d{2}$/.test(iso || '') ? Q().dateText(iso) : (iso || '');
	}

	function localTime(iso) {
		if (!iso)
			return '';
		var d = new Date(iso);
		if (isNaN(d))
			return iso;
		return dateText(d.getFullYear() + '-' + pad(d.getMonth() + 1) + '-' + pad(d.getDate())) +
			', ' + pad(d.getHours()) + ':' + pad(d.getMinutes());
	}

	/* Due today or overdue: the API's verdict ("follow_up", core's
	 * fs_contact_follow_up on the kiosk's local date), not the page's. */
	function dueState(c) {
		return c.follow_up === 'overdue' ? 'overdue' : c.follow_up === 'due_today' ? 'due-today' : null;
	}

	function contactTable(list, withDue, none) {
		if (!list.length)
			return el('p', {text: none || (withDue ? 'No follow-ups are due.' : 'No contacts yet.')});
		var head = ['Person', 'Contact', 'Channel', 'Follow-up', 'Status', 'Action'];
		return el('table', {'class': 'contacts'}, [
			el('thead', {}, [el('tr', {}, head.map(function (h) {
				return el('th', {scope: 'col', text: h});
			}))]),
			el('tbody', {}, list.map(function (c) {
				var due = dueState(c);
				/* Not by colour alone: a word and a mark in the cell. */
				var mark = due === 'overdue' ? el('strong', {'class': 'due-mark', text: '\u26a0 Overdue'})
					: due === 'due-today' ? el('strong', {'class': 'due-mark', text: '\u25cf Due today'}) : null;
				return el('tr', {'class': due}, [
					el('th', {scope: 'row', text: c.person_ref}),
					el('td', {text: localTime(c.contact_at)}),
					el('td', {text: (c.channel || '').replace('_', ' ')}),
					el('td', {}, [el('span', {text: dateText(c.follow_up_date)}), mark ? ' ' : null, mark]),
					el('td', {text: c.status === 'requested' ? 'Requested contact' : c.status}),
					el('td', {}, [c.status === 'requested' ? takeButton(c) : null,
						c.status === 'requested' ? ' ' : null,
						el('button', {type: 'button', 'class': 'small',
						'aria-label': 'Edit contact ' + c.person_ref, text: 'Edit',
						onclick: function () { workerHome('edit', c.id); }})])]);
			}))]);
	}

	/* A person's request to be contacted (docs/reciprocity.md): taking it
	 * makes it an open contact of the region; closing it later deletes it. */
	function takeButton(c) {
		return el('button', {type: 'button', 'class': 'small', text: 'Take',
			'aria-label': 'Take requested contact ' + c.person_ref, onclick: function () {
				api('PUT', '/api/worker/contacts/' + encodeURIComponent(c.id), {status: 'open'})
					.then(function (r) {
						if (!need(r))
							return;
						if (r.status === 200) {
							workerHome('edit', c.id);
							announce('Taken: the request is now an open contact. Closing it deletes it.');
							return;
						}
						announce('Not taken: ' + r.data.message);
					});
			}});
	}

	function followups(body) {
		heading(body, 'Follow-ups due today or overdue');
		api('GET', '/api/worker/followups').then(function (r) {
			if (!need(r))
				return;
			body.appendChild(el('p', {'class': 'hint', text: 'Across the kiosks of this region, as of the last sync. Today is ' + dateText(r.data.today) + '.'}));
			body.appendChild(contactTable(r.data.due || [], true));
		});
	}

	/* What a search matches in a contact: its reference, channel, status,
	 * worker, topics, places signposted to and dates, as shown. */
	function searchText(c) {
		return [c.person_ref, c.channel, c.status, c.worker, dateText(c.follow_up_date), localTime(c.contact_at)]
			.concat(c.topics || [], c.signposted || []).join(' ').toLowerCase();
	}

	var SEARCH_SHOWN = 100; /* rows shown at once: refine the search for others */

	/* The region's contacts with a search box over them, in the page (the
	 * list is what this worker may see already). */
	function contactList(body) {
		heading(body, 'Contacts in this region');
		api('GET', '/api/worker/contacts').then(function (r) {
			if (!need(r))
				return;
			var all = r.data.contacts || [];
			var box = el('input', {id: 'c-search', type: 'search', 'class': 'field', autocomplete: 'off',
				spellcheck: 'false', 'aria-describedby': 'c-search-count', maxlength: 100});
			var count = el('p', {id: 'c-search-count', role: 'status', 'class': 'hint'});
			var holder = el('div', {'class': 'contacts-holder'});
			function render() {
				var words = box.value.toLowerCase().split(/\s+/).filter(Boolean);
				var hits = all.filter(function (c) {
					var s = searchText(c);
					return words.every(function (w) { return s.indexOf(w) >= 0; });
				});
				holder.textContent = '';
				holder.appendChild(contactTable(hits.slice(0, SEARCH_SHOWN), false,
					words.length && all.length ? 'No contact matches the search.' : null));
				count.textContent = (words.length ? hits.length + ' of ' + all.length + ' contacts match.'
					: all.length + ' contacts.') +
					(hits.length > SEARCH_SHOWN ? ' Showing the first ' + SEARCH_SHOWN + ': search to find others.' : '');
			}
			box.addEventListener('input', render);
			body.appendChild(el('div', {'class': 'form-row search-row'}, [
				el('label', {'for': 'c-search', text: 'Search contacts'}), box]));
			body.appendChild(count);
			body.appendChild(holder);
			render();
		});
	}

	function pad(n) {
		return (n < 10 ? '0' : '') + n;
	}

	/* A contact time as its local date (YYYY-MM-DD) and time (HH:MM). */
	function localParts(iso) {
		var d = iso ? new Date(iso) : new Date();
		if (isNaN(d))
			d = new Date();
		return {date: d.getFullYear() + '-' + pad(d.getMonth() + 1) + '-' + pad(d.getDate()),
			time: pad(d.getHours()) + ':' + pad(d.getMinutes())};
	}

	/* A labelled row; required ones say so in words, not by a mark alone. */
	function field(id, label, input, hint, required) {
		input.id = 'c-' + id;
		if (required)
			input.setAttribute('aria-required', 'true');
		if (hint)
			input.setAttribute('aria-describedby', 'c-' + id + '-hint');
		return el('div', {'class': 'form-row'}, [el('label', {'for': 'c-' + id}, [
			el('span', {text: label}), required ? el('span', {'class': 'required', text: ' (required)'}) : null]),
		hint ? el('p', {'class': 'hint', id: 'c-' + id + '-hint', text: hint}) : null, input]);
	}

	/* A date row: the questionnaire's Day / Month / Year fields in a
	 * fieldset (its legend the row's label). */
	function dateField(id, label, iso, required, extra) {
		return el('fieldset', {'class': 'form-row date-row', id: 'c-' + id + '-set'}, [
			el('legend', {}, [el('span', {text: label}),
				required ? el('span', {'class': 'required', text: ' (required)'}) : null]),
			el('p', {'class': 'hint', text: 'For example, 27 3 2026'}),
			el('div', {'class': 'date-line'}, [Q().dateInput('c-' + id, 'c_' + id, iso || '')].concat(extra || []))]);
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

	/* The contact form, compact: short fields side by side, Save and
	 * Cancel in a bar that stays in view (800x480 too). The worker is the
	 * one logged in for a new contact, the contact's own for an update,
	 * shown, never typed (the API sets it). */
	function fillContactForm(body, c) {
		c = c || {};
		var refRule = personRefRule();
		var list = function (v) { return Array.isArray(v) ? v.join(', ') : ''; };
		var when = localParts(c.contact_at);
		var inputs = {
			person_ref: el('input', {type: 'text', 'class': 'field short', autocomplete: 'off', value: c.person_ref || ''}),
			contact_time: el('input', {type: 'text', inputmode: 'numeric', 'class': 'field time', autocomplete: 'off',
				maxlength: 5, size: 6, value: when.time}),
			channel: select(['in_person', 'phone', 'video', 'text', 'group'], c.channel || 'in_person'),
			duration_min: el('input', {type: 'text', inputmode: 'numeric', 'class': 'field short', autocomplete: 'off',
				value: c.duration_min === undefined || c.duration_min === null ? '' : String(c.duration_min)}),
			topics: el('input', {type: 'text', 'class': 'field', autocomplete: 'off', value: list(c.topics)}),
			support: el('textarea', {'class': 'field', rows: 2, autocomplete: 'off'}),
			signposted: el('input', {type: 'text', 'class': 'field', autocomplete: 'off', value: list(c.signposted)}),
			follow_up_done: el('input', {type: 'checkbox', checked: c.follow_up_done === true}),
			status: select(c.status === 'requested' ? ['requested', 'open', 'closed'] : ['open', 'closed'],
				c.status || 'open'),
			notes: el('textarea', {'class': 'field', rows: 2, autocomplete: 'off'})
		};
		inputs.support.value = c.support || '';
		inputs.notes.value = c.notes || '';
		inputs.contact_time.id = 'c-contact_time';
		inputs.contact_time.setAttribute('aria-describedby', 'c-contact_time-hint');
		var msg = el('p', {'class': 'error', role: 'alert', hidden: true, id: 'contact-error'});
		function refuse(text, focus) {
			msg.hidden = false;
			msg.textContent = 'Not saved: ' + text;
			if (focus) {
				focus.setAttribute('aria-invalid', 'true');
				focus.focus();
			} else {
				msg.focus();
			}
		}
		var form = el('form', {autocomplete: 'off', novalidate: true, 'class': 'contact-form compact',
			onsubmit: function (e) {
				e.preventDefault();
				Array.prototype.forEach.call(form.querySelectorAll('[aria-invalid]'), function (i) {
					i.removeAttribute('aria-invalid');
				});
				var f = contactFields(form, inputs);
				if (f.fault)
					return refuse(f.fault.text, f.fault.input);
				/* A new value only: an older contact's stays editable. */
				var ref = refRule && (!c.id || f.person_ref !== c.person_ref) ?
					window.FsValidate.checkPersonRef(refRule, f.person_ref) : {ok: true};
				if (!ref.ok)
					return refuse(ref.message, inputs.person_ref);
				api(c.id ? 'PUT' : 'POST', '/api/worker/contacts' + (c.id ? '/' + encodeURIComponent(c.id) : ''), f)
					.then(function (r) {
						if (!need(r))
							return;
						if (r.status === 200 || r.status === 201) {
							workerHome('contacts');
							announce(r.data.contact && r.data.contact.deleted === true ?
								'Closed: the request to be contacted and its details are deleted.' :
								'Contact saved.');
							return;
						}
						refuse(r.data.message);
					});
			}}, [
			el('p', {'class': 'hint', text: 'Fields marked (required) must be filled in. Recorded by: ' + (c.worker || worker.name) + '.'}),
			c.worker === '(kiosk)' ? el('p', {'class': 'hint', id: 'c-request-hint',
				text: 'A person asked at a kiosk to be contacted: their name and how to reach them are in the notes. Closing it deletes it, with its details.'}) : null,
			el('div', {'class': 'form-grid'}, [
				field('person_ref', 'Person reference (not their name)', inputs.person_ref, 'A code from your records: never a name, date of birth or NHS number.', true),
				field('channel', 'Channel', inputs.channel, null, true),
				dateField('contact_at', 'When the contact happened', when.date, true, [
					el('div', {'class': 'date-item time'}, [
						el('label', {'for': 'c-contact_time', text: 'Time'}), inputs.contact_time]),
					el('p', {'class': 'hint', id: 'c-contact_time-hint', text: '24-hour, for example 14:30.'})]),
				field('duration_min', 'Duration in minutes', inputs.duration_min),
				field('status', 'Status', inputs.status),
				field('topics', 'Topics', inputs.topics, 'Separate with commas.'),
				field('signposted', 'Signposted to', inputs.signposted, 'Separate with commas.'),
				dateField('follow_up_date', 'Follow-up date', c.follow_up_date, false),
				el('div', {'class': 'form-row'}, [
					el('label', {'class': 'choice check', 'for': 'c-follow_up_done'}, [
						(inputs.follow_up_done.id = 'c-follow_up_done', inputs.follow_up_done),
						el('span', {text: 'Follow-up done'})])]),
				field('support', 'Support given', inputs.support),
				field('notes', 'Notes', inputs.notes)]),
			msg,
			el('div', {'class': 'nav save-bar'}, [
				el('button', {type: 'button', 'class': 'secondary', text: 'Cancel',
					onclick: function () { workerHome('contacts'); }}),
				el('button', {type: 'submit', 'class': 'primary', text: 'Save contact'})])]);
		inputs.person_ref.setAttribute('aria-describedby', 'c-person_ref-hint contact-error');
		body.appendChild(form);
	}

	/* The form's values as the API takes them, or {fault: {text, input}}
	 * for a date or time that cannot be read (nothing is sent then). No
	 * worker: the API records the one logged in. */
	function contactFields(form, inputs) {
		function list(v) {
			var out = v.split(',').map(function (s) { return s.trim(); })
				.filter(function (s, i, a) { return s !== '' && a.indexOf(s) === i; });
			return out.length ? out : null;
		}
		function textOrNull(v) {
			v = v.trim();
			return v === '' ? null : v;
		}
		function dateOf(id, label) {
			var d = Q().readDate(form, 'c_' + id);
			if (d.rule)
				return {fault: {text: label + ': ' + Q().dateError(d),
					input: document.getElementById('c-' + id + (d.field && d.field !== 'day' ? '-' + d.field : ''))}};
			return d;
		}
		var day = dateOf('contact_at', 'When the contact happened');
		if (day.fault)
			return day;
		if (day.v === undefined)
			return {fault: {text: 'When the contact happened: enter the day, month and year.',
				input: document.getElementById('c-contact_at')}};
		var tm = /^([01]?[0-9]|2[0-3])[:.]([0-5][0-9])$/.exec(inputs.contact_time.value.trim());
		if (!tm)
			return {fault: {text: 'Time: enter hours and minutes, for example 14:30.', input: inputs.contact_time}};
		var follow = dateOf('follow_up_date', 'Follow-up date');
		if (follow.fault)
			return follow;
		var p = day.v.split('-');
		var when = new Date(+p[0], +p[1] - 1, +p[2], +tm[1], +tm[2]);
		var dur = inputs.duration_min.value.trim();
		return {
			person_ref: inputs.person_ref.value.trim(),
			contact_at: isNaN(when) ? '' : when.toISOString().replace(/\.[0-9]{3}Z$/, 'Z'),
			channel: inputs.channel.value,
			duration_min: dur === '' ? null : /^[0-9]+$/.test(dur) ? Number(dur) : dur,
			topics: list(inputs.topics.value),
			support: textOrNull(inputs.support.value),
			signposted: list(inputs.signposted.value),
			follow_up_date: follow.v === undefined ? null : follow.v,
			follow_up_done: inputs.follow_up_done.checked,
			status: inputs.status.value,
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
