// Shared by the end-to-end test and the budget script: start the real cloudctl binary, a
// static server, and Debian's Chromium through playwright-core (never a downloaded browser).
import { spawn } from 'node:child_process';
import { mkdtempSync, createWriteStream } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium } from 'playwright-core';

export const ROOT = resolve(new URL('../..', import.meta.url).pathname);
export const BIN = process.env.CLOUDCTL_BIN ?? join(ROOT, 'target/debug/cloudctl');
export const ARTIFACTS = process.env.ARTIFACTS ?? join(ROOT, 'artifacts/web');

export function tempDir(prefix) {
	return mkdtempSync(join(tmpdir(), prefix));
}

/** A free TCP port on 127.0.0.1. */
export function freePort() {
	return new Promise((ok, fail) => {
		const s = createServer();
		s.once('error', fail);
		s.listen(0, '127.0.0.1', () => {
			const { port } = s.address();
			s.close(() => ok(port));
		});
	});
}

const children = new Set();
process.on('exit', () => {
	for (const c of children) {
		try {
			c.kill('SIGKILL');
		} catch {}
	}
});

/** Starts a process, its output in `log`; resolves once `ready` matches a line of stdout. */
export function start(cmd, args, { log, ready, env = {}, timeoutMs = 60_000 } = {}) {
	const child = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
	children.add(child);
	child.on('exit', () => children.delete(child));
	const out = log ? createWriteStream(log) : null;
	let seen = '';
	return new Promise((ok, fail) => {
		const timer = setTimeout(() => fail(new Error(`${cmd} did not get ready in ${timeoutMs} ms; see ${log}`)), timeoutMs);
		const onData = (chunk) => {
			out?.write(chunk);
			if (!ready) return;
			seen += chunk.toString();
			const m = seen.match(ready);
			if (m) {
				clearTimeout(timer);
				ok({ child, match: m });
			}
		};
		// Readiness may be announced on either stream (`cloudctl hub` says it on stderr).
		child.stdout.on('data', onData);
		child.stderr.on('data', onData);
		child.on('exit', (code) => {
			clearTimeout(timer);
			fail(new Error(`${cmd} ${args.join(' ')} exited with ${code} before it was ready; see ${log}`));
		});
		if (!ready) {
			clearTimeout(timer);
			ok({ child, match: null });
		}
	});
}

/** Stops a child politely (SIGINT, as Ctrl-C), then firmly. */
export async function stop(child, ms = 15_000) {
	if (child.exitCode != null) return;
	const done = new Promise((ok) => child.once('exit', ok));
	child.kill('SIGINT');
	const timer = setTimeout(() => child.kill('SIGKILL'), ms);
	await done;
	clearTimeout(timer);
}

/** Runs a command to completion; throws with its output when it fails. */
export function run(cmd, args, env = {}) {
	return new Promise((ok, fail) => {
		const child = spawn(cmd, args, { env: { ...process.env, ...env } });
		let text = '';
		child.stdout.on('data', (c) => (text += c));
		child.stderr.on('data', (c) => (text += c));
		child.on('exit', (code) => (code === 0 ? ok(text) : fail(new Error(`${cmd} ${args.join(' ')} → ${code}\n${text}`))));
	});
}

/**
 * Debian's Chromium with the flags of shared/recipes/REAL-PARTS.md and a fresh profile.
 * `options` go to playwright's launchPersistentContext (e.g. `bypassCSP` for the audit context,
 * which injects axe-core as a script tag).
 */
export async function browser(profile, options = {}) {
	return chromium.launchPersistentContext(profile, {
		executablePath: '/usr/bin/chromium',
		headless: true,
		args: [
			'--headless',
			'--no-sandbox',
			'--disable-gpu',
			'--disable-quic',
			'--no-first-run',
			'--disable-background-networking',
			'--disable-component-update',
			'--disable-sync'
		],
		viewport: { width: 1280, height: 900 },
		colorScheme: 'light',
		...options
	});
}
