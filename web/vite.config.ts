import { sveltekit } from '@sveltejs/kit/vite';
import { defineConfig } from 'vite';

// `npm run dev` proxies the API to a hub (cloudctl up) so the dashboard can be worked on live.
const hub = process.env.CLOUDCTL_HUB ?? 'http://127.0.0.1:7070';

export default defineConfig({
	plugins: [sveltekit()],
	server: { proxy: { '/api': hub } },
	build: { target: 'es2022', reportCompressedSize: false },
	test: {
		include: ['src/**/*.test.ts'],
		environment: 'node'
	}
});
