/**
 * A bandwidth log, as fio's `write_bw_log`: bytes completed per fixed interval from a start time.
 * A long run keeps at most MAX_INTERVALS entries: when full, neighbouring intervals merge and the
 * interval doubles, so an hour-long run still fits in a report.
 */
export const BW_INTERVAL_NS = 50e6;
export const MAX_INTERVALS = 4096;

export interface BwLogOutput {
  /** When interval 0 starts (ns, run clock): the first successful registration. */
  readonly startNs: number;
  readonly intervalNs: number;
  /** Bytes completed in each interval; the last one may be partial. */
  readonly bytes: number[];
}

export class BwLog {
  private readonly startNs: number;
  private intervalNs: number;
  private readonly bytes: number[] = [];

  constructor(startNs: number, intervalNs = BW_INTERVAL_NS) {
    if (!(intervalNs > 0)) throw new RangeError(`bandwidth log interval must be > 0 ns, got ${intervalNs}`);
    this.startNs = startNs;
    this.intervalNs = intervalNs;
  }

  /** Count `n` bytes completed at `atNs` (not before the start). */
  add(atNs: number, n: number): void {
    let i = Math.floor(Math.max(0, atNs - this.startNs) / this.intervalNs);
    while (i >= MAX_INTERVALS) {
      this.coarsen();
      i = Math.floor(Math.max(0, atNs - this.startNs) / this.intervalNs);
    }
    while (this.bytes.length <= i) this.bytes.push(0);
    this.bytes[i]! += n;
  }

  private coarsen(): void {
    const b = this.bytes;
    for (let j = 0; j < b.length; j += 2) b[j >> 1] = b[j]! + (b[j + 1] ?? 0);
    b.length = Math.ceil(b.length / 2);
    this.intervalNs *= 2;
  }

  output(): BwLogOutput {
    return { startNs: this.startNs, intervalNs: this.intervalNs, bytes: [...this.bytes] };
  }
}

/**
 * Steady-state bandwidth (bytes/s): the median over whole intervals that start at least `skipNs`
 * after the log's start (warm-up: the JIT, the first faults). Null when no whole interval is left.
 */
export function steadyBandwidth(log: BwLogOutput, skipNs: number, endNs: number): number | null {
  const rates: number[] = [];
  for (let i = 0; i < log.bytes.length; i++) {
    const t0 = log.startNs + i * log.intervalNs;
    if (t0 < log.startNs + skipNs || t0 + log.intervalNs > endNs) continue;
    rates.push(log.bytes[i]! / (log.intervalNs / 1e9));
  }
  if (rates.length === 0) return null;
  rates.sort((a, b) => a - b);
  return rates[Math.floor(rates.length / 2)]!;
}
