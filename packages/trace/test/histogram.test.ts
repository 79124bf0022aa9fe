import { describe, expect, it } from 'vitest';
import { HISTOGRAM_HIGHEST_NS, LatencyHistogram, mergeHistograms } from '../src/index.js';

describe('LatencyHistogram', () => {
  it('gives percentiles in µs within 3 significant digits', () => {
    const h = new LatencyHistogram();
    for (let i = 1; i <= 1000; i++) h.record(i * 1000); // 1 µs … 1 ms
    expect(h.count).toBe(1000);
    const p = h.percentiles();
    expect(Math.abs(p.p50 - 500) / 500).toBeLessThan(1e-3);
    expect(Math.abs(p.p90 - 900) / 900).toBeLessThan(1e-3);
    expect(Math.abs(p.p99 - 990) / 990).toBeLessThan(1e-3);
    expect(Math.abs(p.p999 - 999) / 999).toBeLessThan(1e-3);
    expect(Math.abs(p.max - 1000) / 1000).toBeLessThan(1e-3);
    expect(h.table()).toMatch(/Value\s+Percentile/);
  });

  it('is all zeros when empty, and takes 0 and out-of-range values', () => {
    const h = new LatencyHistogram();
    expect(h.percentiles()).toEqual({ p50: 0, p90: 0, p99: 0, p999: 0, max: 0 });
    h.record(0);
    h.record(0.4);
    h.record(-5);
    expect(h.percentiles().max).toBe(0);
    h.record(HISTOGRAM_HIGHEST_NS * 10);
    expect(h.count).toBe(4);
    expect(h.percentiles().max).toBeGreaterThanOrEqual(3600e6 * 0.999);
    expect(() => h.record(Number.NaN)).toThrow(RangeError);
  });

  it('merges through the standard base64 encoding', () => {
    const a = new LatencyHistogram();
    const b = new LatencyHistogram();
    for (let i = 0; i < 900; i++) a.record(10_000);
    for (let i = 0; i < 100; i++) b.record(5_000_000);
    const enc = [a.encode(), b.encode()];
    expect(enc[0]).toMatch(/^HISTF/);
    const m = mergeHistograms(enc);
    expect(m.count).toBe(1000);
    expect(Math.abs(m.percentiles().p50 - 10) / 10).toBeLessThan(1e-3);
    expect(Math.abs(m.percentiles().p99 - 5000) / 5000).toBeLessThan(1e-3);
    const c = LatencyHistogram.decode(enc[0]!);
    c.merge(b);
    expect(c.count).toBe(1000);
    expect(c.encode()).toBe(m.encode());
  });
});
