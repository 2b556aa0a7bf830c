/* fieldsync kiosk: a person's receipt code (docs/kiosk.md "Receipt
 * codes", docs/reciprocity.md "Your receipt").
 *
 * Thank-you screen: "Take a receipt code" (nothing shown until asked), then
 * the code large, its QR code (drawn by the kiosk: POST /api/receipt/qr)
 * and the warning that a lost code cannot be found again. The code comes
 * once, in the 201 of POST /api/responses; it is never printed, never put
 * in a URL or storage, and goes with the page at wipe().
 *
 * Welcome screen: "I have a receipt code" opens the lookup screen: the
 * code typed (forgiving: the kiosk reads it, ui_receipt.c), its status in
 * plain words (POST /api/receipt "status", asked again while the kiosk
 * waits for the hub), and "withdraw" after a confirm step. Leaving the
 * screen, or its idle timeout, is a wipe(): no code stays in the DOM. */
(function () {
	'use strict';

	var K = window.FsPage;
	var el = K.el, t = K.t;
	var POLL_MS = 400, POLL_MAX = 40;
	/* The code taken on this thank-you screen: drawn again, not asked
	 * again, when the screen is redrawn (a language chosen). */
	var taken = null;

	K.onWipe(function () { taken = null; });

	/* The code spelled out for screen readers, group by group. */
	function spelled(code) {
		return code.split('-').map(function (g) { return g.split('').join(' '); }).join(', ');
	}

	/* The kiosk's SVG as nodes of this document: parsed as SVG, never as
	 * HTML, and only its drawing kept (svg, title, rect, path). */
	function qrNode(text) {
		var doc = new DOMParser().parseFromString(text, 'image/svg+xml');
		var root = doc.documentElement;
		if (!root || root.nodeName !== 'svg' || doc.getElementsByTagName('parsererror').length)
			return null;
		var ok = {svg: 1, title: 1, rect: 1, path: 1};
		var all = root.getElementsByTagName('*');
		for (var i = 0; i < all.length; i++)
			if (!ok[all[i].nodeName])
				return null;
		var svg = document.importNode(root, true);
		var title = svg.querySelector('title');
		if (title)
			title.textContent = t('receipt_qr');
		svg.setAttribute('role', 'img');
		svg.setAttribute('aria-label', t('receipt_qr'));
		svg.setAttribute('class', 'receipt-qr');
		svg.setAttribute('focusable', 'false');
		return svg;
	}

	function codeShown(box, code, svg) {
		box.textContent = '';
		box.appendChild(el('p', {'class': 'receipt-label', id: 'receipt-code-label',
			text: t('receipt_your_code')}));
		box.appendChild(el('p', {'class': 'receipt-code', id: 'receipt-code', tabindex: '-1',
			dir: 'ltr', lang: 'en', 'aria-labelledby': 'receipt-code-label receipt-code-spelled'}, [
			el('span', {'aria-hidden': 'true', text: code}),
			el('span', {'class': 'visually-hidden', id: 'receipt-code-spelled', text: spelled(code)})]));
		var qr = svg ? qrNode(svg) : null;
		if (qr)
			box.appendChild(el('div', {'class': 'receipt-qr-box'}, [qr]));
		box.appendChild(el('p', {'class': 'warning', id: 'receipt-keep', text: t('receipt_keep')}));
	}

	/* ---- the thank-you section ---- */

	K.addSection('thanks', function (ctx) {
		var code = ctx.reply && typeof ctx.reply.receipt === 'string' ? ctx.reply.receipt : '';
		if (!/^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z*~$=]$/.test(code))
			return null;
		if (taken && taken.reply !== ctx.reply)
			taken = null;
		var box = el('div', {'class': 'receipt-box', id: 'receipt-box'});
		var section = el('section', {'class': 'receipt', id: 'receipt',
			'aria-labelledby': 'receipt-title', lang: ctx.lang, dir: K.langDir(ctx.lang)}, [
			el('h2', {id: 'receipt-title', text: t('receipt_offer_title')}),
			el('p', {text: t('receipt_offer_text')}),
			box]);
		if (taken) {
			codeShown(box, code, taken.svg);
			return section;
		}
		box.appendChild(el('button', {type: 'button', 'class': 'secondary', id: 'btn-receipt',
			text: t('receipt_take'), onclick: function (e) {
				var b = e.currentTarget;
				b.disabled = true;
				/* A minute to copy it, from when it is taken. */
				K.holdEnd();
				K.api('POST', '/api/receipt/qr', {code: code}).then(function (r) {
					taken = {reply: ctx.reply, svg: r.status === 200 ? r.data.svg : null};
					/* The code matters more than its picture: shown either way. */
					codeShown(box, code, taken.svg);
					document.getElementById('receipt-code').focus();
					K.announce(t('receipt_keep'));
				});
			}}));
		return section;
	});

	/* ---- the welcome section and the lookup screen ---- */

	K.addSection('welcome', function () {
		return el('section', {'class': 'receipt-entry', 'aria-label': t('receipt_have')}, [
			el('button', {type: 'button', 'class': 'quiet', id: 'btn-receipt-have',
				text: t('receipt_have'), onclick: lookupScreen})]);
	});

	function leave() {
		K.wipe('');
	}

	function lookupScreen() {
		K.idleArm(K.kiosk.idle_timeout_s, leave);
		var input = el('input', {id: 'receipt-input', name: 'code', type: 'text',
			'class': 'field receipt-input', maxlength: 40, autocomplete: 'off', spellcheck: 'false',
			autocapitalize: 'characters', autocorrect: 'off', dir: 'ltr', lang: 'en',
			'aria-describedby': 'receipt-hint receipt-error'});
		var error = el('p', {'class': 'error', id: 'receipt-error', role: 'alert', hidden: true});
		var result = el('div', {id: 'receipt-result', 'aria-live': 'polite'});
		var check = el('button', {type: 'submit', 'class': 'primary', id: 'receipt-check',
			text: t('receipt_check')});
		var form = el('form', {autocomplete: 'off', novalidate: true, 'class': 'receipt-form',
			onsubmit: function (e) { e.preventDefault(); lookup(); }}, [
			el('label', {'for': 'receipt-input', text: t('receipt_code_label')}),
			el('p', {'class': 'hint', id: 'receipt-hint', text: t('receipt_code_hint')}),
			error, input, check]);
		K.show([el('h1', {id: 'receipt-lookup-title', text: t('receipt_lookup_title')}),
			el('p', {'class': 'lead', text: t('receipt_lookup_lead')}),
			form, result,
			el('div', {'class': 'nav start'}, [el('button', {type: 'button', 'class': 'secondary',
				id: 'receipt-back', text: t('receipt_back'), onclick: leave})])], '');
		input.focus();

		function fault(text) {
			error.textContent = text;
			error.hidden = false;
			input.setAttribute('aria-invalid', 'true');
			input.focus();
		}
		function busy(on) {
			check.disabled = on;
			check.textContent = on ? t('receipt_looking') : t('receipt_check');
		}
		function refused(r) {
			if (r.status === 422 && r.data.reason)
				return fault(t('receipt_err_' + (r.data.reason === 'short' || r.data.reason === 'long'
					? r.data.reason : 'mistyped')));
			if (r.status === 429 && r.data.error === 'too_many_tries')
				return fault(t('receipt_err_locked', {n: r.data.retry_after || 30}));
			if (r.status === 429)
				return fault(t('receipt_err_hub_busy'));
			return fault(t('save_failed'));
		}
		function lookup() {
			var code = input.value, tries = 0;
			error.hidden = true;
			error.textContent = '';
			input.removeAttribute('aria-invalid');
			result.textContent = '';
			busy(true);
			(function ask() {
				K.api('POST', '/api/receipt', {code: code, action: 'status'}).then(function (r) {
					/* 202: the kiosk is waiting for the hub; 503: another
					 * lookup is finishing. Asked again, briefly. */
					if ((r.status === 202 || r.status === 503) && ++tries < POLL_MAX) {
						setTimeout(ask, r.status === 503 ? 1000 : POLL_MS);
						return;
					}
					busy(false);
					if (r.status !== 200)
						return refused(r);
					shown(code, r.data);
				});
			})();
		}
		function shown(code, s) {
			var kids = [];
			var title = s.title ? pick(s.title) : '';
			var text = {received: 'receipt_received', withdrawn: 'receipt_withdrawn',
				pending: 'receipt_pending', unknown: 'receipt_unknown'}[s.status] || 'receipt_offline';
			kids.push(el('h2', {id: 'receipt-status', tabindex: '-1', text: t(text)}));
			if (title)
				kids.push(el('p', {'class': 'receipt-about'}, [t('receipt_questionnaire') + ' ',
					el('span', {lang: title.lang, dir: K.langDir(title.lang), text: title.text})]));
			if (s.received_on)
				kids.push(el('p', {text: t('receipt_received_on',
					{d: window.FsQuestionnaire.dateText(s.received_on)})}));
			if (s.outcomes && s.outcomes.length) {
				kids.push(el('h3', {text: t('receipt_outcomes')}));
				kids.push(el('ul', {'class': 'receipt-outcomes'}, s.outcomes.map(function (o) {
					var ot = pick(o.title);
					return el('li', {}, [t(o.kind === 'update' ? 'receipt_outcome_update'
						: 'receipt_outcome_results', {d: window.FsQuestionnaire.dateText(o.on)}) + ' ',
						el('span', {lang: ot.lang, dir: K.langDir(ot.lang), text: ot.text})]);
				})));
			}
			if (s.status !== 'withdrawn' && s.status !== 'pending')
				kids.push(el('button', {type: 'button', 'class': 'secondary',
					id: 'receipt-withdraw', text: t('receipt_withdraw'),
					onclick: function () { confirmStep(code); }}));
			result.textContent = '';
			kids.forEach(function (k) { result.appendChild(k); });
			document.getElementById('receipt-status').focus();
		}
		function confirmStep(code) {
			var box = el('section', {'class': 'receipt-confirm', role: 'group',
				'aria-labelledby': 'receipt-confirm-title'}, [
				el('h2', {id: 'receipt-confirm-title', tabindex: '-1', text: t('receipt_confirm_title')}),
				el('p', {text: t('receipt_confirm_text')}),
				el('p', {'class': 'error', id: 'receipt-withdraw-error', role: 'alert', hidden: true}),
				el('div', {'class': 'nav'}, [
					el('button', {type: 'button', 'class': 'secondary', id: 'receipt-keep-answers',
						text: t('receipt_confirm_no'), onclick: function () {
							box.remove();
							document.getElementById('receipt-withdraw').focus();
						}}),
					el('button', {type: 'button', 'class': 'primary danger', id: 'receipt-withdraw-yes',
						text: t('receipt_confirm_yes'), onclick: function (e) {
							withdraw(code, e.currentTarget);
						}})])]);
			var old = result.querySelector('.receipt-confirm');
			if (old)
				old.remove();
			result.appendChild(box);
			document.getElementById('receipt-confirm-title').focus();
		}
		function withdraw(code, btn) {
			btn.disabled = true;
			K.api('POST', '/api/receipt', {code: code, action: 'withdraw'}).then(function (r) {
				if (r.status === 200 && r.data.withdrawn) {
					done();
					return;
				}
				btn.disabled = false;
				var box = document.getElementById('receipt-withdraw-error');
				box.textContent = r.status === 429 && r.data.error === 'too_many_tries'
					? t('receipt_err_locked', {n: r.data.retry_after || 30}) : t('receipt_withdraw_failed');
				box.hidden = false;
			});
		}
	}

	/* The hub's {tag: text} in the language on screen, its base language,
	 * English, or the first it has. */
	function pick(titles) {
		var tag = document.documentElement.lang || 'en', base = K.baseLang(tag);
		var keys = Object.keys(titles || {});
		var hit = titles[tag] !== undefined ? tag : titles[base] !== undefined ? base
			: titles.en !== undefined ? 'en' : keys[0];
		return hit === undefined ? null : {lang: hit, text: titles[hit]};
	}

	/* Withdrawn: nothing of the code is kept on screen; back to the start
	 * as after a questionnaire. */
	function done() {
		var left = 10;
		K.idleStop();
		var note = el('p', {'class': 'hint', text: t('returning', {n: left})});
		var timer = setInterval(function () {
			left--;
			note.textContent = t('returning', {n: Math.max(left, 0)});
			if (left <= 0) {
				clearInterval(timer);
				leave();
			}
		}, 1000);
		K.show([el('div', {'class': 'done'}, [
			el('h1', {text: t('receipt_done_title')}),
			el('p', {'class': 'lead', id: 'receipt-done', text: t('receipt_done_text')}),
			note,
			el('button', {type: 'button', 'class': 'primary', text: t('finish'), onclick: leave})])], '');
		K.announce(t('receipt_done_text'));
	}
})();
