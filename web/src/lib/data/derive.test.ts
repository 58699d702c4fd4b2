import { describe, expect, it } from 'vitest';
import { allowedPorts, drift, exposure, hostNow, matches, serviceHealth } from './derive';
import type { DashboardData, Manifest, ProbeEntry, ServiceView } from './types';

const probe = (service: string, ok: boolean, latency = 12, uptime = 100, kind = 'http'): ProbeEntry => ({
	uptime_pct: uptime,
	runs: 10,
	passed: ok ? 10 : 9,
	latest: {
		name: `${service}-${kind}`,
		kind,
		host: 'vm1',
		service,
		started_at_ms: 1000,
		ok,
		latency_ms: latency,
		failure: ok ? null : { kind: 'connect', message: 'connection refused' }
	}
});

describe('service health', () => {
	it('is unknown without probes, up when all pass, down with the reason when one fails', () => {
		expect(serviceHealth('mail', null).health).toBe('unknown');
		expect(serviceHealth('mail', [probe('git', true)]).health).toBe('unknown');
		const up = serviceHealth('mail', [probe('mail', true, 42, 99.5)]);
		expect(up).toMatchObject({ health: 'up', latencyMs: 42, uptimePct: 99.5, reason: null });
		const down = serviceHealth('mail', [probe('mail', true, 5, 100, 'tls'), probe('mail', false, 3, 90)]);
		expect(down).toMatchObject({ health: 'down', uptimePct: 90, reason: 'connection refused' });
	});
	it('ignores probes that have not run yet', () => {
		expect(serviceHealth('mail', [{ uptime_pct: 0, runs: 0, passed: 0, latest: null }]).health).toBe('unknown');
	});
});

describe('search', () => {
	const s = { id: 'git', title: 'Git', description: 'Gitea hosting', host: 'oci-p-flex_1', status: 'dev', url: 'https://git.example.com' } as ServiceView;
	it('matches every word anywhere in the visible text', () => {
		expect(matches(s, '')).toBe(true);
		expect(matches(s, 'gitea dev')).toBe(true);
		expect(matches(s, 'GIT flex')).toBe(true);
		expect(matches(s, 'gitea mail')).toBe(false);
	});
});

const manifest = {
	generator: 't',
	spec: {
		security: { inbound: [{ port: 22, protocol: 'tcp' }, { port: 443, protocol: 'tcp', roles: ['proxy'] }] },
		services: { web: { components: { 'web-app': { publish: [{ port: 8443, protocol: 'tcp' }] } } } }
	},
	resolved: {
		categories: [],
		hosts: [{ id: 'vm1', roles: ['mail'], containers: ['web-app'] }],
		services: [
			{ id: 'web', host: 'vm1', status: 'on', components: [{ id: 'web-app', container: 'web-app' }, { id: 'web-db', container: 'web-db' }] },
			{ id: 'later', host: 'vm1', status: 'planned', components: [{ id: 'later-app', container: 'later-app' }] }
		]
	}
} as unknown as Manifest;

describe('exposure', () => {
	const allowed = allowedPorts(manifest, 'vm1');
	it('allows inbound rules for the host (not other roles) and published ports', () => {
		expect([...allowed].sort()).toEqual(['tcp/22', 'tcp/8443']);
	});
	it('tells local, private, allowed and exposed apart', () => {
		const s = (addr: string, port: number) => ({ proto: 'tcp' as const, addr, port, owner: null });
		expect(exposure(s('127.0.0.1', 5432), allowed)).toBe('local');
		expect(exposure(s('::1', 5432), allowed)).toBe('local');
		expect(exposure(s('10.8.0.4', 5432), allowed)).toBe('private');
		expect(exposure(s('172.20.0.1', 80), allowed)).toBe('private');
		expect(exposure(s('0.0.0.0', 22), allowed)).toBe('allowed');
		expect(exposure(s('0.0.0.0', 5432), allowed)).toBe('exposed');
		expect(exposure(s('::', 443), allowed)).toBe('exposed');
	});
});

describe('drift', () => {
	it('compares planned containers with what runs', () => {
		const data = {
			manifest,
			containers: [
				{
					host: 'vm1',
					ts_ms: 1,
					containers: {
						available: true,
						list: [
							{ name: 'web-app', state: 'running' },
							{ name: 'later-app', state: 'running' },
							{ name: 'stray', state: 'exited' }
						]
					}
				}
			]
		} as unknown as DashboardData;
		const rows = drift(data).map((r) => [r.container, r.verdict]);
		expect(rows).toEqual([
			['web-app', 'ok'],
			['web-db', 'missing'],
			['later-app', 'unplanned'],
			['stray', 'unplanned']
		]);
	});
	it('says "no data" rather than "missing" when the host sent no container list', () => {
		const data = { manifest, containers: [] } as unknown as DashboardData;
		expect(drift(data).find((r) => r.container === 'web-app')?.verdict).toBe('no-data');
	});
});

describe('host now', () => {
	it('computes memory and disk use as df and free do', () => {
		const now = hostNow(undefined, {
			name: 'vm1',
			expected: true,
			seen: true,
			snapshot: {
				ts_ms: 1,
				host: {
					memory: { total_bytes: 1000, available_bytes: 250, swap_total_bytes: 0, swap_free_bytes: 0 },
					filesystems: [{ mount_point: '/', size_bytes: 100, free_bytes: 30, avail_bytes: 20 }],
					cpu: { total: {}, per_core: [{}, {}] },
					load: { one: 0.5 }
				}
			}
		} as never, 'vm1');
		expect(now.memoryPct).toBe(75);
		// used 70, available to users 20 → 70 / 90
		expect(now.diskPct).toBeCloseTo(77.78, 1);
		expect(now.cores).toBe(2);
	});
});
