/**
 * A small benchmark harness: run a body repeatedly for a time budget and report ops/s and
 * per-op percentiles. Every figure is printed beside a floor measured in the same run, as a
 * ratio, so results compare across machines.
 */

export interface Measure {
  readonly name: string;
  readonly ops: number;
  readonly opsPerSec: number;
  readonly p50Ns: number;
  readonly p99Ns: number;
}

const now = (): bigint => process.hrtime.bigint();

/**
 * Time `body` in batches of `batch` calls for about `budgetMs`. `body` returns a promise or not;
 * async bodies are awaited one by one. Per-op percentiles come from batch means.
 */
export async function measure(name: string, body: (i: number) => unknown, opts: { budgetMs?: number; batch?: number; maxOps?: number } = {}): Promise<Measure> {
  const budget = BigInt((opts.budgetMs ?? 400) * 1e6);
  const batch = opts.batch ?? 64;
  const maxOps = opts.maxOps ?? Number.MAX_SAFE_INTEGER;
  const samples: number[] = [];
  let ops = 0;
  const start = now();
  while (now() - start < budget && ops + batch <= maxOps) {
    const t0 = now();
    for (let i = 0; i < batch; i++) {
      const r = body(ops + i);
      if (r instanceof Promise) await r;
    }
    samples.push(Number(now() - t0) / batch);
    ops += batch;
  }
  const elapsed = Number(now() - start) / 1e9;
  samples.sort((a, b) => a - b);
  const pct = (p: number): number => samples[Math.min(samples.length - 1, Math.floor(p * samples.length))] ?? 0;
  return { name, ops, opsPerSec: ops / elapsed, p50Ns: pct(0.5), p99Ns: pct(0.99) };
}

export function fmtRate(n: number): string {
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)} M/s`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)} k/s`;
  return `${n.toFixed(0)} /s`;
}

export function fmtNs(ns: number): string {
  if (ns >= 1e6) return `${(ns / 1e6).toFixed(2)} ms`;
  if (ns >= 1e3) return `${(ns / 1e3).toFixed(2)} µs`;
  return `${ns.toFixed(0)} ns`;
}

export interface Row {
  readonly bench: string;
  readonly value: string;
  readonly floor: string;
  readonly ratio: string;
  readonly target: string;
  readonly met: boolean | null;
  /** When a target is missed: by how much (printed after "NO"). */
  readonly note?: string;
}

export function printTable(title: string, rows: Row[]): void {
  const cols: (keyof Row)[] = ['bench', 'value', 'floor', 'ratio', 'target'];
  const width = cols.map((c) => Math.max(c.length, ...rows.map((r) => String(r[c]).length)));
  const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(width[i]!)).join('  ');
  process.stdout.write(`\n${title}\n${line(cols)}  met\n`);
  for (const r of rows) process.stdout.write(`${line(cols.map((c) => String(r[c])))}  ${r.met === null ? '-' : r.met ? 'yes' : `NO${r.note === undefined ? '' : ` (${r.note})`}`}\n`);
}
