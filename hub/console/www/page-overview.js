// fieldsync console: Overview (docs/console.md, "Overview"): the kiosks of
// the regions the user sees, per region, flagged when not seen for the
// configured time; the responses of the last 30 days as a chart with its
// table. GET /api/overview; admins change the flag's time
// (POST /api/overview/settings).
(function () {
	'use strict';
	const C = window.FsConsole;
	const el = C.el;

	function hoursText(s) {
		const h = s / 3600;
		return h === 1 ? '1 hour' : `${Number.isInteger(h) ? h : h.toFixed(1)} hours`;
	}

	// The kiosk table's columns, in order: add one here (and its field in
	// hub_device_list) to show more of a kiosk.
	function kioskColumns(data) {
		return [
			{label: 'Kiosk', value: (k) => k.name || k.site},
			{label: 'Last sync', value: (k) => k.last_sync
				? el('span', {}, C.formatTime(k.last_sync), el('br'), el('span', {class: 'hint'}, C.ago(k.last_sync, data.now)))
				: 'never'},
			{label: 'Last error', value: (k) => k.last_error || 'none'},
			{label: 'State', value: (k) => k.revoked ? el('span', {class: 'badge bad'}, 'Revoked')
				: k.stale ? el('span', {class: 'badge warn'}, `Not seen for over ${hoursText(data.stale_after_s)}`)
					: el('span', {class: 'badge good'}, 'OK')}
		];
	}

	function kiosksSection(data) {
		const section = el('section', {'aria-labelledby': 'ov-kiosks'}, el('h2', {id: 'ov-kiosks'}, 'Kiosks'));
		if (data.kiosks.length === 0) {
			section.appendChild(el('p', {}, 'No kiosks are enrolled in your regions yet.'));
			return section;
		}
		const byRegion = new Map();
		for (const k of data.kiosks) {
			if (!byRegion.has(k.region))
				byRegion.set(k.region, []);
			byRegion.get(k.region).push(k);
		}
		const stale = data.kiosks.filter((k) => k.stale).length;
		section.appendChild(el('p', {}, `${data.kiosks.length} kiosk${data.kiosks.length === 1 ? '' : 's'} in ${byRegion.size} region${byRegion.size === 1 ? '' : 's'}; `,
			stale === 0 ? 'all seen in the last ' + hoursText(data.stale_after_s) + '.'
				: `${stale} not seen for over ${hoursText(data.stale_after_s)}.`));
		for (const [region, list] of byRegion) {
			section.appendChild(el('h3', {}, `Region ${region}`));
			section.appendChild(C.table(`Kiosks of region ${region}`, kioskColumns(data), list));
		}
		return section;
	}

	function responsesSection(data) {
		const labels = data.days.map((d) => d.day.slice(8, 10) + '/' + d.day.slice(5, 7));
		const long = (i) => new Date(data.days[i].day + 'T12:00:00Z').toLocaleDateString('en-GB',
			{weekday: 'short', day: 'numeric', month: 'short', timeZone: 'UTC'});
		return el('section', {'aria-labelledby': 'ov-responses'},
			el('h2', {id: 'ov-responses'}, 'Responses per day'),
			el('p', {class: 'hint'}, 'Responses submitted on each of the last 30 days (UTC dates) at the kiosks of your regions.'),
			C.barChart({title: 'Responses per day, last 30 days', labels, values: data.days.map((d) => d.responses),
				valueLabel: 'Responses', labelHeader: 'Day', labelText: long}));
	}

	function settingsSection(data, reload) {
		const input = el('input', {id: 'ov-stale', type: 'number', min: 1, max: 2160, step: 1,
			value: String(Math.round(data.stale_after_s / 3600)), inputmode: 'numeric'});
		const error = el('p', {class: 'field-error', id: 'ov-stale-error', hidden: true});
		const form = el('form', {'aria-labelledby': 'ov-settings', novalidate: true},
			C.field('Flag a kiosk when it has not synced for (hours)', input, 'From 1 to 2160 hours (90 days).'),
			error, el('div', {class: 'actions'}, el('button', {type: 'submit'}, 'Save')));
		form.addEventListener('submit', async (ev) => {
			ev.preventDefault();
			const h = Number(input.value);
			error.hidden = true;
			input.removeAttribute('aria-invalid');
			if (!Number.isInteger(h) || h < 1 || h > 2160) {
				error.textContent = 'Enter a whole number of hours from 1 to 2160.';
				error.hidden = false;
				input.setAttribute('aria-invalid', 'true');
				input.setAttribute('aria-errormessage', error.id);
				input.focus();
				return;
			}
			try {
				await C.api('POST', '/api/overview/settings', {stale_after_s: h * 3600});
				C.announce('Saved');
				await reload();
			} catch (e) {
				C.showError(e.message);
			}
		});
		return el('section', {'aria-labelledby': 'ov-settings', class: 'panel'},
			el('h2', {id: 'ov-settings'}, 'Setting'), form);
	}

	C.page('overview', {
		title: 'Overview',
		order: 10,
		async render(root) {
			const reload = async () => {
				const data = await C.api('GET', '/api/overview');
				root.textContent = '';
				root.appendChild(kiosksSection(data));
				root.appendChild(responsesSection(data));
				if (C.hasRole('admin'))
					root.appendChild(settingsSection(data, reload));
			};
			await reload();
		}
	});
})();
