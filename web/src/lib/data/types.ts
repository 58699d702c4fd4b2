// The shapes the hub API answers with, and metrics.json (the snapshot) holds. They mirror the Rust
// types of crates/render (View), crates/plan, crates/hub and crates/alerts; only what the dashboard
// reads is typed.

export type Lifecycle = 'on' | 'dev' | 'hold' | 'offline' | 'planned' | string;
export type Health = 'up' | 'down' | 'unknown';
export type Range = '24h' | '7d' | '30d';
export const RANGES: Range[] = ['24h', '7d', '30d'];

export interface ComponentView {
	id: string;
	kind: string;
	description: string | null;
	stack: string;
	image: string | null;
	container: string | null;
	port: number | null;
}

export interface ServiceView {
	id: string;
	title: string;
	description: string;
	icon: string | null;
	category: string;
	parent: string | null;
	url: string | null;
	host: string;
	external: boolean;
	address: string | null;
	status: Lifecycle;
	availability: string;
	auth: string;
	entry_container: string | null;
	entry_port: number | null;
	components: ComponentView[];
}

export interface GroupView {
	id: string;
	title: string;
	services: string[];
}

export interface CategoryView {
	id: string;
	title: string;
	groups: GroupView[];
}

export interface HostView {
	id: string;
	title: string;
	provider: string;
	provider_title: string;
	public_ip: string | null;
	private_ip: string | null;
	vcpu: number;
	ram: string;
	storage: string;
	bandwidth: string;
	tier: string;
	availability: string;
	price: string;
	roles: string[];
	services: string[];
	containers: string[];
}

export interface InboundRule {
	port: number;
	protocol: string;
	roles?: string[];
	from?: string;
	reason?: string;
}

export interface Manifest {
	generator: string;
	spec: {
		project?: { name?: string; title?: string };
		security?: { inbound?: InboundRule[] };
		services?: Record<string, { components?: Record<string, { publish?: { port: number; protocol?: string }[] }> }>;
		[key: string]: unknown;
	};
	resolved: { categories: CategoryView[]; services: ServiceView[]; hosts: HostView[] };
}

export interface ResourceUse {
	resource: 'ram' | 'cpu' | 'storage' | 'bandwidth';
	allocated: number;
	capacity: number;
	percent: number;
	headroom: number;
	status: 'ok' | 'tight' | 'over';
}

export interface HostCapacity {
	host: string;
	provider: string;
	tier: string;
	availability: string;
	services: string[];
	containers: number;
	resources: ResourceUse[];
}

export interface HostCost {
	host: string;
	provider: string;
	tier: string;
	price: string;
	always_on_monthly: number;
	hours_per_day: number;
	expected_monthly: number;
	savings_monthly: number;
}

export interface Plan {
	capacity: HostCapacity[];
	cost: {
		hosts: HostCost[];
		providers: { provider: string; title: string; monthly: number }[];
		items: { id: string; title: string; provider: string; price: string; monthly: number; counted: boolean }[];
		total_monthly: number;
		total_yearly: number;
		always_on_monthly: number;
		savings_monthly: number;
	};
	matrix: unknown[];
}

export interface CpuTimes {
	user: number;
	nice: number;
	system: number;
	idle: number;
	iowait: number;
	irq: number;
	softirq: number;
	steal: number;
}

export interface Sample {
	ts_ms: number;
	host?: {
		cpu: { total: CpuTimes; per_core: CpuTimes[] };
		load: { one: number; five: number; fifteen: number };
		memory: { total_bytes: number; available_bytes: number; swap_total_bytes: number; swap_free_bytes: number };
		filesystems: { mount_point: string; size_bytes: number; free_bytes: number; avail_bytes: number }[];
		networks: { name: string; rx_bytes: number; tx_bytes: number }[];
		uptime_seconds: number;
		process_count: number;
		top_cpu: { pid: number; name: string; cpu_percent: number; rss_bytes: number }[];
	} | null;
}

export interface ApiHost {
	name: string;
	expected: boolean;
	seen: boolean;
	last_seen_ago_s?: number;
	last_seen_ms?: number;
	agent_version?: string;
	snapshot_ms?: number | null;
	snapshot?: Sample | null;
}

export interface Container {
	name: string;
	image: string;
	state: string;
	health: string | null;
	restart_count: number;
	started_at: string | null;
	cpu_percent: number | null;
	memory_bytes: number | null;
	memory_limit_bytes: number | null;
}

export interface ListeningSocket {
	proto: 'tcp' | 'tcp6' | 'udp' | 'udp6';
	addr: string;
	port: number;
	owner: { pid: number; process: string; container: string | null } | null;
}

export interface ContainersSection {
	host: string;
	ts_ms: number | null;
	containers: { available: boolean; reason?: string | null; list: Container[] } | null;
}

export interface SocketsSection {
	host: string;
	ts_ms: number | null;
	sockets: ListeningSocket[] | null;
}

export interface ProbeResult {
	name: string;
	kind: string;
	host: string | null;
	service: string | null;
	started_at_ms: number;
	ok: boolean;
	latency_ms: number;
	failure: { kind: string; message: string } | null;
}

export interface ProbeEntry {
	uptime_pct: number;
	runs: number;
	passed: number;
	latest: ProbeResult | null;
}

export interface Alert {
	fingerprint: string;
	alertname: string;
	severity: 'info' | 'warning' | 'critical';
	labels: Record<string, string>;
	summary: string;
	cause: string;
	state: 'pending' | 'firing';
	since: number;
	silenced_by: string | null;
}

export interface HistoryEntry {
	at: number;
	fingerprint: string;
	alertname: string;
	labels: Record<string, string>;
	transition: string;
	summary: string;
	cause: string;
}

export type ChartPoint = [number, number];

export interface Charts {
	host: string;
	from_ms: number;
	to_ms: number;
	resolution: string;
	cpu_pct: ChartPoint[];
	memory_pct: ChartPoint[];
	disk_pct: ChartPoint[];
	net_rx_bps: ChartPoint[];
	net_tx_bps: ChartPoint[];
}

/** metrics.json: what `cloudctl export snapshot` and `cloudctl render site` write. */
export interface Snapshot {
	snapshot_version: number;
	generated_at_ms: number | null;
	generator?: string;
	source: 'hub' | 'spec';
	manifest: Manifest;
	plan: Plan | null;
	hosts: ApiHost[];
	containers: ContainersSection[];
	sockets: SocketsSection[];
	probes: { probes: ProbeEntry[] } | null;
	alerts: { alerts: Alert[] } | null;
	history: { history: HistoryEntry[] } | null;
	charts: Record<string, Partial<Record<Range, Charts>>>;
}

/** What the pages read, whichever the source. */
export interface DashboardData {
	mode: 'online' | 'offline';
	/** Offline: when the snapshot was taken (null for a spec-only snapshot). Online: the last refresh. */
	asOf: number | null;
	source: 'hub' | 'spec';
	manifest: Manifest;
	plan: Plan | null;
	hosts: ApiHost[];
	containers: ContainersSection[];
	sockets: SocketsSection[];
	/** Null when the hub runs no probes (or the snapshot has none). */
	probes: ProbeEntry[] | null;
	alerts: Alert[] | null;
	history: HistoryEntry[] | null;
	charts: Record<string, Partial<Record<Range, Charts>>>;
}
