import { describe, expect, test } from 'vitest';
import { BwLog, MAX_INTERVALS, steadyBandwidth } from '../src/programs/bwlog.js';

describe('BwLog (fio-style bandwidth log)', () => {
  test('bytes land in the interval of their completion time, empty intervals stay 0', () => {
    const log = new BwLog(1_000, 100);
    log.add(1_000, 5); // interval 0
    log.add(1_099, 1); // interval 0
    log.add(1_100, 7); // interval 1
    log.add(1_450, 3); // interval 4
    expect(log.output()).toEqual({ startNs: 1_000, intervalNs: 100, bytes: [6, 7, 0, 0, 3] });
  });

  test('a completion stamped before the start counts in the first interval', () => {
    const log = new BwLog(1_000, 100);
    log.add(900, 4);
    expect(log.output().bytes).toEqual([4]);
  });

  test('past MAX_INTERVALS the interval doubles and neighbours merge: nothing is lost', () => {
    const log = new BwLog(0, 10);
    for (let i = 0; i < MAX_INTERVALS; i++) log.add(i * 10, 1);
    log.add(MAX_INTERVALS * 10, 1); // one interval too many
    const out = log.output();
    expect(out.intervalNs).toBe(20);
    expect(out.bytes.length).toBe(MAX_INTERVALS / 2 + 1);
    expect(out.bytes.slice(0, 3)).toEqual([2, 2, 2]);
    expect(out.bytes.reduce((a, b) => a + b, 0)).toBe(MAX_INTERVALS + 1);
  });

  test('rejects a non-positive interval', () => {
    expect(() => new BwLog(0, 0)).toThrow(/interval must be > 0/);
  });
});

describe('steadyBandwidth', () => {
  const log = { startNs: 0, intervalNs: 1e9, bytes: [1, 100, 90, 110, 5] };
  test('the median whole interval after the warm-up, the partial last one left out', () => {
    // intervals 1..3 (the first is warm-up; the fifth ends after endNs)
    expect(steadyBandwidth(log, 1e9, 4.5e9)).toBe(100);
  });
  test('null when no whole interval is left', () => {
    expect(steadyBandwidth(log, 10e9, 11e9)).toBeNull();
  });
});
