// fieldsync console: the questionnaire preview's host (docs/console.md,
// "Questionnaires"). Loaded last into the preview frame, after the
// kiosk's own page code (/kiosk/validate.js, strings.js, page.js,
// questionnaire.js, embedded from agent/ui/www/). The frame is a document
// of its own (srcdoc, the console's origin); the document to show is on
// the frame element (frameElement.fsPreview = {doc, today}), set by
// page-questionnaires.js.
//
// Nothing leaves the frame: fetch is replaced before the kiosk code runs
// any request, and answers only what the kiosk page asks for a person:
// GET /api/kiosk (this one questionnaire), GET /api/questionnaires/ID (the
// document). A submission (POST /api/responses) is answered here, never
// sent, and counted in window.fsPreviewSubmitted; every other request is
// refused here too. So a preview can never store or send a response.
(function () {
	'use strict';

	const host = window.frameElement && window.frameElement.fsPreview;
	window.fsPreviewSubmitted = 0;

	function reply(status, data) {
		return Promise.resolve({status, ok: status >= 200 && status < 300,
			json: () => Promise.resolve(data)});
	}

	window.fetch = function (path, init) {
		const method = (init && init.method) || 'GET';
		const doc = host && host.doc;
		if (!doc)
			return reply(503, {error: 'preview', message: 'no questionnaire to preview'});
		if (method === 'GET' && path === '/api/kiosk')
			return reply(200, {questionnaires: [{id: doc.id, version: doc.version, title: doc.title,
				languages: doc.languages, offered: true}], idle_timeout_s: 3600, worker_idle_s: 3600,
			site: 'preview', region: 'preview', person_ref_pattern: ''});
		if (method === 'GET' && path === '/api/questionnaires/' + encodeURIComponent(doc.id))
			return reply(200, {questionnaire: doc, today: host.today});
		if (method === 'POST' && path === '/api/responses') {
			window.fsPreviewSubmitted++;
			if (typeof host.onSubmit === 'function')
				host.onSubmit();
			return reply(201, {stored: false, preview: true});
		}
		return reply(404, {error: 'preview', message: 'not in a preview'});
	};
	// A srcdoc document cannot take a URL of the console's: the kiosk code's
	// replaceState('/') is a no-op here, and worker mode is not previewed.
	history.replaceState = function () {};
	window.FsWorker = {pinScreen: function () {}};

	const K = window.FsPage;
	K.setLanguage('en');
	K.api('GET', '/api/kiosk').then(function (r) {
		K.kiosk = r.data;
		window.FsQuestionnaire.welcome();
	});
})();
