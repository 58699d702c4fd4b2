import { describe, expect, it } from 'vitest';
import { HttpError, Source, fromSnapshot, loadAny } from './source';
import type { Snapshot } from './types';

const manifest = {
	generator: 'cloudctl test',
	spec: {},
	resolved: {
		categories: [{ id: 'fridge', title: 'FRIDGE', groups: [{ id: 'g', title: 'G', services: ['mail'] }] }],
		services: [{ id: 'mail', title: 'Mail', status: 'on' }],
		hosts: []
	}
};

const snapshot = {
	snapshot_version: 1,
	generated_at_ms: 1_700_000_000_000,
	source: 'hub',
	manifest,
	plan: null,
	hosts: [{ name: 'vm1', expected: true, seen: true }],
	containers: [],
	sockets: [],
	probes: { probes: [] },
	alerts: null,
	history: null,
	charts: {}
} as unknown as Snapshot;

function json(body: unknown, status = 200): Response {
	return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}

/** A fake server: a map of path → answer (or a function), 404 otherwise; records what was asked. */
function server(routes: Record<string, unknown | (() => Response)>) {
	const asked: string[] = [];
	const fetch = async (url: string, init?: RequestInit) => {
		asked.push(url);
		const path = url.split('?')[0];
		if (!(path in routes)) return new Response('<h1>Not found</h1>', { status: 404 });
		const r = routes[path];
		if (typeof r === 'function') return (r as (i?: RequestInit) => Response)(init);
		return json(r);
	};
	return { fetch, asked };
}

describe('online/offline switch', () => {
	it('goes online when the hub answers, and reads every part from the API', async () => {
		const s = server({
			'api/v1/health': { ok: true, version: '0.1.0' },
			'api/v1/dashboard/changes': { hosts: 1, batches: 3, last_seen_ms: 5 },
			'api/v1/manifest': manifest,
			'api/v1/plan': { capacity: [], cost: {}, matrix: [] },
			'api/v1/hosts': [{ name: 'vm1', expected: true, seen: true }],
			'api/v1/containers': [],
			'api/v1/sockets': [],
			'api/v1/probes': { probes: [{ uptime_pct: 100, runs: 1, passed: 1, latest: null }] },
			'api/v1/alerts': { alerts: [] },
			'api/v1/alerts/history': { history: [] }
		});
		const result = await loadAny(new Source({ fetch: s.fetch }));
		expect('data' in result).toBe(true);
		if (!('data' in result)) return;
		expect(result.data.mode).toBe('online');
		expect(result.reason).toBeNull();
		expect(result.data.hosts[0].name).toBe('vm1');
		expect(result.data.probes).toHaveLength(1);
		expect(s.asked).not.toContain('metrics.json');
	});

	it('goes offline to metrics.json when the API is not there, keeping the snapshot time', async () => {
		const s = server({ 'metrics.json': snapshot });
		const result = await loadAny(new Source({ fetch: s.fetch }));
		if (!('data' in result)) throw new Error('expected data');
		expect(result.data.mode).toBe('offline');
		expect(result.data.asOf).toBe(1_700_000_000_000);
		expect(result.reason).toMatch(/cannot be reached/);
		expect(result.data.manifest.resolved.services[0].id).toBe('mail');
	});

	it('goes offline when the hub does not answer in time', async () => {
		const never = (init?: RequestInit) =>
			new Promise<Response>((_, reject) =>
				init?.signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')))
			);
		const fetch = async (url: string, init?: RequestInit) =>
			url.startsWith('api/') ? never(init) : json(snapshot);
		const result = await loadAny(new Source({ fetch, timeoutMs: 50 }));
		if (!('data' in result)) throw new Error('expected data');
		expect(result.data.mode).toBe('offline');
	});

	it('asks for a token when the hub wants one, instead of going offline', async () => {
		const s = server({
			'api/v1/health': { ok: true },
			'api/v1/dashboard/changes': () => json({ error: 'no bearer token', hint: 'send one' }, 401)
		});
		expect(await loadAny(new Source({ fetch: s.fetch }))).toEqual({ needsToken: true });
	});

	it('sends the token and treats a missing monitor as "no probes", not as an error', async () => {
		let auth: string | null = null;
		const s = server({
			'api/v1/health': { ok: true },
			'api/v1/dashboard/changes': (init?: RequestInit) => {
				auth = new Headers(init?.headers).get('authorization');
				return json({ hosts: 0, batches: 0, last_seen_ms: null });
			},
			'api/v1/manifest': manifest,
			'api/v1/plan': { capacity: [], cost: {}, matrix: [] },
			'api/v1/hosts': [],
			'api/v1/containers': [],
			'api/v1/sockets': []
		});
		const result = await loadAny(new Source({ fetch: s.fetch, token: 's3cret' }));
		expect(auth).toBe('Bearer s3cret');
		if (!('data' in result)) throw new Error('expected data');
		expect(result.data.probes).toBeNull();
		expect(result.data.alerts).toBeNull();
	});

	it('fails clearly when neither the hub nor a snapshot is there', async () => {
		const s = server({});
		await expect(loadAny(new Source({ fetch: s.fetch }))).rejects.toBeInstanceOf(HttpError);
	});

	it('refuses a file that is not a snapshot', () => {
		expect(() => fromSnapshot({} as Snapshot)).toThrow(/not a cloudctl snapshot/);
		expect(() => fromSnapshot({ ...snapshot, snapshot_version: 9 })).toThrow(/snapshot_version 9/);
	});
});
