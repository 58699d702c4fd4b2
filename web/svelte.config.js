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
		inlineStyleThreshold: 0
	}
};
