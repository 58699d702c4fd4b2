import { describe, expect, it } from 'vitest';
import { age, amount, bytes, duration, latency, money, percent, rate, timestamp } from './format';

describe('units', () => {
	it('prints bytes in powers of 1000, as the spec writes sizes', () => {
		expect(bytes(0)).toBe('0 B');
		expect(bytes(999)).toBe('999 B');
		expect(bytes(1500)).toBe('1.5 kB');
		expect(bytes(1e9)).toBe('1 GB');
		expect(bytes(123.4e6)).toBe('123 MB');
		expect(bytes(12.34e6)).toBe('12.3 MB');
		expect(bytes(1024 ** 3)).toBe('1.07 GB');
		expect(bytes(null)).toBe('–');
		expect(bytes(Number.NaN)).toBe('–');
	});
	it('prints rates, percents and latencies', () => {
		expect(rate(2000)).toBe('2 kB/s');
		expect(percent(12.345)).toBe('12.3 %');
		expect(percent(100)).toBe('100 %');
		expect(percent(0.123)).toBe('0.12 %');
		expect(percent(0)).toBe('0 %');
		expect(latency(0.4)).toBe('<1 ms');
		expect(latency(850.2)).toBe('850 ms');
		expect(latency(1234)).toBe('1.2 s');
		expect(money(5.5)).toBe('$5.50/mo');
		expect(amount('cpu', 0.25)).toBe('0.25 vCPU');
		expect(amount('ram', 1e9)).toBe('1 GB');
		expect(amount('bandwidth', 1e9)).toBe('1 GB/mo');
	});
});

describe('times', () => {
	it('prints durations at the coarsest useful unit', () => {
		expect(duration(45)).toBe('45 s');
		expect(duration(180)).toBe('3 min');
		expect(duration(7500)).toBe('2 h 5 min');
		expect(duration(7200)).toBe('2 h');
		expect(duration(3 * 86400 + 3600)).toBe('3 d 1 h');
		expect(duration(-1)).toBe('–');
	});
	it('prints ages relative to now, and never hides clock skew', () => {
		const now = 1_700_000_000_000;
		expect(age(now - 2000, now)).toBe('just now');
		expect(age(now - 5 * 60_000, now)).toBe('5 min ago');
		expect(age(now + 60_000, now)).toBe('in the future (clock skew)');
		expect(age(null, now)).toBe('never');
	});
	it('prints timestamps in UTC', () => {
		expect(timestamp(Date.UTC(2025, 11, 9, 14, 3))).toBe('2025-12-09 14:03 UTC');
		expect(timestamp(undefined)).toBe('–');
	});
});
