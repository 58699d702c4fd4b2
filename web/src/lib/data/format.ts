// Formatting of units and times for people: bytes, rates, percents, durations, ages, money.

const BYTE_UNITS = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'];

/** 1500 → "1.5 kB": powers of 1000, as the spec writes sizes (`1GB` is 10^9 bytes), so a plan's
 * allocation and a VM's measurement read in the same unit. */
export function bytes(n: number | null | undefined): string {
	if (n == null || !Number.isFinite(n)) return '–';
	let v = Math.abs(n);
	let i = 0;
	while (v >= 1000 && i < BYTE_UNITS.length - 1) {
		v /= 1000;
		i++;
	}
	const digits = i === 0 || v >= 100 ? 0 : v >= 10 ? 1 : 2;
	const text = v.toFixed(digits).replace(/\.0+$/, '').replace(/(\.\d*?)0+$/, '$1');
	return `${n < 0 ? '-' : ''}${text} ${BYTE_UNITS[i]}`;
}

/** Bytes per second → "12 KB/s". */
export function rate(bps: number | null | undefined): string {
	if (bps == null || !Number.isFinite(bps)) return '–';
	return `${bytes(bps)}/s`;
}

/** 12.345 → "12.3 %" (no decimals from 100 up, two under 1). */
export function percent(p: number | null | undefined): string {
	if (p == null || !Number.isFinite(p)) return '–';
	const digits = Math.abs(p) >= 100 ? 0 : Math.abs(p) < 1 && p !== 0 ? 2 : 1;
	return `${p.toFixed(digits).replace(/\.0+$/, '')} %`;
}

/** Milliseconds → "850 ms", "1.2 s". */
export function latency(ms: number | null | undefined): string {
	if (ms == null || !Number.isFinite(ms)) return '–';
	if (ms < 1) return '<1 ms';
	if (ms < 1000) return `${Math.round(ms)} ms`;
	return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
}

/** Seconds → "45 s", "3 min", "2 h 5 min", "4 d 3 h". */
export function duration(seconds: number | null | undefined): string {
	if (seconds == null || !Number.isFinite(seconds) || seconds < 0) return '–';
	const s = Math.floor(seconds);
	if (s < 60) return `${s} s`;
	const m = Math.floor(s / 60);
	if (m < 60) return `${m} min`;
	const h = Math.floor(m / 60);
	if (h < 24) return m % 60 ? `${h} h ${m % 60} min` : `${h} h`;
	const d = Math.floor(h / 24);
	return h % 24 ? `${d} d ${h % 24} h` : `${d} d`;
}

/** How long ago `ms` was, from `now`: "just now", "5 min ago", "in the future" for clock skew. */
export function age(ms: number | null | undefined, now: number): string {
	if (ms == null || !Number.isFinite(ms)) return 'never';
	const diff = (now - ms) / 1000;
	if (diff < -5) return 'in the future (clock skew)';
	if (diff < 5) return 'just now';
	return `${duration(diff)} ago`;
}

/** Unix ms → "2025-12-09 14:03 UTC": unambiguous for an owner reading from anywhere. */
export function timestamp(ms: number | null | undefined): string {
	if (ms == null || !Number.isFinite(ms)) return '–';
	const d = new Date(ms);
	const pad = (n: number) => String(n).padStart(2, '0');
	return (
		`${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ` +
		`${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())} UTC`
	);
}

/** Dollars → "$5.50/mo". */
export function money(dollars: number | null | undefined, suffix = '/mo'): string {
	if (dollars == null || !Number.isFinite(dollars)) return '–';
	return `$${dollars.toFixed(2)}${suffix}`;
}

/** A plan resource amount in its unit: bytes for RAM and storage, vCPU, bytes/month. */
export function amount(resource: string, value: number): string {
	switch (resource) {
		case 'cpu':
			return `${Number(value.toFixed(2))} vCPU`;
		case 'bandwidth':
			return `${bytes(value)}/mo`;
		default:
			return bytes(value);
	}
}
