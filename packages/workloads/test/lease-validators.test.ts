/**
 * The `with:` validators of lease-holder and lease-breaker, and the built-in scenarios.
 */
import { describe, expect, test } from 'vitest';
import { DeterministicRuntime, type ProgramModule, type RunSpec } from '@leasebreak/runtime';
import { type FileSpec, type Scenario, WORKLOAD_NAMES, formatScenarioErrors, loadScenario } from '../src/index.js';
import { BUILTIN_DESCRIPTIONS, BUILTIN_NAMES, builtinScenario } from '../src/programs/builtins.js';
import * as breakerModule from '../src/programs/lease-breaker.js';
import type { LeaseBreakerOutput } from '../src/programs/lease-breaker.js';
import * as holderModule from '../src/programs/lease-holder.js';
import type { LeaseHolderOutput } from '../src/programs/lease-holder.js';
import { WORKLOAD_VALIDATORS, parseLeaseBreakerOptions, parseLeaseHolderOptions } from '../src/programs/validators.js';

const FILES: FileSpec[] = [
  { path: '/pmem/a', size: 1024 * 1024, uid: 0, mode: 0o644 },
  { path: '/pmem/b', size: 8192, uid: 0, mode: 0o644 },
];
const ctx = { scenarioFiles: FILES, processName: 'p' };

function holderOk(o: Record<string, unknown>) {
  const r = WORKLOAD_VALIDATORS['lease-holder']!(o, ctx);
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  return r.value;
}
function breakerOk(o: Record<string, unknown>) {
  const r = WORKLOAD_VALIDATORS['lease-breaker']!(o, ctx);
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  return r.value;
}
function issues(workload: 'lease-holder' | 'lease-breaker', o: Record<string, unknown>) {
  const r = WORKLOAD_VALIDATORS[workload]!(o, ctx);
  if (r.ok) throw new Error(`expected issues, got ${JSON.stringify(r.value)}`);
  return r.issues;
}

describe('registered validators', () => {
  test('only built-in workloads have one, and the lease and RDMA programs do', () => {
    for (const w of Object.keys(WORKLOAD_VALIDATORS)) expect(WORKLOAD_NAMES).toContain(w);
    for (const w of ['lease-holder', 'lease-breaker', 'rdma-writer', 'rdma-reader'] as const) expect(WORKLOAD_VALIDATORS[w]).toBeTypeOf('function');
  });
});

describe('lease-holder options', () => {
  test('defaults', () => {
    expect(holderOk({ file: '/pmem/a' })).toEqual({ file: '/pmem/a', lease: 'F_RDLCK', onSigio: 'release', delay: 0, retake: true });
  });

  test('everything given; durations to µs (a plain number is ms), signals canonical', () => {
    expect(holderOk({ file: '/pmem/b', lease: 'F_WRLCK', onSigio: 'downgrade', delay: '250us', retake: false, signal: 'SIGRTMIN + 1' })).toEqual({
      file: '/pmem/b',
      lease: 'F_WRLCK',
      onSigio: 'downgrade',
      delay: 250,
      retake: false,
      signal: 'SIGRTMIN+1',
    });
    expect(holderOk({ file: '/pmem/a', delay: 5 }).delay).toBe(5000);
    expect(holderOk({ file: '/pmem/a', delay: '1.5ms' }).delay).toBe(1500);
    expect(holderOk({ file: '/pmem/a', signal: 'SIGIO' }).signal).toBe('SIGIO');
  });

  test('unknown key: named, with a suggestion and the allowed keys', () => {
    const [i, ...rest] = issues('lease-holder', { file: '/pmem/a', onsigio: 'release' });
    expect(rest).toEqual([]);
    expect(i!.path).toEqual(['onsigio']);
    expect(i!.message).toContain('unknown option "onsigio"');
    expect(i!.message).toContain('did you mean onSigio?');
    expect(i!.message).toContain('allowed: file, lease, onSigio, delay, retake, signal');
  });

  test('file: required, and one of the scenario files', () => {
    const [missing] = issues('lease-holder', {});
    expect(missing).toMatchObject({ path: ['file'] });
    expect(missing!.message).toContain('missing required option "file"');
    expect(missing!.message).toContain('/pmem/a, /pmem/b');
    const [other] = issues('lease-holder', { file: '/pmem/c' });
    expect(other).toMatchObject({ path: ['file'] });
    expect(other!.message).toContain('"/pmem/c" is not one of the scenario\'s files');
    const [num] = issues('lease-holder', { file: 3 });
    expect(num!.message).toContain('expected file');
    const none = WORKLOAD_VALIDATORS['lease-holder']!({ file: '/pmem/a' }, { scenarioFiles: [], processName: 'p' });
    expect(none.ok).toBe(false);
    if (!none.ok) expect(none.issues[0]!.message).toContain('the scenario has no files');
  });

  test('bad values name their key', () => {
    const all = issues('lease-holder', { file: '/pmem/a', lease: 'F_UNLCK', onSigio: 'relase', delay: '5 sec', retake: 'yes', signal: 'SIGKILL' });
    const byKey = Object.fromEntries(all.map((i) => [String(i.path[0]), i.message]));
    expect(Object.keys(byKey).sort()).toEqual(['delay', 'lease', 'onSigio', 'retake', 'signal']);
    expect(byKey['lease']).toContain('allowed: F_RDLCK, F_WRLCK');
    expect(byKey['onSigio']).toContain('did you mean release?');
    expect(byKey['delay']).toContain('invalid delay');
    expect(byKey['delay']).toContain('did you mean s?');
    expect(byKey['retake']).toContain('expected retake: true or false');
    expect(byKey['signal']).toContain('SIGKILL cannot be blocked');
    const [sig] = issues('lease-holder', { file: '/pmem/a', signal: 'SIGFOO' });
    expect(sig).toMatchObject({ path: ['signal'] });
    expect(sig!.message).toContain('unknown signal "SIGFOO"');
  });
});

describe('lease-breaker options', () => {
  test('defaults', () => {
    expect(breakerOk({ file: '/pmem/a' })).toEqual({ file: '/pmem/a', op: 'open-write', nonblock: false, rate: 0, hold: 0 });
  });

  test('truncate: length defaults to the file size in the scenario, or is given', () => {
    expect(breakerOk({ file: '/pmem/b', op: 'truncate' })).toEqual({ file: '/pmem/b', op: 'truncate', nonblock: false, rate: 0, hold: 0, length: 8192 });
    expect(breakerOk({ file: '/pmem/a', op: 'truncate', length: '4KiB', rate: 50 })).toMatchObject({ length: 4096, rate: 50 });
  });

  test('open options', () => {
    expect(breakerOk({ file: '/pmem/a', op: 'open-read', nonblock: true, rate: 2.5, hold: '2ms' })).toEqual({ file: '/pmem/a', op: 'open-read', nonblock: true, rate: 2.5, hold: 2000 });
  });

  test('options that do not fit the op', () => {
    const t = issues('lease-breaker', { file: '/pmem/a', op: 'truncate', nonblock: true, hold: '1ms' });
    expect(t.map((i) => i.path[0]).sort()).toEqual(['hold', 'nonblock']);
    expect(t.find((i) => i.path[0] === 'nonblock')!.message).toContain('truncate(2) has no O_NONBLOCK');
    const [l] = issues('lease-breaker', { file: '/pmem/a', length: 0 });
    expect(l).toMatchObject({ path: ['length'] });
    expect(l!.message).toContain('length applies to op truncate only');
  });

  test('bad values name their key', () => {
    const all = issues('lease-breaker', { file: '/pmem/a', op: 'open-wrte', nonblock: 1, rate: -1, hold: 'long', extra: 1 });
    const byKey = Object.fromEntries(all.map((i) => [String(i.path[0]), i.message]));
    expect(Object.keys(byKey).sort()).toEqual(['extra', 'hold', 'nonblock', 'op', 'rate']);
    expect(byKey['op']).toContain('did you mean open-write?');
    expect(byKey['op']).toContain('allowed: open-write, open-read, truncate');
    expect(byKey['rate']).toContain('operations per second');
    expect(byKey['hold']).toContain('invalid hold');
    expect(byKey['extra']).toContain('allowed: file, op, nonblock, rate, hold, length');
    expect(issues('lease-breaker', { file: '/pmem/a', rate: '10' })[0]!.path).toEqual(['rate']);
    expect(issues('lease-breaker', { file: '/pmem/a', op: 'truncate', length: '-1' })[0]!.path).toEqual(['length']);
  });

  test('programs read normalised options: numbers are µs, and truncate needs its length', () => {
    const h = parseLeaseHolderOptions({ file: '/pmem/a', delay: 5 }, { normalized: true });
    expect(h.ok && h.value.delay).toBe(5);
    const b = parseLeaseBreakerOptions({ file: '/pmem/a', op: 'truncate' }, { normalized: true });
    expect(b.ok).toBe(false);
  });
});

describe('with: errors through loadScenario', () => {
  const yaml = (w: string) =>
    ['files: [{ path: /pmem/a, size: 64KiB }]', 'processes:', '  - name: h', '    workload: lease-holder', `    with: ${w}`, '  - name: x', '    workload: rdma-writer', '    with: { anything: 1 }', ''].join('\n');
  // Process x is a workload without a validator: rdma-writer has one now, so leave it out.
  const { 'rdma-writer': _rdma, ...withoutRdma } = WORKLOAD_VALIDATORS;

  test('an unknown option is reported at its key path, with the workload', () => {
    const r = loadScenario(yaml('{ file: /pmem/a, onSigo: release }'), 's.yaml', { workloads: withoutRdma });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toMatchObject({ path: 'processes[0].with.onSigo' });
    expect(r.errors[0]!.message).toMatch(/^lease-holder: unknown option "onSigo" \(did you mean onSigio\?\)/);
  });

  test('valid options come back normalised; workloads without a validator take any object', () => {
    const r = loadScenario(yaml('{ file: /pmem/a, delay: 2ms }'), 's.yaml', { workloads: withoutRdma });
    if (!r.ok) throw new Error(formatScenarioErrors(r.errors));
    const [h, x] = r.scenario.processes;
    expect(h).toMatchObject({ kind: 'workload', with: { file: '/pmem/a', lease: 'F_RDLCK', onSigio: 'release', delay: 2000, retake: true } });
    expect(x).toMatchObject({ kind: 'workload', with: { anything: 1 } });
  });
});

describe('built-in scenarios', () => {
  function load(name: string): Scenario {
    const text = builtinScenario(name);
    if (text === undefined) throw new Error(`no built-in ${name}`);
    const r = loadScenario(text, `builtin:${name}`, { workloads: WORKLOAD_VALIDATORS });
    if (!r.ok) throw new Error(formatScenarioErrors(r.errors));
    return r.scenario;
  }

  test('names and descriptions match; unknown names are undefined', () => {
    expect(Object.keys(BUILTIN_DESCRIPTIONS)).toEqual([...BUILTIN_NAMES]);
    expect(BUILTIN_NAMES).toContain('lease-break-latency');
    for (const n of BUILTIN_NAMES) expect(BUILTIN_DESCRIPTIONS[n]).not.toContain('\n');
    expect(builtinScenario('no-such-scenario')).toBeUndefined();
    expect(builtinScenario('toString')).toBeUndefined();
    expect(builtinScenario('builtin:lease-break-latency')).toBe(builtinScenario('lease-break-latency'));
  });

  test('every built-in loads with the validators', () => {
    for (const n of BUILTIN_NAMES) expect(load(n).name).toBe(n);
  });

  test('lease-break-latency', () => {
    const s = load('lease-break-latency');
    expect(s.description).toMatch(/holders/);
    expect(s.policy).toEqual(['mainline']);
    expect(s.mode).toBe('threads');
    expect(s.duration).toBe(2_000_000);
    expect(s.kernel.leaseBreakTime).toBe(200_000);
    expect(s.files.map((f) => [f.path, f.size])).toEqual([
      ['/pmem/a', 1024 * 1024],
      ['/pmem/b', 1024 * 1024],
    ]);
    const procs = s.processes.map((p) => (p.kind === 'workload' ? [p.name, p.workload, p.with] : [p.name]));
    expect(procs).toEqual([
      ['holder-a', 'lease-holder', { file: '/pmem/a', lease: 'F_RDLCK', onSigio: 'release', delay: 0, retake: true }],
      ['holder-b', 'lease-holder', { file: '/pmem/b', lease: 'F_RDLCK', onSigio: 'release', delay: 0, retake: true }],
      ['breaker-a', 'lease-breaker', { file: '/pmem/a', op: 'open-write', nonblock: false, rate: 0, hold: 0 }],
      ['breaker-b', 'lease-breaker', { file: '/pmem/b', op: 'open-write', nonblock: false, rate: 0, hold: 0 }],
    ]);
  });

  test('lease-break-latency runs (deterministic, shortened): both pairs break leases, no breaker fails', async () => {
    const s = load('lease-break-latency');
    const durationNs = 20e6;
    const spec: RunSpec = {
      kernel: {
        pmemPages: Math.floor((s.kernel.pmem ?? 64 * 1024 * 1024) / 4096),
        leaseBreakTimeNs: (s.kernel.leaseBreakTime ?? 45e6) * 1000,
        files: s.files.map((f) => ({ path: f.path, size: f.size, uid: f.uid, mode: f.mode })),
      },
      processes: s.processes.map((p) => {
        if (p.kind !== 'workload') throw new Error('expected stress programs only');
        return { name: p.name, program: p.workload, input: { name: p.name, durationNs, options: p.with } };
      }),
      barriers: {},
      seed: s.seed,
      timeLimitNs: 5e9,
    };
    const modules: Record<string, ProgramModule> = { 'lease-holder': holderModule, 'lease-breaker': breakerModule };
    const r = await new DeterministicRuntime({ load: async (u) => modules[u]! }).run(spec);
    expect(r.status).toBe('ok');
    for (const p of r.processes) expect(p.error).toBeUndefined();
    for (const x of ['a', 'b']) {
      const h = r.processes.find((p) => p.name === `holder-${x}`)!.output as LeaseHolderOutput;
      const b = r.processes.find((p) => p.name === `breaker-${x}`)!.output as LeaseBreakerOutput;
      expect(h.breaks).toBeGreaterThan(0);
      expect(b.count).toBeGreaterThan(0);
      expect(b.ok).toBe(b.count);
    }
  });
});
