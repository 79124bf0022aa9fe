/**
 * `leasebreak matrix`: every built-in race scenario × every kernel policy — the product's
 * headline table. Each cell runs the scenario under the policy for `--runs` seeds and shows which
 * outcome classes appeared in how many runs (corruption, dataLeak, staleOffset, lostWrite, hang,
 * informed failures by errno, delayedOk). `npm start` runs it with a short duration.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { POLICY_NAMES } from '@leasebreak/model';
import { BUILTIN_DESCRIPTIONS, type Report, runScenario } from '@leasebreak/workloads';
import { renderReport } from '@leasebreak/report';
import { createProgress } from './progress.js';
import { ringBytes } from './rings.js';
import { type RunFlags, UsageError, droppedEventsWarning, exitCodeFor, loadOne, runOptions, writeWhole } from './run.js';

/** The race built-ins, in the order of architecture §7 (those that exist are run). */
export const RACE_SCENARIOS = [
  'truncate-vs-pin',
  'punch-vs-pin',
  'collapse-vs-pin',
  'insert-vs-pin',
  'truncate-vs-dio',
  'insert-vs-dio',
  'holder-ignores-break',
  'pin-then-munmap',
  'reuse-after-truncate',
] as const;

export interface Cell {
  readonly scenario: string;
  readonly policy: string;
  readonly runs: number;
  /** Outcome class → number of runs in which it appeared at least once. */
  readonly seen: Record<string, number>;
  /** The short text shown in the table. */
  readonly text: string;
  readonly seeds: readonly number[];
}

const ORDER = ['corruption', 'dataLeak', 'staleOffset', 'lostWrite', 'hang', 'EPERM', 'ETXTBSY', 'EOPNOTSUPP', 'EINTR', 'delayedOk'] as const;

export function cellOf(scenario: string, policy: string, reports: readonly Report[]): Cell {
  const seen: Record<string, number> = {};
  for (const r of reports) {
    const o = r.outcomes;
    const present: Record<string, number> = { corruption: o.corruption, dataLeak: o.dataLeak, staleOffset: o.staleOffset, lostWrite: o.lostWrite, hang: o.hang, delayedOk: o.delayedOk, ...o.informedFailure };
    for (const [k, n] of Object.entries(present)) if (n > 0) seen[k] = (seen[k] ?? 0) + 1;
    if (r.status === 'error') seen.error = (seen.error ?? 0) + 1;
  }
  const n = reports.length;
  const parts = [...ORDER, 'error'].filter((k) => (seen[k] ?? 0) > 0).map((k) => (n === 1 ? k : `${k} ${seen[k]}/${n}`));
  return { scenario, policy, runs: n, seen, text: parts.length === 0 ? 'ok' : parts.slice(0, 3).join(', '), seeds: reports.map((r) => r.seed) };
}

/** A run that saw corruption, a data leak, a stale offset or a lost write. */
const isUnsafe = (r: Report): boolean => r.outcomes.corruption + r.outcomes.dataLeak + r.outcomes.staleOffset + r.outcomes.lostWrite > 0;

export function formatMatrix(cells: readonly Cell[], scenarios: readonly string[], policies: readonly string[]): string {
  const w0 = Math.max(8, ...scenarios.map((s) => s.length));
  const widths = policies.map((p) => Math.max(p.length, ...cells.filter((c) => c.policy === p).map((c) => c.text.length)));
  const line = (first: string, cols: string[]): string => [first.padEnd(w0), ...cols.map((c, i) => c.padEnd(widths[i]!))].join(' │ ');
  const out = [line('scenario', [...policies]), ['─'.repeat(w0), ...widths.map((w) => '─'.repeat(w))].join('─┼─')];
  for (const s of scenarios) out.push(line(s, policies.map((p) => cells.find((c) => c.scenario === s && c.policy === p)?.text ?? '-')));
  return out.join('\n');
}

export async function matrixCommand(flags: RunFlags & { scenarios?: string }): Promise<number> {
  const available = RACE_SCENARIOS.filter((n) => Object.hasOwn(BUILTIN_DESCRIPTIONS, n));
  const scenarios = flags.scenarios === undefined ? available : flags.scenarios.split(',').map((s) => s.trim().replace(/^builtin:/, ''));
  for (const s of scenarios) if (!available.includes(s as (typeof RACE_SCENARIOS)[number])) throw new UsageError(`--scenarios: no race built-in "${s}"; available: ${available.join(', ')}`);
  if (scenarios.length === 0) throw new UsageError('matrix: no race scenario is built in yet');
  const opts = runOptions(flags);
  const policies = opts.policies ?? [...POLICY_NAMES];
  const ac = new AbortController();
  const onSigint = (): void => ac.abort();
  process.once('SIGINT', onSigint);
  const cells: Cell[] = [];
  const reports: Report[] = [];
  // Progress on stderr, a unit per cell; the red count is the runs that saw an unsafe outcome.
  const progress = createProgress({ title: 'matrix', total: scenarios.length * policies.length, unit: 'cells', badLabel: 'unsafe runs', quiet: flags.quiet === true });
  let unsafe = 0;
  try {
    for (const name of scenarios) {
      const s = await loadOne(`builtin:${name}`);
      for (const policy of policies) {
        if (ac.signal.aborted) break;
        const at = `${name} × ${policy}`;
        progress.update(cells.length, { detail: at });
        const rs = await runScenario(s, {
          ...opts,
          policies: [policy],
          signal: ac.signal,
          onRun: (done, total) => {
            if (total > 1) progress.update(cells.length, { detail: `${at}: run ${done}/${total}` });
          },
        });
        reports.push(...rs);
        unsafe += rs.filter(isUnsafe).length;
        const cell = cellOf(name, policy, rs);
        cells.push(cell);
        progress.update(cells.length, { detail: `${at}: ${cell.text}`, bad: unsafe });
      }
    }
  } finally {
    process.off('SIGINT', onSigint);
    progress.finish({ interrupted: ac.signal.aborted });
  }
  const body = { matrix: cells, policies, scenarios, interrupted: ac.signal.aborted, reports };
  if (flags.out !== undefined) {
    await mkdir(flags.out, { recursive: true });
    await writeWhole(join(flags.out, 'report.json'), JSON.stringify(body, null, 2) + '\n');
    await writeWhole(join(flags.out, 'report.html'), renderReport({ reports, matrix: { cells, scenarios, policies } }));
  }
  if (flags.json) process.stdout.write(JSON.stringify(body, null, 2) + '\n');
  else process.stdout.write(formatMatrix(cells, scenarios, policies) + '\n');
  const dropped = droppedEventsWarning(reports, ringBytes(opts.eventRingBytes));
  if (dropped !== null) process.stderr.write(dropped);
  // The matrix is a measurement: only an error, a simulator bug or an interruption fails it.
  const code = exitCodeFor(reports, ac.signal.aborted);
  return code === 1 ? 0 : code;
}
