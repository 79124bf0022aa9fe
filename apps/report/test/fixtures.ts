/** Reports for the tests: a synthetic one (every field, hostile names on request) and real runs. */
import { fileURLToPath } from 'node:url';
import { type Report, WORKLOAD_VALIDATORS, builtinScenario, loadScenario, loadScenarioFile, runScenario } from '@leasebreak/workloads';
import type { MatrixInput } from '../src/index.js';

export const EVIL = '<img src=x onerror=alert(1)>';
export const EVIL_SCRIPT = '</script><script>alert(2)</script>';

const pct = (p50: number, p90: number, p99: number, p999: number, max: number): Report['leaseBreaks']['latencyUs'] => ({ p50, p90, p99, p999, max });

/**
 * A complete report with lease breaks, signals, a handler step, an errno and two violations; its
 * event rings dropped 7 of 99 events (kernel 5, `proc` 2) unless `dropped` is false.
 */
export function syntheticReport(o: { name?: string; policy?: string; seed?: number; proc?: string; status?: Report['status']; dropped?: boolean } = {}): Report {
  const name = o.name ?? 'synthetic-race';
  const policy = o.policy ?? 'no-break';
  const seed = o.seed ?? 7;
  const proc = o.proc ?? 'holder';
  return {
    scenario: name,
    policy,
    mode: 'deterministic',
    seed,
    status: o.status ?? 'failed',
    durationMs: 12.5,
    outcomes: { corruption: 3, dataLeak: 0, staleOffset: 1, lostWrite: 0, hang: 0, delayedOk: 2, informedFailure: { EPERM: 0, ETXTBSY: 1, EOPNOTSUPP: 0, EINTR: 4 } },
    violations: [
      { class: 'corruption', atUs: 1500, pfn: 4242, victim: { path: `/pmem/${proc}-victim`, offset: 8192 }, writer: { process: proc, mr: 3 }, intended: { path: '/pmem/a', offset: 4096 }, policy, seed, via: 'rdma' },
      { class: 'staleOffset', atUs: 2750.5, pfn: 77, victim: { path: '/pmem/a', offset: 12288 }, writer: { process: 'dio', mr: null }, intended: { path: '/pmem/a', offset: 16384 }, policy, seed, via: 'dio' },
    ],
    offline: { stamped: 10, misplaced: 1, examples: [] },
    leaseBreaks: {
      count: 3,
      timedOut: 1,
      interrupted: 0,
      wouldBlock: 1,
      latencyUs: pct(123.4, 456.7, 9876.5, 9876.5, 10000),
      phasesUs: { notify: pct(11, 22, 33, 33, 34), holder: pct(100, 200, 300, 300, 301), wake: pct(1.5, 2.5, 3.5, 3.5, 4) },
      breaks: [
        { breaker: 2, holders: [1], startUs: 100, endUs: 223.4, result: 'ok' },
        { breaker: 2, holders: [1], startUs: 400, endUs: 856.7, result: 'ok' },
        { breaker: 2, holders: [1], startUs: 900, endUs: 10900, result: 'timedOut' },
        { breaker: 2, holders: [1], startUs: 11000, endUs: 11000, result: 'EWOULDBLOCK' },
      ],
    },
    processes: [
      {
        name: proc,
        pid: 1,
        exit: 0,
        steps: [
          { index: 0, op: 'open', args: { arg: `/pmem/${proc}`, flags: 'O_RDONLY' }, ret: 3, errno: null, startUs: 0, endUs: 10 },
          { index: 1, op: 'fcntl', args: { fd: 'fd', cmd: 'F_SETLEASE', arg: 'F_RDLCK' }, ret: 0, errno: null, startUs: 20, endUs: 30 },
          { index: 0, op: 'fcntl', args: { fd: 'fd', cmd: 'F_SETLEASE', arg: 'F_UNLCK' }, ret: 0, errno: null, startUs: 150, endUs: 200, handler: 'SIGIO' },
          { index: 2, op: 'pread', args: { fd: 'fd', length: 10, offset: 0 }, ret: -1, errno: 'EIO', startUs: 12000, endUs: 12100 },
        ],
        signals: [{ signo: 'SIGIO', atUs: 140, fd: 3 }],
      },
      {
        name: 'breaker',
        pid: 2,
        exit: 'SIGKILL',
        steps: [{ index: 0, op: 'truncate', args: { arg: '/pmem/a', length: 0 }, ret: 0, errno: null, startUs: 100, endUs: 223.4 }],
        signals: [],
      },
      { name: 'nic', pid: 3, exit: null, steps: [], signals: [], workload: { workload: 'nic', name: 'nic', note: `from ${proc}`, startedNs: [1000, 2000], latencyNs: [500, 700], errno: [null, 'EFAULT'] } },
    ],
    expectations: [
      { what: `${proc}: processes[0].steps[1] fcntl expect 0`, ok: true, detail: 'returned 0' },
      { what: 'outcomes.corruption = 0', ok: false, detail: 'got 3' },
    ],
    pins: { leaked: 1 },
    replay: { seed, schedule: [0, 1, 0, 2] },
    events:
      o.dropped === false
        ? { hash: '0123456789abcdef0123', count: 99, dropped: 0, droppedBy: { kernel: 0, lifecycle: 0, [proc]: 0, breaker: 0 }, countBy: { kernel: 60, lifecycle: 4, [proc]: 20, breaker: 15 } }
        : { hash: '0123456789abcdef0123', count: 99, dropped: 7, droppedBy: { kernel: 5, lifecycle: 0, [proc]: 2, breaker: 0 }, countBy: { kernel: 60, lifecycle: 4, [proc]: 20, breaker: 15 } },
    detail: `detail mentions ${proc}`,
  };
}

/** The cells of a matrix over reports, as `leasebreak matrix` builds them. */
export function matrixOf(reports: readonly Report[], scenarios: readonly string[], policies: readonly string[]): MatrixInput {
  const cells = [];
  for (const s of scenarios) {
    for (const p of policies) {
      const rs = reports.filter((r) => r.scenario === s && r.policy === p);
      if (rs.length === 0) continue;
      const seen: Record<string, number> = {};
      for (const r of rs) {
        const o = r.outcomes;
        const present: Record<string, number> = { corruption: o.corruption, dataLeak: o.dataLeak, staleOffset: o.staleOffset, lostWrite: o.lostWrite, hang: o.hang, delayedOk: o.delayedOk, ...o.informedFailure };
        for (const [k, n] of Object.entries(present)) if (n > 0) seen[k] = (seen[k] ?? 0) + 1;
        if (r.status === 'error') seen.error = (seen.error ?? 0) + 1;
      }
      const text = Object.keys(seen).length === 0 ? 'ok' : Object.keys(seen).slice(0, 3).join(', ');
      cells.push({ scenario: s, policy: p, runs: rs.length, seen, text });
    }
  }
  return { cells, scenarios, policies };
}

const LEASES = fileURLToPath(new URL('../../../test/leases/', import.meta.url));

/** Real deterministic runs: a lease scenario (two breaks, one EINTR) and truncate-vs-dio under two policies (violations, delayed-ok). */
export async function realReports(): Promise<Report[]> {
  const opts = { workloads: WORKLOAD_VALIDATORS };
  const leases = await loadScenarioFile(`${LEASES}eintr-breaker-signalled.yaml`, opts);
  if (!leases.ok) throw new Error(`eintr-breaker-signalled.yaml does not load: ${JSON.stringify(leases.errors)}`);
  const dio = loadScenario(builtinScenario('truncate-vs-dio')!, 'builtin:truncate-vs-dio', opts);
  if (!dio.ok) throw new Error(`builtin:truncate-vs-dio does not load: ${JSON.stringify(dio.errors)}`);
  return [
    ...(await runScenario(leases.scenario, { mode: 'deterministic' })),
    ...(await runScenario(dio.scenario, { mode: 'deterministic', policies: ['no-break', 'mainline'], durationUs: 20_000 })),
  ];
}
