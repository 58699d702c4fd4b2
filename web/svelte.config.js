import adapter from '@sveltejs/adapter-static';
import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';
import { readFileSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8'));

/** @type {import('@sveltejs/kit').Config} */
export default {
	preprocess: vitePreprocess(),
	kit: {
		// One index.html and relative asset paths: the same build works embedded in the hub at `/`,
		// from any static host (GitHub Pages under a sub-path) and from a folder on disk.
		adapter: adapter({ pages: 'build', assets: 'build', fallback: undefined, strict: true }),
		router: { type: 'hash' },
		paths: { relative: true },
		// A fixed version keeps the build byte-identical between runs (CI compares it with the
		// committed one); the default is the build time.
		version: { name: pkg.version, pollInterval: 0 },
		inlineStyleThreshold: 0,
		// The Content-Security-Policy, with the sha256 of SvelteKit's inline bootstrap script
		// (mode 'hash': a static build cannot carry a nonce). It lands in index.html as a meta tag,
		// which covers any static host; scripts/csp.mjs then fixes the script hashes after the
		// relative-path rewrite and allows the templates' static style attributes by hash
		// (style-src-attr 'unsafe-hashes'). The hub sends the same policy as a header, read from
		// that tag, plus `frame-ancestors 'none'`, which a meta tag cannot carry
		// (crates/hub/src/web.rs). No 'unsafe-inline' anywhere: styles come from the CSS files, and
		// Svelte and uPlot set dynamic styles through the CSSOM, which the policy does not govern.
		csp: {
			mode: 'hash',
			directives: {
				'default-src': ['self'],
				'script-src': ['self'],
				'style-src': ['self'],
				'img-src': ['self', 'data:'],
				'font-src': ['self'],
				'connect-src': ['self'],
				'object-src': ['none'],
				'base-uri': ['self'],
				'form-action': ['self']
			}
		}
	}
};
