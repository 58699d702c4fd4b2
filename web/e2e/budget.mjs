// The dashboard's budget, measured in Debian's headless Chromium against a real hub serving the
// default spec (the master plan's ~24 services): JS + CSS transferred for the first view
// (compressed, as the browser received them; budget 150 KB) and the time to the first render of
// the services (target 1 s), beside a peer measured in the same run: a plain HTML page listing
// the same services, no script, served by Python's http.server (the least a browser can do).
// Exits 1 only when the byte budget is exceeded: times are reported, never asserted.
//
//   CLOUDCTL_BIN=target/debug/cloudctl node web/e2e/budget.mjs
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, browser, freePort, start, stop, tempDir } from './lib.mjs';

const JS_CSS_BUDGET = 150 * 1024;
const RENDER_BUDGET_MS = 1000;
const RUNS = 5;

const dir = tempDir('cloudctl-budget-');
const port = await freePort();
// `--no-monitor`: the hub probes nothing, so nothing leaves this machine, whatever the spec's URLs.
const { child: hub } = await start(BIN, ['hub', '--no-monitor', '--listen', `127.0.0.1:${port}`, '--db', join(dir, 'hub.db')], {
	log: join(dir, 'hub.log'),
	ready: /cloudctl hub on/
});
const context = await browser(join(dir, 'profile'));
let failed = false;
try {
	const renders = [];
	let transfer = null;
	for (let i = 0; i < RUNS; i++) {
		const page = await context.newPage();
		const cdp = await context.newCDPSession(page);
		await cdp.send('Network.enable');
		await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
		const types = new Map();
		const sizes = { js: 0, css: 0, other: 0, files: 0 };
		cdp.on('Network.responseReceived', (e) => types.set(e.requestId, e.type));
		cdp.on('Network.loadingFinished', (e) => {
			const t = types.get(e.requestId);
			const key = t === 'Script' ? 'js' : t === 'Stylesheet' ? 'css' : 'other';
			sizes[key] += e.encodedDataLength;
			sizes.files++;
		});
		await page.goto(`http://127.0.0.1:${port}/`, { waitUntil: 'networkidle' });
		await page.waitForFunction(() => performance.getEntriesByName('cloudctl:services-rendered').length > 0, null, { timeout: 10_000 });
		const ms = await page.evaluate(() => performance.getEntriesByName('cloudctl:services-rendered')[0].startTime);
		const services = await page.locator('[data-service]').count();
		renders.push(ms);
		if (i === 0) transfer = { ...sizes, services };
		await page.close();
	}
	// The peer: the same services as static HTML.
	const page0 = await context.newPage();
	await page0.goto(`http://127.0.0.1:${port}/`);
	await page0.waitForSelector('[data-service]');
	const cards = await page0.evaluate(() =>
		[...document.querySelectorAll('[data-service]')].map((e) => e.outerHTML).join('\n')
	);
	await page0.close();
	const peerDir = tempDir('cloudctl-peer-');
	writeFileSync(
		join(peerDir, 'index.html'),
		`<!doctype html><meta charset="utf-8"><title>peer</title><body>${cards}<script>requestAnimationFrame(()=>performance.mark('cloudctl:services-rendered'))</script>`
	);
	const peerPort = await freePort();
	const { child: peerServer } = await start('python3', ['-m', 'http.server', String(peerPort), '--bind', '127.0.0.1', '--directory', peerDir], {
		log: join(dir, 'peer.log'),
		ready: /Serving HTTP/
	});
	const peers = [];
	try {
		for (let i = 0; i < RUNS; i++) {
			const page = await context.newPage();
			await page.goto(`http://127.0.0.1:${peerPort}/`, { waitUntil: 'load' });
			await page.waitForFunction(() => performance.getEntriesByName('cloudctl:services-rendered').length > 0);
			peers.push(await page.evaluate(() => performance.getEntriesByName('cloudctl:services-rendered')[0].startTime));
			await page.close();
		}
	} finally {
		await stop(peerServer);
	}
	peers.sort((a, b) => a - b);
	const peerMedian = peers[Math.floor(peers.length / 2)];
	renders.sort((a, b) => a - b);
	const median = renders[Math.floor(renders.length / 2)];
	const jsCss = transfer.js + transfer.css;
	const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
	console.log(`first view, default spec (${transfer.services} services shown), cache disabled:`);
	console.log(`  JS  transferred: ${kb(transfer.js)}`);
	console.log(`  CSS transferred: ${kb(transfer.css)}`);
	console.log(`  JS + CSS:        ${kb(jsCss)} of ${kb(JS_CSS_BUDGET)} budget (${((jsCss / JS_CSS_BUDGET) * 100).toFixed(0)} %)`);
	console.log(`  everything else: ${kb(transfer.other)} (HTML, API JSON, icon), ${transfer.files} responses`);
	console.log(`  first render of the services: median ${median.toFixed(0)} ms of ${RUNS} runs (min ${renders[0].toFixed(0)}, max ${renders.at(-1).toFixed(0)}), budget ${RENDER_BUDGET_MS} ms (${((median / RENDER_BUDGET_MS) * 100).toFixed(0)} %)`);
	if (jsCss > JS_CSS_BUDGET) {
		console.log('OVER BUDGET: JS + CSS');
		failed = true;
	}
	console.log(`  peer (static HTML, same cards, no script): median ${peerMedian.toFixed(0)} ms; dashboard/peer = ${(median / peerMedian).toFixed(2)}`);
	if (median > RENDER_BUDGET_MS) console.log('note: first render above the 1 s target on this run (not a failure: a measurement)');
	if (transfer.services < 20) {
		console.log(`expected the default spec's services, saw ${transfer.services}`);
		failed = true;
	}
} finally {
	await context.close();
	await stop(hub);
}
process.exit(failed ? 1 : 0);
