// Where the data comes from. Online: the hub API next to the page (`api/v1/…`, relative, so a hub
// behind a path prefix works). Offline: `metrics.json` beside the page — when the API cannot be
// reached, or the site is a static copy (GitHub Pages, `cloudctl render site`). The choice is
// made by asking the hub's health endpoint; nothing is configured at build time.

import type {
	Alert,
	ApiHost,
	Charts,
	ContainersSection,
	DashboardData,
	HistoryEntry,
	Manifest,
	Plan,
	ProbeEntry,
	Range,
	Snapshot,
	SocketsSection
} from './types';

export type Fetch = (input: string, init?: RequestInit) => Promise<Response>;

export interface SourceOptions {
	fetch: Fetch;
	/** Prefix for relative URLs, '' or ending with '/'. */
	base?: string;
	/** A read token for hubs that are not on loopback. */
	token?: string | null;
	/** How long to wait for the hub before going offline, ms. */
	timeoutMs?: number;
}

/** An answer that is not 2xx, with the hub's `{error, hint}` when it sent one. */
export class HttpError extends Error {
	constructor(
		readonly url: string,
		readonly status: number,
		readonly hint: string | null
	) {
		super(`${url}: HTTP ${status}`);
	}
}

export class Source {
	private readonly fetch: Fetch;
	private readonly base: string;
	private readonly timeoutMs: number;
	token: string | null;

	constructor(options: SourceOptions) {
		this.fetch = options.fetch;
		this.base = options.base ?? '';
		this.token = options.token ?? null;
		this.timeoutMs = options.timeoutMs ?? 4000;
	}

	private async get<T>(path: string): Promise<T> {
		const url = this.base + path;
		const headers: Record<string, string> = { accept: 'application/json' };
		if (this.token) headers.authorization = `Bearer ${this.token}`;
		const controller = new AbortController();
		const timer = setTimeout(() => controller.abort(), this.timeoutMs);
		try {
			const response = await this.fetch(url, { headers, signal: controller.signal, cache: 'no-store' });
			if (!response.ok) {
				let hint: string | null = null;
				try {
					const body = await response.json();
					hint = [body.error, body.hint].filter(Boolean).join(': ') || null;
				} catch {
					// not JSON: a static host's 404 page
				}
				throw new HttpError(url, response.status, hint);
			}
			return (await response.json()) as T;
		} finally {
			clearTimeout(timer);
		}
	}

	/** An optional part (probes, alerts): null when this hub does not serve it. */
	private async optional<T>(path: string): Promise<T | null> {
		try {
			return await this.get<T>(path);
		} catch (e) {
			if (e instanceof HttpError && e.status === 404) return null;
			throw e;
		}
	}

	/** True when a cloudctl hub answers here; a 401 counts (it is a hub that wants a token). */
	async hubAnswers(): Promise<'yes' | 'no' | 'needs-token'> {
		try {
			const health = await this.get<{ ok?: boolean; version?: string }>('api/v1/health');
			if (health?.ok !== true) return 'no';
			// Reads may need a token even when health is open.
			await this.get('api/v1/dashboard/changes');
			return 'yes';
		} catch (e) {
			if (e instanceof HttpError && e.status === 401) return 'needs-token';
			return 'no';
		}
	}

	/** Everything but charts, from the hub. */
	async loadOnline(previous?: DashboardData | null): Promise<DashboardData> {
		// The spec changes only when the hub restarts: fetched once per page.
		const [manifest, plan] = previous
			? [previous.manifest, previous.plan]
			: await Promise.all([this.get<Manifest>('api/v1/manifest'), this.optional<Plan>('api/v1/plan')]);
		const [hosts, containers, sockets, probes, alerts, history] = await Promise.all([
			this.get<ApiHost[]>('api/v1/hosts'),
			this.get<ContainersSection[]>('api/v1/containers'),
			this.get<SocketsSection[]>('api/v1/sockets'),
			this.optional<{ probes: ProbeEntry[] }>('api/v1/probes'),
			this.optional<{ alerts: Alert[] }>('api/v1/alerts'),
			this.optional<{ history: HistoryEntry[] }>('api/v1/alerts/history')
		]);
		return {
			mode: 'online',
			asOf: Date.now(),
			source: 'hub',
			manifest,
			plan,
			hosts,
			containers,
			sockets,
			probes: probes?.probes ?? null,
			alerts: alerts?.alerts ?? null,
			history: history?.history ?? null,
			charts: previous?.charts ?? {}
		};
	}

	/** A host's charts over a range, from the hub. */
	async charts(host: string, range: Range): Promise<Charts> {
		return this.get<Charts>(`api/v1/dashboard/charts?host=${encodeURIComponent(host)}&last=${range}`);
	}

	/** The snapshot beside the page. */
	async loadOffline(): Promise<DashboardData> {
		const snapshot = await this.get<Snapshot>('metrics.json');
		return fromSnapshot(snapshot);
	}

	/** The hub's change marker: refetch when it moves. */
	async changes(): Promise<string> {
		const c = await this.get<{ last_seen_ms: number | null; batches: number; hosts: number }>(
			'api/v1/dashboard/changes'
		);
		return `${c.hosts}:${c.batches}:${c.last_seen_ms}`;
	}
}

/** A snapshot as dashboard data. Throws with a clear message when the file is not a snapshot. */
export function fromSnapshot(snapshot: Snapshot): DashboardData {
	if (!snapshot || typeof snapshot !== 'object' || !snapshot.manifest?.resolved) {
		throw new Error('metrics.json is not a cloudctl snapshot (no manifest in it)');
	}
	if (snapshot.snapshot_version !== 1) {
		throw new Error(`metrics.json has snapshot_version ${snapshot.snapshot_version}; this dashboard reads 1`);
	}
	return {
		mode: 'offline',
		asOf: snapshot.generated_at_ms ?? null,
		source: snapshot.source ?? 'hub',
		manifest: snapshot.manifest,
		plan: snapshot.plan ?? null,
		hosts: snapshot.hosts ?? [],
		containers: snapshot.containers ?? [],
		sockets: snapshot.sockets ?? [],
		probes: snapshot.probes?.probes ?? null,
		alerts: snapshot.alerts?.alerts ?? null,
		history: snapshot.history?.history ?? null,
		charts: snapshot.charts ?? {}
	};
}

/** Online when a hub answers, else the snapshot; the reason for offline is kept for the banner. */
export async function loadAny(source: Source): Promise<{ data: DashboardData; reason: string | null } | { needsToken: true }> {
	const hub = await source.hubAnswers();
	if (hub === 'needs-token') return { needsToken: true };
	if (hub === 'yes') {
		try {
			return { data: await source.loadOnline(), reason: null };
		} catch (e) {
			// A hub without a published spec cannot show services: fall back to the snapshot.
			const data = await source.loadOffline();
			return { data, reason: `the hub answered but ${(e as Error).message}` };
		}
	}
	return { data: await source.loadOffline(), reason: 'the hub API cannot be reached' };
}
