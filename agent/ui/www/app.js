/* fieldsync kiosk: the page's start (docs/kiosk.md). page.js holds what
 * every screen shares, questionnaire.js the questionnaire flow, worker.js
 * the worker console; this decides the first screen: the welcome, or
 * worker mode again after a wipe("#worker") while its session is open. */
(function () {
	'use strict';

	var K = window.FsPage;

	/* The kiosk's words for the welcome screen in a language strings.js
	 * does not ship: from the offered questionnaires that offer it and
	 * carry them (ui_strings), the first such one's first. */
	function loadWords(offered) {
		var STR = window.FsStrings;
		var need = offered.filter(function (q) {
			return q.languages.some(function (tag) {
				return !STR.text[tag] && !STR.text[K.baseLang(tag)];
			});
		});
		return Promise.all(need.map(function (q) {
			return K.api('GET', '/api/questionnaires/' + encodeURIComponent(q.id));
		})).then(function (rs) {
			rs.forEach(function (x) {
				if (x.status === 200)
					K.addWords(x.data.questionnaire, false);
			});
		});
	}

	function start() {
		var wantWorker = location.hash === '#worker';
		history.replaceState(null, '', '/');
		K.setLanguage('en');
		K.api('GET', '/api/kiosk').then(function (r) {
			if (r.status !== 200) {
				K.show([K.el('h1', {text: 'This kiosk is starting. Please wait a moment.'})], '');
				setTimeout(function () { location.reload(); }, 5000);
				return;
			}
			K.kiosk = r.data;
			if (!wantWorker) {
				loadWords(r.data.questionnaires).then(function () {
					window.FsQuestionnaire.welcome();
				});
				return;
			}
			K.api('GET', '/api/worker/me').then(function (m) {
				if (m.status === 200) {
					window.FsWorker.enter({name: m.data.worker, idle_s: m.data.idle_s});
				} else {
					window.FsQuestionnaire.welcome();
				}
			});
		});
	}

	start();
})();
