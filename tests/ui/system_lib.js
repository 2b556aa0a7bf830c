// Shared by the browser tests against real hubs and kiosks
// (contact_request.test.js, receipt.test.js): reading stores, exports and
// files the way a reviewer of their privacy would.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const {execFileSync} = require('node:child_process');

// Lines of JSON Lines text, parsed.
function jsonl(text) {
	return text.split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l));
}

// Rows of a query on a SQLite store (the sqlite3 shell, read only).
function sql(db, query) {
	const out = execFileSync('sqlite3', ['-json', db, query]).toString().trim();
	return out === '' ? [] : JSON.parse(out);
}

// Files under dir (recursive) whose bytes hold text.
function filesHolding(dir, text) {
	const hits = [];
	for (const e of fs.readdirSync(dir, {withFileTypes: true})) {
		const p = path.join(dir, e.name);
		if (e.isDirectory())
			hits.push(...filesHolding(p, text));
		else if (e.isFile() && fs.readFileSync(p).includes(Buffer.from(text)))
			hits.push(p);
	}
	return hits;
}

async function sleep(ms) {
	await new Promise((r) => setTimeout(r, ms));
}

// fn() every 0.5 s until it gives something truthy (returned), or throws
// after secs.
async function until(what, fn, secs = 60) {
	for (let i = 0; i < secs * 2; i++) {
		const v = await fn();
		if (v)
			return v;
		await sleep(500);
	}
	throw new Error('timed out waiting for ' + what);
}

module.exports = {jsonl, sql, filesHolding, sleep, until};
