// Completes the Content-Security-Policy that SvelteKit writes into build/index.html (kit.csp,
// mode 'hash'; see svelte.config.js), after scripts/relative.mjs has rewritten the page:
// - script-src: the sha256 of each inline script as it now is (the rewrite changed the
//   bootstrap script, so SvelteKit's hash no longer matches);
// - style-src-attr: 'unsafe-hashes' and the sha256 of each static style attribute in the JS
//   templates (SvelteKit's own route announcer has one), instead of 'unsafe-inline'.
// The hub sends this same policy as a header (crates/hub/src/web.rs). Idempotent.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const build = new URL('../build/', import.meta.url).pathname;
const file = join(build, 'index.html');
const html = readFileSync(file, 'utf8');
const hash = (text) => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

const META = /<meta http-equiv="content-security-policy" content="([^"]*)">/;
const policy = html.match(META)?.[1];
if (!policy) throw new Error('build/index.html has no Content-Security-Policy meta tag: set kit.csp in svelte.config.js');
const directives = new Map(
	policy.split(';').map((d) => d.trim()).filter(Boolean).map((d) => {
		const [name, ...values] = d.split(/\s+/);
		return [name, values];
	})
);

// Inline scripts: drop the hashes SvelteKit computed, add those of the page as it is.
const scripts = [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => hash(m[1]));
const scriptSrc = (directives.get('script-src') ?? ["'self'"]).filter((v) => !v.startsWith("'sha256-"));
directives.set('script-src', [...scriptSrc, ...new Set(scripts)]);

// Static style attributes in the compiled templates (dynamic ones are set through the CSSOM,
// which the policy does not govern).
const files = readdirSync(join(build, '_app/immutable'), { recursive: true }).filter((f) => f.endsWith('.js'));
const styles = new Set();
for (const f of files.sort()) {
	const js = readFileSync(join(build, '_app/immutable', f), 'utf8');
	for (const m of js.matchAll(/<[a-z][^<>]*?\sstyle="([^"]*)"/g)) styles.add(hash(m[1]));
}
if (styles.size > 0) directives.set('style-src-attr', ["'unsafe-hashes'", ...[...styles].sort()]);
else directives.delete('style-src-attr');

for (const [name, values] of directives) {
	if (values.includes("'unsafe-inline'")) throw new Error(`${name} allows 'unsafe-inline'`);
}
const content = [...directives].map(([name, values]) => [name, ...values].join(' ')).join('; ');
writeFileSync(file, html.replace(META, `<meta http-equiv="content-security-policy" content="${content}">`));
