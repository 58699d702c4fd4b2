// The dashboard's live state (Svelte 5 runes), shared by every page: loads once, then — online —
// polls the hub's change marker and refreshes in place (no reload); offline it shows the
// snapshot, read-only, and checks now and then whether the hub is back.

import { Source, loadAny } from './source';
import type { Charts, DashboardData, Range } from './types';
import { loadToken, saveToken } from '../prefs';

/** Seconds between polls of the change marker. */
export const POLL_SECONDS = 5;
/** Probes and alerts change without new batches: refetch everything at least this often. */
const FULL_REFRESH_SECONDS = 15;

class Dashboard {
	data = $state<DashboardData | null>(null);
	error = $state<string | null>(null);
	/** Why the dashboard is offline, when it is. */
	offlineReason = $state<string | null>(null);
	needsToken = $state(false);
	/** True while the hub does not answer polls (the data shown is as of the last answer). */
	stale = $state(false);
	now = $state(Date.now());
	loading = $state(true);

	private source: Source | null = null;
	private marker = '';
	private lastFull = 0;
	private timer: ReturnType<typeof setInterval> | null = null;
	private started = false;

	start() {
		if (this.started) return;
		this.started = true;
		this.source = new Source({ fetch: (u, i) => fetch(u, i), token: loadToken() });
		void this.load();
		this.timer = setInterval(() => {
			this.now = Date.now();
			void this.tick();
		}, POLL_SECONDS * 1000);
	}

	stop() {
		if (this.timer) clearInterval(this.timer);
		this.timer = null;
		this.started = false;
	}

	async useToken(token: string) {
		saveToken(token);
		if (this.source) this.source.token = token;
		this.needsToken = false;
		await this.load();
	}

	private async load() {
		if (!this.source) return;
		this.loading = true;
		try {
			const result = await loadAny(this.source);
			if ('needsToken' in result) {
				this.needsToken = true;
				return;
			}
			this.data = result.data;
			this.offlineReason = result.reason;
			this.error = null;
			this.lastFull = Date.now();
			if (result.data.mode === 'online') this.marker = await this.source.changes().catch(() => '');
		} catch (e) {
			this.error = `Neither the hub API nor metrics.json could be loaded: ${(e as Error).message}`;
		} finally {
			this.loading = false;
		}
	}

	private async tick() {
		if (!this.source || !this.data) return;
		if (this.data.mode === 'offline') {
			// A static site stays offline; a hub that comes back is picked up.
			if ((await this.source.hubAnswers()) === 'yes') await this.load();
			return;
		}
		try {
			const marker = await this.source.changes();
			const due = Date.now() - this.lastFull > FULL_REFRESH_SECONDS * 1000;
			if (marker !== this.marker || due) {
				this.marker = marker;
				this.lastFull = Date.now();
				this.data = await this.source.loadOnline(this.data);
				// Charts are refetched by whoever shows them (see chartsFor).
				this.chartsVersion++;
			}
			this.stale = false;
		} catch {
			this.stale = true;
		}
	}

	/** Bumped when online data is refreshed, so charts on screen refetch. */
	chartsVersion = $state(0);

	/** A host's charts for a range: from the snapshot offline, from the hub online. */
	async chartsFor(host: string, range: Range): Promise<Charts | null> {
		const data = this.data;
		if (!data) return null;
		if (data.mode === 'offline' || !this.source) return data.charts[host]?.[range] ?? null;
		return this.source.charts(host, range);
	}
}

export const dashboard = new Dashboard();
