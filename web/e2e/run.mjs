// End to end: the dashboard against a real `cloudctl up` (hub + agent + probes) with a small
// spec of this test's own, in Debian's Chromium. Checks what issue 6 asks and keeps a screenshot
// of each view in artifacts/web/; also that no page ever violates the Content-Security-Policy,
// that axe-core finds nothing serious or critical on any view in either theme, that the keyboard
// reaches the controls with a visible focus, and that a phone needs no horizontal scroll.
// Prints "N passed, M failed"; exits 1 on any failure.
//
//   CLOUDCTL_BIN=target/debug/cloudctl node web/e2e/run.mjs
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { audit, tabOrder, watchCsp } from './a11y.mjs';
import { ARTIFACTS, BIN, browser, freePort, run, start, stop, tempDir } from './lib.mjs';

const results = [];
let current = null; // the page, for a screenshot of a failure
async function check(name, fn) {
	const t0 = Date.now();
	try {
		await fn();
		results.push({ name, ok: true });
		console.log(`ok   ${name} (${Date.now() - t0} ms)`);
	} catch (e) {
		results.push({ name, ok: false });
		console.log(`FAIL ${name}: ${e.message.split('\n').slice(0, 6).join('\n     ')}`);
		const file = join(ARTIFACTS, `FAIL-${name.replace(/[^a-z0-9]+/gi, '-').slice(0, 60)}.png`);
		await current?.screenshot({ path: file, fullPage: true }).catch(() => {});
	}
}

function assert(cond, message) {
	if (!cond) throw new Error(message);
}

/** The spec of this test: one VM (this machine's agent), probes every second at loopback only. */
function spec(targetPort) {
	return `version: 1
project: {name: E2E Cloud, owner: Test}
domains:
  localhost: {dns: cf}
providers:
  cf: {kind: cloudflare, title: Cloudflare, cost_model: free}
  cloud: {kind: other, title: Loopback Cloud, cost_model: pay-per-use}
hosts:
  e2e-vm:
    title: E2E VM — this machine
    provider: cloud
    private_ip: 10.0.0.1
    capacity: {vcpu: 2, ram: 2GB, storage: 20GB, bandwidth: 1TB/mo}
    tier: paid
    availability: always-on
    price: $5/mo
    roles: [proxy, hub]
categories:
  fridge: {title: FRIDGE, groups: {tools: {title: Tools}}}
  kitchen: {title: KITCHEN, groups: {infra: {title: Infrastructure}}}
access:
  portal: http://auth.localhost
security:
  admin_sources: [192.0.2.0/24]
monitoring:
  interval: 1s
  probes: {interval: 1s, timeout: 1s, failures: 1, recoveries: 1}
services:
  web:
    title: Web Target
    description: A local HTTP server the test starts and stops
    icon: "🌐"
    category: fridge/tools
    url: http://localhost:${targetPort}/
    host: e2e-vm
    status: on
    availability: always-on
    auth: bypass
    auth_reason: a local test target
    components:
      web-app: {kind: app, stack: node http, image: node:20, port: ${targetPort}, resources: {ram: 64MB, cpu: 0.1, storage: 100MB, bandwidth: 1GB/mo}}
  toolbox:
    title: Toolbox
    description: A hub with tools under it
    icon: "🧰"
    category: fridge/tools
    host: e2e-vm
    status: planned
    availability: always-on
    components:
      toolbox-front: {kind: front, stack: SvelteKit 5}
  shell:
    title: Shell
    description: A tool under the toolbox hub
    icon: "⌨️"
    category: fridge/tools
    parent: toolbox
    host: e2e-vm
    status: dev
    availability: always-on
    components:
      shell-app: {kind: app, stack: ttyd, image: tsl0922/ttyd:1, port: 7681, resources: {ram: 32MB, cpu: 0.05, storage: 50MB, bandwidth: 1GB/mo}}
  metrics:
    title: Metrics DB
    description: Internal, no public URL
    icon: "📈"
    category: kitchen/infra
    host: e2e-vm
    status: hold
    availability: always-on
    components:
      metrics-db: {kind: db, stack: sqlite}
`;
}

const SERVICES = ['web', 'toolbox', 'shell', 'metrics'];

async function main() {
	mkdirSync(ARTIFACTS, { recursive: true });
	const dir = tempDir('cloudctl-e2e-');
	const shot = (page, name) => page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });

	// The probe target: a real HTTP server on loopback, as `localhost` (IPv4 and IPv6: /etc/hosts
	// names both, and the probe may try either).
	const handler = (_, res) => res.end('hello from the probe target\n');
	const target = createServer(handler);
	await new Promise((ok) => target.listen(0, '127.0.0.1', ok));
	const targetPort = target.address().port;
	const target6 = createServer(handler);
	await new Promise((ok) => {
		target6.once('error', () => ok()); // no IPv6 loopback here: IPv4 alone serves
		target6.listen(targetPort, '::1', ok);
	});
	const specDir = join(dir, 'spec');
	mkdirSync(specDir);
	writeFileSync(join(specDir, 'cloud.yaml'), spec(targetPort));
	await run(BIN, ['check', specDir]);

	const port = await freePort();
	const { child: up } = await start(
		BIN,
		['up', '--port', String(port), '--data-dir', join(dir, 'data'), '--host-id', 'e2e-vm', '--interval', '1s',
			'--docker-socket', join(dir, 'no-docker.sock'), '--spec', specDir, '--monitor'],
		{ log: join(ARTIFACTS, 'up.log'), ready: /Dashboard: (http:\/\/\S+)\//, env: { CLOUDCTL_LOG: 'info' } }
	);
	const url = `http://127.0.0.1:${port}/`;
	const context = await browser(join(dir, 'profile'));
	const cspViolations = await watchCsp(context);
	const page = await context.newPage();
	current = page;
	const errors = [];
	page.on('pageerror', (e) => errors.push(e.message));

	try {
		const first = await page.goto(url);
		await page.waitForSelector('[data-testid="mode"][data-mode="online"]', { timeout: 20_000 });

		await check('the page carries its Content-Security-Policy, and a violation is caught', async () => {
			const h = first.headers();
			const csp = h['content-security-policy'] ?? '';
			assert(/script-src 'self' 'sha256-/.test(csp) && csp.endsWith("frame-ancestors 'none'"), `CSP: ${csp}`);
			assert(!csp.includes('unsafe-inline'), `CSP: ${csp}`);
			assert(h['x-frame-options'] === 'DENY' && h['x-content-type-options'] === 'nosniff', JSON.stringify(h));
			// A planted inline style is refused, and the watcher reports it (then it is forgotten).
			await page.evaluate(() => document.body.insertAdjacentHTML('beforeend', '<div id="csp-planted" style="color: red"></div>'));
			const deadline = Date.now() + 5_000;
			while (cspViolations.length === 0 && Date.now() < deadline) await new Promise((ok) => setTimeout(ok, 50));
			const colour = await page.evaluate(() => getComputedStyle(document.getElementById('csp-planted')).color);
			await page.evaluate(() => document.getElementById('csp-planted').remove());
			const caught = cspViolations.splice(0);
			assert(caught.some((v) => v.directive === 'style-src-attr'), `not reported: ${JSON.stringify(caught)}`);
			assert(colour !== 'rgb(255, 0, 0)', 'the inline style was applied');
		});

		await check('every service of the spec is shown, grouped by category', async () => {
			for (const id of SERVICES) await page.waitForSelector(`[data-service="${id}"]`, { timeout: 10_000 });
			const headings = await page.locator('h2.category').allTextContents();
			assert(headings.join(',') === 'FRIDGE,KITCHEN', `categories: ${headings}`);
		});

		await check('a service turns up when its probe passes', async () => {
			await page.waitForSelector('[data-service="web"] [data-health="up"]', { timeout: 30_000 });
			await shot(page, 'services-cards-light');
		});

		await check('cards ↔ list toggle, remembered across a reload', async () => {
			await page.click('[data-testid="view-list"]');
			await page.waitForSelector('[data-testid="services-row"]');
			assert((await page.locator('[data-testid="services-card"]').count()) === 0, 'cards still shown');
			await shot(page, 'services-list');
			await page.reload();
			await page.waitForSelector('[data-testid="services-row"]', { timeout: 10_000 });
			await page.click('[data-testid="view-cards"]');
			await page.waitForSelector('[data-testid="services-card"]');
		});

		await check('the theme toggle survives a reload', async () => {
			const bg = () => page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
			const before = await bg();
			await page.click('[data-testid="theme-toggle"]');
			const theme = await page.evaluate(() => document.documentElement.dataset.theme);
			assert(theme === 'dark' || theme === 'light', `no theme set: ${theme}`);
			const after = await bg();
			assert(after !== before, `background did not change (${before})`);
			await page.reload();
			await page.waitForSelector('[data-service="web"]', { timeout: 10_000 });
			assert((await page.evaluate(() => document.documentElement.dataset.theme)) === theme, 'theme lost on reload');
			assert((await bg()) === after, 'background differs after reload');
			await shot(page, `services-cards-${theme}`);
		});

		await check('search filters services and "/" focuses it', async () => {
			await page.keyboard.press('/');
			assert(await page.evaluate(() => document.activeElement?.id === 'search'), 'search not focused');
			await page.keyboard.type('metrics db');
			await page.waitForFunction(() => document.querySelectorAll('[data-service]').length === 1);
			await page.keyboard.press('Escape');
			await page.waitForFunction((n) => document.querySelectorAll('[data-service]').length === n, SERVICES.length);
		});

		await check('keyboard: arrow keys move between services', async () => {
			await page.locator('[data-nav]').first().focus();
			const first = await page.evaluate(() => document.activeElement?.closest('[data-service]')?.getAttribute('data-service'));
			await page.keyboard.press('ArrowRight');
			const second = await page.evaluate(() => document.activeElement?.closest('[data-service]')?.getAttribute('data-service'));
			assert(first && second && first !== second, `focus did not move (${first} → ${second})`);
		});

		await check('a hub landing page lists the tools under it', async () => {
			await page.click('[data-service="toolbox"] a[href="#/hub/toolbox"]');
			await page.waitForSelector('[data-service="shell"]');
			assert((await page.locator('h1').textContent()).includes('Toolbox'), 'no hub title');
			await shot(page, 'hub-landing');
			await page.goto(url);
		});

		await check('a VM chart shows data', async () => {
			await page.goto(url);
			await page.click('nav a[href="#/monitoring"]');
			await page.waitForSelector('[data-testid="host-detail"][data-host="e2e-vm"]', { timeout: 20_000 });
			await page.waitForFunction(
				() => [...document.querySelectorAll('[data-testid="chart"]')].some((c) => Number(c.getAttribute('data-points')) >= 2) &&
					document.querySelector('[data-testid="chart"] canvas') != null,
				null,
				{ timeout: 60_000, polling: 1000 }
			);
			await shot(page, 'monitoring');
		});

		await check("a service's status turns down when its probe target stops", async () => {
			await page.goto(url);
			await page.waitForSelector('[data-service="web"] [data-health="up"]', { timeout: 20_000 });
			for (const t of [target, target6]) {
				t.closeAllConnections?.();
				t.close();
			}
			// No reload: the page refreshes itself in place.
			await page.waitForSelector('[data-service="web"] [data-health="down"]', { timeout: 45_000 });
			await shot(page, 'services-target-down');
		});

		await check('API docs list the operations', async () => {
			await page.goto(url + 'api/docs');
			await page.waitForSelector('summary code', { timeout: 10_000 });
			const paths = await page.locator('summary code').allTextContents();
			assert(paths.includes('/api/v1/hosts') && paths.includes('/api/v1/export'), `paths: ${paths.length}`);
			await shot(page, 'api-docs');
		});

		await check('on a phone (390x844) services and monitoring fit the screen', async () => {
			await page.setViewportSize({ width: 390, height: 844 });
			try {
				const overflow = () => page.evaluate(() => document.scrollingElement.scrollWidth - window.innerWidth);
				await page.goto(url);
				await page.waitForSelector('[data-service="web"]');
				let extra = await overflow();
				assert(extra <= 0, `the services page is ${extra}px wider than the phone`);
				await shot(page, 'phone-services');
				await page.goto(url + '#/monitoring');
				await page.waitForSelector('[data-testid="chart"] canvas', { timeout: 20_000 });
				extra = await overflow();
				assert(extra <= 0, `the monitoring page is ${extra}px wider than the phone`);
				await shot(page, 'phone-monitoring');
			} finally {
				await page.setViewportSize({ width: 1280, height: 900 });
			}
		});

		// Accessibility, in a browser context of its own that lets axe-core in as a script tag
		// (bypassCSP); the policy itself is watched in the main context, which injects nothing.
		const auditContext = await browser(join(dir, 'profile-audit'), { bypassCSP: true });
		try {
			const ap = await auditContext.newPage();
			current = ap;
			ap.on('pageerror', (e) => errors.push(e.message));
			await ap.goto(url);
			await ap.waitForSelector('[data-service="web"] [data-health]', { timeout: 20_000 });
			await check('accessibility (axe-core): the audit catches a planted violation', async () => {
				// An unnamed button: proof that axe-core runs and its findings fail the test.
				await ap.evaluate(() => document.querySelector('main').insertAdjacentHTML('beforeend', '<button id="planted"></button>'));
				const found = await audit(ap);
				await ap.evaluate(() => document.getElementById('planted').remove());
				assert(found.some((f) => f.startsWith('critical button-name') && f.includes('#planted')), `not caught: ${found.join('; ')}`);
			});
			for (const theme of ['light', 'dark']) {
				await check(`accessibility (axe-core): services as cards, ${theme} theme`, async () => {
					await ap.goto(url);
					await ap.click('[data-testid="view-cards"]');
					await ap.waitForSelector('[data-testid="services-card"] [data-health]');
					const found = await audit(ap, join(ARTIFACTS, `axe-cards-${theme}.json`));
					assert(found.length === 0, found.join('\n'));
				});
				await check(`accessibility (axe-core): services as a list, ${theme} theme`, async () => {
					await ap.click('[data-testid="view-list"]');
					await ap.waitForSelector('[data-testid="services-row"] [data-health]');
					const found = await audit(ap, join(ARTIFACTS, `axe-list-${theme}.json`));
					assert(found.length === 0, found.join('\n'));
					await ap.click('[data-testid="view-cards"]');
				});
				await check(`accessibility (axe-core): monitoring, ${theme} theme`, async () => {
					await ap.goto(url + '#/monitoring');
					await ap.waitForSelector('[data-testid="chart"] canvas', { timeout: 20_000 });
					const found = await audit(ap, join(ARTIFACTS, `axe-monitoring-${theme}.json`));
					assert(found.length === 0, found.join('\n'));
				});
				await check(`accessibility (axe-core): services and monitoring on a phone, ${theme} theme`, async () => {
					await ap.setViewportSize({ width: 390, height: 844 });
					// Two frames: the layout and the app's resize observers settle.
					const settle = () => ap.evaluate(() => new Promise((ok) => requestAnimationFrame(() => requestAnimationFrame(ok))));
					try {
						await settle();
						const found = await audit(ap, join(ARTIFACTS, `axe-phone-monitoring-${theme}.json`));
						await ap.goto(url);
						await ap.waitForSelector('[data-testid="services-card"] [data-health]');
						await settle();
						found.push(...(await audit(ap, join(ARTIFACTS, `axe-phone-services-${theme}.json`))));
						assert(found.length === 0, found.join('\n'));
					} finally {
						await ap.setViewportSize({ width: 1280, height: 900 });
					}
				});
				if (theme === 'light') {
					await ap.goto(url);
					await ap.click('[data-testid="theme-toggle"]');
					await ap.waitForFunction(() => document.documentElement.dataset.theme === 'dark');
				}
			}
			await check('keyboard: Tab reaches the theme toggle, search, view toggle and first Access, visibly', async () => {
				await ap.goto(url);
				await ap.click('[data-testid="view-cards"]');
				await ap.reload();
				await ap.waitForSelector('[data-testid="services-card"]');
				const order = await tabOrder(ap, ['theme toggle', 'search', 'view toggle', 'first Access']);
				const at = (k) => order.indexOf(k);
				assert(at('theme toggle') < at('search') && at('search') < at('view toggle') && at('view toggle') < at('first Access'),
					`Tab order: ${order.join(' → ')}`);
				await shot(ap, 'keyboard-focus');
			});
		} finally {
			current = page;
			await auditContext.close();
		}

		// Offline: the static site with the hub's snapshot, the hub stopped.
		const out = join(dir, 'out');
		await run(BIN, ['render', 'site', specDir, '--out', out]);
		await run(BIN, ['export', 'snapshot', '--hub', `http://127.0.0.1:${port}`, '--out', join(out, 'site')]);
		await stop(up);
		const staticPort = await freePort();
		const { child: server } = await start('python3', ['-m', 'http.server', String(staticPort), '--bind', '127.0.0.1', '--directory', join(out, 'site')],
			{ log: join(ARTIFACTS, 'http-server.log') });
		await new Promise((ok) => setTimeout(ok, 700));
		try {
			await check('offline: the snapshot time and every service, read-only', async () => {
				await page.goto(`http://127.0.0.1:${staticPort}/`);
				await page.waitForSelector('[data-testid="mode"][data-mode="offline"]', { timeout: 20_000 });
				const time = await page.locator('[data-testid="snapshot-time"]').textContent();
				assert(/snapshot \d{4}-\d\d-\d\d \d\d:\d\d UTC/.test(time), `snapshot time: ${time}`);
				for (const id of SERVICES) await page.waitForSelector(`[data-service="${id}"]`, { timeout: 5_000 });
				// The snapshot was taken while the target was down.
				await page.waitForSelector('[data-service="web"] [data-health="down"]', { timeout: 5_000 });
				await shot(page, 'offline');
				await page.goto(`http://127.0.0.1:${staticPort}/#/monitoring`);
				await page.waitForSelector('[data-testid="host-detail"]');
				await page.waitForFunction(() => [...document.querySelectorAll('[data-testid="chart"]')].some((c) => Number(c.getAttribute('data-points')) >= 2), null, { timeout: 10_000 });
				await shot(page, 'offline-monitoring');
			});
		} finally {
			await stop(server);
		}
		await check('no script errors on any page', async () => {
			assert(errors.length === 0, errors.join('\n'));
		});
		await check('no Content-Security-Policy violation on any page (hub and static site)', async () => {
			assert(cspViolations.length === 0, cspViolations.map((v) => JSON.stringify(v)).join('\n'));
		});
	} finally {
		await context.close();
		await stop(up);
		target.close();
		target6.close();
	}
}

try {
	await main();
} catch (e) {
	results.push({ name: 'setup', ok: false });
	console.log(`FAIL setup: ${e.stack}`);
}
const failed = results.filter((r) => !r.ok).length;
console.log(`\nweb e2e: ${results.length - failed} passed, ${failed} failed`);
console.log(`screenshots in ${ARTIFACTS}`);
process.exit(failed ? 1 : 0);
