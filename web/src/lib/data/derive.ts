// What the pages show, derived from the data: a service's live health from its probes, a VM's
// figures now, the exposure verdict of a listening socket, and the drift between the plan and
// what runs. Pure functions, tested in derive.test.ts.

import type {
	ApiHost,
	Container,
	ContainersSection,
	DashboardData,
	Health,
	HostView,
	ListeningSocket,
	Manifest,
	ProbeEntry,
	ServiceView
} from './types';

export interface ServiceHealth {
	health: Health;
	/** Response time of the latest run of the service's main (first) probe, ms. */
	latencyMs: number | null;
	/** Lowest uptime % among its probes. */
	uptimePct: number | null;
	/** Why it is down: the failing probe's message. */
	reason: string | null;
	checkedAt: number | null;
}

/** A service's probes: those labelled with it. */
export function probesOf(service: string, probes: ProbeEntry[] | null): ProbeEntry[] {
	return (probes ?? []).filter((p) => p.latest?.service === service);
}

/** Up when every probe of the service passed its latest run, down when one failed. */
export function serviceHealth(service: string, probes: ProbeEntry[] | null): ServiceHealth {
	const mine = probesOf(service, probes).filter((p) => p.latest);
	if (mine.length === 0) {
		return { health: 'unknown', latencyMs: null, uptimePct: null, reason: null, checkedAt: null };
	}
	const failing = mine.find((p) => !p.latest!.ok);
	const main = mine.find((p) => p.latest!.kind === 'http') ?? mine[0];
	return {
		health: failing ? 'down' : 'up',
		latencyMs: main.latest!.latency_ms,
		uptimePct: Math.min(...mine.map((p) => p.uptime_pct)),
		reason: failing ? (failing.latest!.failure?.message ?? `${failing.latest!.name} failed`) : null,
		checkedAt: Math.max(...mine.map((p) => p.latest!.started_at_ms))
	};
}

/** The services under a hub service (its children), in spec order. */
export function childrenOf(id: string, services: ServiceView[]): ServiceView[] {
	return services.filter((s) => s.parent === id);
}

/** Hub services: those that others sit under (terminals, workflows). */
export function hubIds(services: ServiceView[]): Set<string> {
	return new Set(services.map((s) => s.parent).filter((p): p is string => !!p));
}

/** Case-insensitive match of every word of `query` against a service's visible text. */
export function matches(service: ServiceView, query: string): boolean {
	const words = query.toLowerCase().split(/\s+/).filter(Boolean);
	if (words.length === 0) return true;
	const text = [service.id, service.title, service.description, service.host, service.status, service.url ?? '']
		.join(' ')
		.toLowerCase();
	return words.every((w) => text.includes(w));
}

export interface HostNow {
	name: string;
	title: string;
	seen: boolean;
	lastSeenMs: number | null;
	memoryPct: number | null;
	memoryUsed: number | null;
	memoryTotal: number | null;
	diskPct: number | null;
	diskUsed: number | null;
	diskSize: number | null;
	load1: number | null;
	cores: number | null;
	uptimeS: number | null;
}

/** A VM's figures from its newest snapshot (CPU and network need two points: see the charts). */
export function hostNow(view: HostView | undefined, api: ApiHost | undefined, name: string): HostNow {
	const h = api?.snapshot?.host ?? null;
	const mem = h?.memory;
	const root = h?.filesystems?.find((f) => f.mount_point === '/') ?? h?.filesystems?.[0];
	const used = root ? root.size_bytes - root.free_bytes : null;
	return {
		name,
		title: view?.title ?? name,
		seen: api?.seen ?? false,
		lastSeenMs: api?.last_seen_ms ?? null,
		memoryTotal: mem?.total_bytes ?? null,
		memoryUsed: mem ? mem.total_bytes - mem.available_bytes : null,
		memoryPct: mem && mem.total_bytes > 0 ? ((mem.total_bytes - mem.available_bytes) / mem.total_bytes) * 100 : null,
		diskSize: root?.size_bytes ?? null,
		diskUsed: used,
		diskPct: root && used != null && used + root.avail_bytes > 0 ? (used / (used + root.avail_bytes)) * 100 : null,
		load1: h?.load?.one ?? null,
		cores: h?.cpu?.per_core?.length ?? null,
		uptimeS: h?.uptime_seconds ?? null
	};
}

/** Every host: the spec's, then any that reported without being in the spec. */
export function allHosts(data: DashboardData): { name: string; view?: HostView; api?: ApiHost }[] {
	const out = data.manifest.resolved.hosts.map((view) => ({
		name: view.id,
		view,
		api: data.hosts.find((h) => h.name === view.id)
	}));
	for (const api of data.hosts) {
		if (!out.some((h) => h.name === api.name)) out.push({ name: api.name, api, view: undefined });
	}
	return out;
}

export type Exposure = 'local' | 'private' | 'allowed' | 'exposed';

function isLoopback(addr: string): boolean {
	return addr.startsWith('127.') || addr === '::1' || addr === '::ffff:127.0.0.1';
}

function isPrivate(addr: string): boolean {
	const a = addr.replace(/^::ffff:/, '');
	if (/^10\./.test(a) || /^192\.168\./.test(a) || /^169\.254\./.test(a)) return true;
	const m172 = /^172\.(\d+)\./.exec(a);
	if (m172 && +m172[1] >= 16 && +m172[1] <= 31) return true;
	const m100 = /^100\.(\d+)\./.exec(a);
	if (m100 && +m100[1] >= 64 && +m100[1] <= 127) return true;
	return /^f[cd][0-9a-f]{2}:/i.test(a) || /^fe80:/i.test(a);
}

/** Ports the spec allows on a host from outside: inbound rules for its roles (or all hosts) and
 * the ports its components publish. */
export function allowedPorts(manifest: Manifest, host: string): Set<string> {
	const view = manifest.resolved.hosts.find((h) => h.id === host);
	const roles = new Set(view?.roles ?? []);
	const allowed = new Set<string>();
	for (const rule of manifest.spec.security?.inbound ?? []) {
		if (!rule.roles || rule.roles.some((r) => roles.has(r))) allowed.add(`${rule.protocol}/${rule.port}`);
	}
	for (const s of manifest.resolved.services.filter((s) => s.host === host)) {
		const components = manifest.spec.services?.[s.id]?.components ?? {};
		for (const c of Object.values(components)) {
			for (const p of c.publish ?? []) allowed.add(`${p.protocol ?? 'tcp'}/${p.port}`);
		}
	}
	return allowed;
}

/** Local (loopback), private (mesh/LAN), or listening publicly: allowed by the spec or exposed. */
export function exposure(socket: ListeningSocket, allowed: Set<string>): Exposure {
	if (isLoopback(socket.addr)) return 'local';
	if (isPrivate(socket.addr)) return 'private';
	const proto = socket.proto.startsWith('udp') ? 'udp' : 'tcp';
	return allowed.has(`${proto}/${socket.port}`) ? 'allowed' : 'exposed';
}

export type DriftVerdict = 'ok' | 'missing' | 'stopped' | 'unplanned' | 'not-deployed' | 'no-data';

export interface DriftRow {
	host: string;
	container: string;
	service: string | null;
	/** The service's lifecycle status in the plan, when the container is planned. */
	planned: string | null;
	state: string | null;
	verdict: DriftVerdict;
}

const DEPLOYED = new Set(['on', 'dev']);

/** Plan vs today, per container: planned containers and their state, then unplanned ones. */
export function drift(data: DashboardData): DriftRow[] {
	const rows: DriftRow[] = [];
	const services = data.manifest.resolved.services;
	for (const host of data.manifest.resolved.hosts) {
		const section: ContainersSection | undefined = data.containers.find((c) => c.host === host.id);
		const list: Container[] | null = section?.containers?.available ? section.containers.list : null;
		const planned = new Set<string>();
		for (const s of services.filter((s) => s.host === host.id)) {
			for (const c of s.components) {
				if (!c.container) continue;
				planned.add(c.container);
				const running = list?.find((r) => r.name === c.container) ?? null;
				let verdict: DriftVerdict;
				if (!DEPLOYED.has(s.status)) verdict = running ? 'unplanned' : 'not-deployed';
				else if (list == null) verdict = 'no-data';
				else if (!running) verdict = 'missing';
				else verdict = running.state === 'running' ? 'ok' : 'stopped';
				rows.push({ host: host.id, container: c.container, service: s.id, planned: s.status, state: running?.state ?? null, verdict });
			}
		}
		for (const r of list ?? []) {
			if (!planned.has(r.name)) {
				rows.push({ host: host.id, container: r.name, service: null, planned: null, state: r.state, verdict: 'unplanned' });
			}
		}
	}
	for (const section of data.containers) {
		if (data.manifest.resolved.hosts.some((h) => h.id === section.host)) continue;
		for (const r of section.containers?.list ?? []) {
			rows.push({ host: section.host, container: r.name, service: null, planned: null, state: r.state, verdict: 'unplanned' });
		}
	}
	return rows;
}
