/**
 * Latency histograms: HdrHistogram (hdr-histogram-js) over integer nanoseconds, 1 ns to 1 h at 3
 * significant digits, the way wrk2 / YCSB / cassandra-stress record. One histogram per thread
 * and operation class; merge them through the standard compressed base64 encoding (what other
 * HdrHistogram tools read), and read percentiles in microseconds.
 */
import { type Histogram, build, decodeFromCompressedBase64, encodeIntoCompressedBase64 } from 'hdr-histogram-js';

export const HISTOGRAM_LOWEST_NS = 1;
export const HISTOGRAM_HIGHEST_NS = 3600 * 1e9;
export const HISTOGRAM_DIGITS = 3;

/** Percentiles in microseconds (the report's `latencyUs` shape). */
export interface PercentilesUs {
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly p999: number;
  readonly max: number;
}

const usOf = (ns: number): number => Math.round(ns) / 1000;

export class LatencyHistogram {
  private readonly h: Histogram;

  constructor() {
    this.h = build({
      lowestDiscernibleValue: HISTOGRAM_LOWEST_NS,
      highestTrackableValue: HISTOGRAM_HIGHEST_NS,
      numberOfSignificantValueDigits: HISTOGRAM_DIGITS,
      autoResize: false,
    });
  }

  /** A histogram from `encode()` output (ours, or any HdrHistogram V2 compressed dump). */
  static decode(base64: string): LatencyHistogram {
    const h = new LatencyHistogram();
    h.merge(base64);
    return h;
  }

  /** Record one value in ns (rounded; clamped into [0, 1 h]). */
  record(ns: number): void {
    if (!Number.isFinite(ns)) throw new RangeError(`histogram: not a finite value: ${ns}`);
    this.h.recordValue(Math.min(Math.max(Math.round(ns), 0), HISTOGRAM_HIGHEST_NS));
  }

  /** Add another histogram's counts: a LatencyHistogram or an encoded one. */
  merge(other: LatencyHistogram | string): void {
    if (typeof other === 'string') {
      const d = decodeFromCompressedBase64(other);
      this.h.add(d);
      d.destroy();
    } else {
      this.h.add(other.h);
    }
  }

  get count(): number {
    return this.h.totalCount;
  }

  /** The value at percentile p (0–100) in µs; 0 when empty. */
  percentileUs(p: number): number {
    return this.count === 0 ? 0 : usOf(this.h.getValueAtPercentile(p));
  }

  /**
   * p50, p90, p99, p99.9 and max in µs. Percentiles are HDR values (the top of their bucket:
   * within 0.1 % above the recorded value); max is exact for values recorded here, bucket-exact
   * after a decode.
   */
  percentiles(): PercentilesUs {
    if (this.count === 0) return { p50: 0, p90: 0, p99: 0, p999: 0, max: 0 };
    return { p50: this.percentileUs(50), p90: this.percentileUs(90), p99: this.percentileUs(99), p999: this.percentileUs(99.9), max: usOf(this.h.maxValue) };
  }

  /** The standard HdrHistogram V2 compressed base64 dump. */
  encode(): string {
    return encodeIntoCompressedBase64(this.h);
  }

  /** The classic HDR percentile table, values in µs. */
  table(): string {
    return this.h.outputPercentileDistribution(5, 1000);
  }
}

/** Merge encoded histograms (e.g. one per run or per thread) into one. */
export function mergeHistograms(encoded: readonly string[]): LatencyHistogram {
  const h = new LatencyHistogram();
  for (const e of encoded) h.merge(e);
  return h;
}
