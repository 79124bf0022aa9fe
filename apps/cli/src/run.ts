/**
 * `leasebreak run SCENARIO…`: load scenario files (or `builtin:NAME`), run them under the chosen
 * policies, seeds and runtime, print the reports, write them with --out, and exit with a code
 * that means something (0 held · 1 an expectation failed · 2 bad input · 3 simulator bug · 130
 * interrupted).
 */
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  BadInput,
  BUILTIN_DESCRIPTIONS,
  type KernelKnobs,
  MODES,
  type Mode,
  type Report,
  type Scenario,
  builtinScenario,
  formatScenarioErrors,
  loadScenario,
  loadScenarioFile,
  parseDuration,
  parseKernelOverride,
  runScenario,
} from '@leasebreak/workloads';
import { WORKLOAD_VALIDATORS } from '@leasebreak/workloads';
import { toChromeTrace } from '@leasebreak/trace';
import { renderReport } from '@leasebreak/report';
import { createProgress } from './progress.js';
import { type RingBytes, RingMibError, parseRingMib, ringAdvice, ringBytes } from './rings.js';

export const EXIT = { OK: 0, EXPECTATION: 1, BAD_INPUT: 2, SIM_BUG: 3, INTERRUPTED: 130 } as const;

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export interface RunFlags {
  readonly json?: boolean;
  readonly out?: string;
  readonly policy?: string;
  readonly seed?: string;
  readonly runs?: string;
  readonly mode?: string;
  readonly duration?: string;
  readonly kernel?: string[];
  /** --poll-us: the kernel thread's poll window (threads runtime). */
  readonly pollUs?: string;
  /** --ring-mib N | RING=N (repeatable): event ring sizes (threads runtime; rings.ts). */
  readonly ringMib?: string[];
  /** No progress on stderr. */
  readonly quiet?: boolean;
}

function int(flag: string, v: string | undefined, min: number): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v) || Number(v) < min) throw new UsageError(`${flag}: expected an integer ≥ ${min}, got "${v}"`);
  return Number(v);
}

export async function loadOne(arg: string): Promise<Scenario> {
  const opts = { workloads: WORKLOAD_VALIDATORS };
  if (arg.startsWith('builtin:')) {
    const name = arg.slice('builtin:'.length);
    const text = builtinScenario(name);
    if (text === undefined) throw new UsageError(`${arg}: no such built-in scenario; known: ${Object.keys(BUILTIN_DESCRIPTIONS).map((n) => `builtin:${n}`).join(', ')} (see \`leasebreak scenarios\`)`);
    const r = loadScenario(text, arg, opts);
    if (!r.ok) throw new Error(`built-in scenario ${arg} does not load: ${formatScenarioErrors(r.errors)}`);
    return r.scenario;
  }
  const r = await loadScenarioFile(arg, opts);
  if (!r.ok) throw new UsageError(formatScenarioErrors(r.errors));
  return r.scenario;
}

export interface CliRunOptions {
  policies?: string[];
  seed?: number;
  runs?: number;
  mode?: Mode;
  durationUs?: number;
  kernel?: KernelKnobs;
  pollNs?: number;
  eventRingBytes?: Partial<RingBytes>;
}

/** Parse the common run flags into runner options. */
export function runOptions(flags: RunFlags): CliRunOptions {
  const out: CliRunOptions = {};
  if (flags.policy !== undefined) out.policies = flags.policy.split(',').map((p) => p.trim()).filter((p) => p !== '');
  const seed = int('--seed', flags.seed, 0);
  if (seed !== undefined) out.seed = seed;
  const runs = int('--runs', flags.runs, 1);
  if (runs !== undefined) out.runs = runs;
  const pollUs = int('--poll-us', flags.pollUs, 0);
  if (pollUs !== undefined) {
    if (pollUs > 10_000) throw new UsageError(`--poll-us: at most 10000 µs (the kernel thread spins that long before sleeping), got "${flags.pollUs}"`);
    out.pollNs = pollUs * 1000;
  }
  try {
    const rings = parseRingMib(flags.ringMib);
    if (rings !== undefined) out.eventRingBytes = rings;
  } catch (e) {
    throw e instanceof RingMibError ? new UsageError(e.message) : e;
  }
  if (flags.mode !== undefined) {
    if (!(MODES as readonly string[]).includes(flags.mode)) throw new UsageError(`--mode: expected ${MODES.join(' or ')}, got "${flags.mode}"`);
    out.mode = flags.mode as Mode;
  }
  if (flags.duration !== undefined) {
    const d = parseDuration(flags.duration);
    if (!d.ok) throw new UsageError(`--duration: ${d.message}`);
    out.durationUs = d.value;
  }
  if (flags.kernel !== undefined && flags.kernel.length > 0) {
    let knobs: KernelKnobs = {};
    for (const kv of flags.kernel) {
      const r = parseKernelOverride(kv);
      if (!r.ok) throw new UsageError(`--kernel ${kv}: ${r.message}`);
      knobs = { ...knobs, ...r.knobs };
    }
    out.kernel = knobs;
  }
  return out;
}

/** trace-<policy>-<seed>.json (with the scenario's name first when several scenarios run). */
export function traceFileName(r: Pick<Report, 'scenario' | 'policy' | 'seed'>, withScenario: boolean): string {
  const safe = (x: string): string => x.replace(/[^A-Za-z0-9._-]+/g, '_');
  return `trace-${withScenario ? `${safe(r.scenario)}-` : ''}${safe(r.policy)}-${r.seed}.json`;
}

/** Write a file whole or not at all: a temporary beside it, then rename. */
export async function writeWhole(path: string, text: string): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}`;
  await writeFile(tmp, text);
  await rename(tmp, path);
}

function fmtUs(v: number): string {
  return v >= 1000 ? `${(v / 1000).toFixed(2)} ms` : `${v.toFixed(1)} µs`;
}

export function formatReport(r: Report): string {
  const lines = [`${r.scenario} · policy ${r.policy} · ${r.mode} · seed ${r.seed} · ${r.status.toUpperCase()} · ${r.durationMs} ms`];
  const held = r.expectations.filter((e) => e.ok).length;
  lines.push(`  expectations: ${held}/${r.expectations.length} held`);
  for (const e of r.expectations) if (!e.ok) lines.push(`  ✗ ${e.what} — ${e.detail}`);
  const lb = r.leaseBreaks;
  if (lb.count + lb.wouldBlock > 0) {
    lines.push(`  lease breaks: ${lb.count} (timed out ${lb.timedOut}, interrupted ${lb.interrupted}, EWOULDBLOCK ${lb.wouldBlock}); latency p50 ${fmtUs(lb.latencyUs.p50)} p99 ${fmtUs(lb.latencyUs.p99)} max ${fmtUs(lb.latencyUs.max)}`);
    lines.push(`    phases p50: notify ${fmtUs(lb.phasesUs.notify.p50)} · holder ${fmtUs(lb.phasesUs.holder.p50)} · wake ${fmtUs(lb.phasesUs.wake.p50)}`);
  }
  const inf = Object.entries(r.outcomes.informedFailure).filter(([, n]) => n > 0);
  if (inf.length > 0) lines.push(`  informed failures: ${inf.map(([e, n]) => `${e} ${n}`).join(', ')}`);
  if (r.outcomes.hang > 0) lines.push(`  hang: ${r.detail ?? ''}`);
  if ((r.events.dropped ?? 0) > 0) lines.push(`  events: ${r.events.dropped} of ${r.events.count} not kept (${droppedByText(r) ?? 'buffer bound'}): the trace and the lease-break phases cover the first ones only`);
  for (const p of r.processes) if (p.error !== undefined) lines.push(`  ${p.name}: program error: ${p.error.split('\n')[0]}`);
  return lines.join('\n');
}

/** Where events were dropped: `kernel 1200, nic0 4` (null if the report does not say). */
function droppedByText(r: Report): string | null {
  const by = Object.entries(r.events.droppedBy ?? {}).filter(([, n]) => n > 0);
  return by.length === 0 ? null : by.map(([k, n]) => `${k} ${n}`).join(', ');
}

/**
 * The stderr warning when an event ring (or the deterministic runtime's buffer) overflowed in
 * any run: which runs, which threads, how many events, and which rings to raise with --ring-mib
 * (`rings`: the sizes the runs used). Null when none did.
 */
export function droppedEventsWarning(reports: readonly Report[], rings: RingBytes = ringBytes(undefined)): string | null {
  const hit = reports.filter((r) => (r.events.dropped ?? 0) > 0);
  if (hit.length === 0) return null;
  const SHOWN = 5;
  const lines = hit.slice(0, SHOWN).map((r) => {
    const by = droppedByText(r);
    return `  ${r.scenario} · ${r.policy} · seed ${r.seed}: ${r.events.dropped} of ${r.events.count} events not kept${by === null ? '' : ` (${by})`}`;
  });
  if (hit.length > SHOWN) lines.push(`  … and ${hit.length - SHOWN} more run(s)`);
  lines.push(...ringAdvice(hit, rings).map((a) => `  ${a}`));
  return `leasebreak: warning: ${hit.length} run(s) emitted more events than their event rings hold: the first events were kept, the rest counted (events.dropped, events.droppedBy); the trace, the lease-break phases and the event hash cover the kept ones only\n${lines.join('\n')}\n`;
}

export function exitCodeFor(reports: readonly Report[], interrupted: boolean): number {
  if (interrupted || reports.some((r) => r.status === 'interrupted')) return EXIT.INTERRUPTED;
  if (reports.some((r) => r.status === 'error')) return EXIT.SIM_BUG;
  if (reports.some((r) => r.status === 'failed')) return EXIT.EXPECTATION;
  return EXIT.OK;
}

export async function runCommand(args: string[], flags: RunFlags): Promise<number> {
  if (args.length === 0) throw new UsageError('run: name at least one scenario file or builtin:NAME');
  const scenarios: Scenario[] = [];
  for (const a of args) scenarios.push(await loadOne(a));
  const opts = runOptions(flags);
  const ac = new AbortController();
  const onSigint = (): void => ac.abort();
  process.once('SIGINT', onSigint);
  const reports: Report[] = [];
  const planned = scenarios.reduce((n, s) => n + (opts.policies ?? s.policy).length * (opts.runs ?? s.runs), 0);
  // Progress on stderr when there is more than one run; the red count is the runs that failed.
  const progress = createProgress({ title: 'run', total: planned, unit: 'runs', badLabel: 'failed', quiet: flags.quiet === true || planned <= 1 });
  let finished = 0;
  let failed = 0;
  // --out: a Perfetto trace per run, written as each run ends (the events are not kept).
  let traced = 0;
  const out = flags.out;
  if (out !== undefined) await mkdir(out, { recursive: true });
  try {
    for (const s of scenarios) {
      reports.push(
        ...(await runScenario(s, {
          ...opts,
          signal: ac.signal,
          ...(out === undefined
            ? {}
            : {
                onResult: async (result, r) => {
                  const text = JSON.stringify(toChromeTrace({ events: result.events, processes: result.processes, scenario: r.scenario, policy: r.policy, seed: r.seed, mode: r.mode })) + '\n';
                  if (traced++ === 0) await writeWhole(join(out, 'trace.json'), text);
                  if (planned > 1) await writeWhole(join(out, traceFileName(r, scenarios.length > 1)), text);
                },
              }),
          onRun: (_done, _total, r) => {
            if (r.status === 'failed' || r.status === 'error') failed++;
            progress.update(++finished, { detail: `${s.name}: ${r.policy}, seed ${r.seed}: ${r.status}`, bad: failed });
          },
        })),
      );
    }
  } catch (e) {
    if (e instanceof BadInput) throw new UsageError(e.message);
    if (e instanceof RangeError && /files:|kernel\./.test(e.message)) throw new UsageError(e.message);
    throw e;
  } finally {
    process.off('SIGINT', onSigint);
    // Ends the bar's line before anything else is written (results, "interrupted", an error).
    progress.finish({ interrupted: ac.signal.aborted });
  }
  const body = reports.length === 1 ? reports[0] : reports;
  if (flags.out !== undefined) {
    await writeWhole(join(flags.out, 'report.json'), JSON.stringify(body, null, 2) + '\n');
    await writeWhole(join(flags.out, 'report.html'), renderReport({ reports }));
  }
  if (flags.json) process.stdout.write(JSON.stringify(body, null, 2) + '\n');
  else process.stdout.write(reports.map(formatReport).join('\n\n') + '\n');
  const dropped = droppedEventsWarning(reports, ringBytes(opts.eventRingBytes));
  if (dropped !== null) process.stderr.write(dropped);
  if (ac.signal.aborted) process.stderr.write('leasebreak: interrupted; the reports above are partial and marked "interrupted"\n');
  return exitCodeFor(reports, ac.signal.aborted);
}

export function listScenarios(json: boolean): string {
  if (json) return JSON.stringify(Object.entries(BUILTIN_DESCRIPTIONS).map(([name, description]) => ({ name: `builtin:${name}`, description })), null, 2);
  return Object.entries(BUILTIN_DESCRIPTIONS)
    .map(([n, d]) => `builtin:${n.padEnd(22)} ${d}`)
    .join('\n');
}
