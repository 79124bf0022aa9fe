/** What a process reports: its steps (report JSON §8), repeat statistics and expectations. */

export interface RepeatStats {
  readonly index: number;
  readonly op: string;
  readonly count: number;
  readonly ok: number;
  /** errno name → how many times. */
  readonly errnos: Readonly<Record<string, number>>;
  readonly latencyUs: { readonly p50: number; readonly p90: number; readonly p99: number; readonly max: number };
}

export interface StepRecord {
  readonly index: number;
  readonly op: string;
  readonly args: Readonly<Record<string, unknown>>;
  /** The return value, or the name it produced (F_GETLEASE, load); -1 on error; null if none. */
  readonly ret: number | string | null;
  readonly errno: string | null;
  readonly startUs: number;
  readonly endUs: number;
  /** Set for steps a signal handler ran: the signal's name. */
  readonly handler?: string;
  /** Bytes read or loaded, as text. */
  readonly data?: string;
  /** For `repeat`: one entry per inner step. */
  readonly repeat?: readonly RepeatStats[];
}

export interface Expectation {
  readonly what: string;
  readonly ok: boolean;
  readonly detail: string;
}

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export function summarize(s: { samples: number[]; ok: number; errnos: Record<string, number> }): Omit<RepeatStats, 'index' | 'op'> {
  const sorted = [...s.samples].sort((a, b) => a - b);
  return {
    count: s.samples.length,
    ok: s.ok,
    errnos: s.errnos,
    latencyUs: { p50: percentile(sorted, 50), p90: percentile(sorted, 90), p99: percentile(sorted, 99), max: sorted[sorted.length - 1] ?? 0 },
  };
}
