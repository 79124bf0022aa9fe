import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import {
  formatScenarioErrors,
  loadScenario,
  loadScenarioFile,
  scenarioFromData,
  type StepOf,
  type WorkloadOptionsValidator,
} from '../src/index.js';
import { ok, oneError } from './helpers.js';

const EXAMPLE = fileURLToPath(new URL('./fixtures/example.yaml', import.meta.url));

describe('the example of architecture.md §7', () => {
  const r = loadScenarioFile(EXAMPLE);
  if (!r.ok) throw new Error(formatScenarioErrors(r.errors));
  const s = r.scenario;

  test('top level', () => {
    expect(s.name).toBe('holder-releases-on-break');
    expect(s.source).toBe(EXAMPLE);
    expect(s.policy).toEqual(['ira-rfc-2019']);
    expect(s.kernel).toEqual({ pmem: 64 * 1024 * 1024, leaseBreakTime: 200_000, allowLongtermPin: false });
    expect(s.files).toEqual([{ path: '/pmem/a', size: 1024 * 1024, uid: 1000, mode: 0o644 }]);
    expect(s.duration).toBe(500_000);
    expect(s.seed).toBe(42);
    expect(s.runs).toBe(1);
    expect(s.mode).toBe('threads');
    expect(s.expect).toEqual({ outcomes: { corruption: 0, dataLeak: 0 } });
  });

  test('scripted processes', () => {
    const [holder, truncater] = s.processes;
    expect(holder).toMatchObject({ name: 'holder', uid: 1000, count: 1, kind: 'steps', path: 'processes[0]' });
    expect(truncater).toMatchObject({ name: 'truncater', count: 1, kind: 'steps' });
    expect(truncater).not.toHaveProperty('uid');
    if (holder?.kind !== 'steps' || truncater?.kind !== 'steps') throw new Error('not scripted');
    expect(holder.steps.map((x) => x.op)).toEqual(['open', 'mmap', 'fcntl', 'ibv_reg_mr', 'barrier', 'wait', 'ibv_dereg_mr', 'fcntl']);
    expect(holder.steps.map((x) => x.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(holder.steps.map((x) => x.line)).toEqual([10, 11, 12, 13, 14, 15, 16, 17]);
    expect(holder.steps[0]).toEqual({
      index: 0,
      op: 'open',
      arg: '/pmem/a',
      args: { flags: { value: 2, text: 'O_RDWR' } },
      as: 'fd',
      path: 'processes[0].steps[0]',
      line: 10,
    });
    expect(holder.steps[1]).toMatchObject({ op: 'mmap', arg: 'fd', args: { length: 65536 }, as: 'buf' });
    expect(holder.steps[2]).toMatchObject({
      op: 'fcntl',
      arg: 'fd',
      args: { cmd: 'F_SETLEASE', arg: { value: 16, text: 'F_RDLCK|F_LAYOUT' } },
      expect: [{ kind: 'ret', value: 0 }],
    });
    expect(holder.steps[3]).toMatchObject({ op: 'ibv_reg_mr', arg: 'buf', as: 'mr', expect: [{ kind: 'ok' }] });
    expect(holder.steps[4]).toMatchObject({ op: 'barrier', arg: 'pinned' });
    expect(holder.steps[5]).toMatchObject({ op: 'wait', arg: { name: 'SIGIO', signo: 29 }, args: { timeout: 1_000_000 } });
    expect(holder.steps[7]).toMatchObject({ args: { cmd: 'F_SETLEASE', arg: { value: 2, text: 'F_UNLCK' } } });
    expect(holder.steps[6]).not.toHaveProperty('expect');
    expect(truncater.steps[1]).toMatchObject({ op: 'truncate', arg: '/pmem/a', args: { length: 0 }, expect: [{ kind: 'ret', value: 0 }] });
  });

  test('workload process', () => {
    expect(s.processes[2]).toEqual({
      name: 'nic-load',
      count: 2,
      path: 'processes[2]',
      kind: 'workload',
      workload: 'rdma-writer',
      with: { file: '/pmem/a', pages: 16, onSigio: 'dereg-release-retake' },
    });
  });

});

describe('JSON input', () => {
  test('the example converted to JSON gives the same scenario', () => {
    const fromYaml = loadScenarioFile(EXAMPLE);
    const fromJson = loadScenario(JSON.stringify(parse(readFileSync(EXAMPLE, 'utf8')), null, 2), EXAMPLE);
    if (!fromYaml.ok || !fromJson.ok) throw new Error('example did not load');
    const noLines = (x: unknown) => JSON.parse(JSON.stringify(x, (k, v: unknown) => (k === 'line' ? undefined : v))) as unknown;
    expect(noLines(fromJson.scenario)).toEqual(noLines(fromYaml.scenario));
  });

  const json = JSON.stringify(
    {
      name: 'j',
      policy: ['no-break', 'mainline'],
      kernel: { pmem: '16MiB', leaseBreakTime: 0, hungTaskTimeout: '2s' },
      files: [{ path: '/pmem/a', size: 4096 }],
      processes: [
        {
          name: 'p',
          steps: [
            { open: '/pmem/a', flags: 'O_RDWR|O_CREAT', as: 'fd' },
            { fcntl: 'fd', cmd: 'F_SETLEASE', arg: 'F_WRLCK', expect: [0, 'EAGAIN'] },
            { sleep: 5 },
          ],
        },
      ],
      mode: 'deterministic',
    },
    null,
    2,
  );

  test('parses like YAML', () => {
    const s = ok(json, 'j.json');
    expect(s.policy).toEqual(['no-break', 'mainline']);
    expect(s.kernel).toEqual({ pmem: 16 * 1024 * 1024, leaseBreakTime: 0, hungTaskTimeout: 2_000_000 });
    expect(s.files).toEqual([{ path: '/pmem/a', size: 4096, uid: 0, mode: 0o644 }]);
    expect(s.mode).toBe('deterministic');
    const p = s.processes[0];
    if (p?.kind !== 'steps') throw new Error('not scripted');
    expect(p.steps[0]).toMatchObject({ args: { flags: { value: 0o102, text: 'O_RDWR|O_CREAT' } } });
    expect(p.steps[1]?.expect).toEqual([
      { kind: 'ret', value: 0 },
      { kind: 'errno', name: 'EAGAIN' },
    ]);
    expect(p.steps[2]).toMatchObject({ op: 'sleep', arg: 5000 });
  });

  test('JSON errors carry line numbers too', () => {
    const bad = json.replace('"O_RDWR|O_CREAT"', '"O_RDWR|O_CREATE"');
    const lineOf = bad.split('\n').findIndex((l) => l.includes('O_CREATE')) + 1;
    oneError(bad, { path: 'processes[0].steps[0].flags', line: lineOf, includes: ['"O_CREATE"', 'O_CREAT'] });
  });

  test('a JSON syntax error is reported with its line', () => {
    const r = loadScenario('{\n  "processes": [\n    {"name": "p",, "steps": []}\n  ]\n}\n', 'bad.json');
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors[0]?.line).toBe(3);
    expect(r.errors[0]?.message).toMatch(/^not valid YAML\/JSON/);
  });
});

describe('defaults', () => {
  test('a minimal scenario', () => {
    const s = ok('processes:\n  - { name: p, steps: [ { sleep: 1ms } ] }\n', 'dir/minimal.yaml');
    expect(s).toMatchObject({
      name: 'minimal',
      policy: ['mainline'],
      kernel: {},
      files: [],
      duration: 1_000_000,
      seed: 1,
      runs: 1,
      mode: 'threads',
      expect: { outcomes: {} },
    });
    expect(s.processes[0]).toMatchObject({ count: 1 });
    expect(s.processes[0]).not.toHaveProperty('uid');
  });

  test('step defaults: open O_RDONLY, fallocate mode 0, kill SIGTERM, signal with no handler steps', () => {
    const s = ok(
      [
        'processes:',
        '  - name: p',
        '    steps:',
        '      - { open: /a, as: fd }',
        '      - { fallocate: fd, offset: 0, length: 4KiB }',
        '      - { kill: p }',
        '      - { signal: SIGUSR1 }',
        '      - { wait: SIGUSR1 }',
        '',
      ].join('\n'),
    );
    const p = s.processes[0];
    if (p?.kind !== 'steps') throw new Error('not scripted');
    expect(p.steps[0]).toMatchObject({ args: { flags: { value: 0, text: 'O_RDONLY' } } });
    expect(p.steps[1]).toMatchObject({ args: { mode: { value: 0, text: '0' }, offset: 0, length: 4096 } });
    expect(p.steps[2]).toMatchObject({ args: { signo: { name: 'SIGTERM', signo: 15 } } });
    expect(p.steps[3]).toMatchObject({ op: 'signal', arg: { name: 'SIGUSR1', signo: 10 }, steps: [] });
    expect((p.steps[4] as StepOf<'wait'>).args).toEqual({});
  });

  test('file mode: YAML 0644 is octal', () => {
    const s = ok('files:\n  - { path: /a, size: 0, mode: 0600 }\n  - { path: /b, size: 0, mode: "0640" }\nprocesses: [ { name: p, steps: [] } ]\n');
    expect(s.files.map((f) => f.mode)).toEqual([0o600, 0o640]);
  });
});

describe('expect.outcomes', () => {
  test('counts, and informedFailure as a total or per errno', () => {
    const base = 'processes: [ { name: p, steps: [] } ]\n';
    expect(ok(`${base}expect: { outcomes: { corruption: 0, hang: 0, delayedOk: 3, informedFailure: 2 } }\n`).expect).toEqual({
      outcomes: { corruption: 0, hang: 0, delayedOk: 3, informedFailure: 2 },
    });
    expect(ok(`${base}expect: { outcomes: { informedFailure: { ETXTBSY: 1, EPERM: 0 } } }\n`).expect).toEqual({
      outcomes: { informedFailure: { ETXTBSY: 1, EPERM: 0 } },
    });
    oneError(`${base}expect: { outcomes: { informedFailure: { EAGAIN: 1 } } }\n`, {
      path: 'expect.outcomes.informedFailure',
      line: 2,
      includes: ['unknown key "EAGAIN" in informedFailure', 'allowed: EPERM, ETXTBSY, EOPNOTSUPP, EINTR'],
    });
    oneError(`${base}expect: { outcomes: { lostWrite: many } }\n`, { path: 'expect.outcomes.lostWrite', includes: ['expected a count', 'got "many"'] });
  });
});

describe('other entry points', () => {
  test('scenarioFromData validates objects (no line numbers)', () => {
    const r = scenarioFromData({ processes: [{ name: 'p', steps: [{ open: '/a', flag: 'O_RDWR' }] }] }, 'builtin:demo');
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors).toEqual([
      { source: 'builtin:demo', path: 'processes[0].steps[0]', message: 'unknown key "flag" for open (did you mean flags?); allowed: flags, as, expect' },
    ]);
    const good = scenarioFromData({ processes: [{ name: 'p', steps: [] }] }, 'builtin:demo');
    expect(good.ok && good.scenario.name).toBe('demo');
  });

  test('loadScenarioFile on a missing file', () => {
    const r = loadScenarioFile('/nonexistent/scenario.yaml');
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors[0]?.source).toBe('/nonexistent/scenario.yaml');
    expect(r.errors[0]?.message).toContain('ENOENT');
  });

  test('formatScenarioErrors', () => {
    expect(
      formatScenarioErrors([
        { source: 'scenario.yaml', path: 'processes[1].steps[3]', message: 'unknown key "flag" for open; allowed: flags, as, expect', line: 12 },
        { source: 'scenario.yaml', path: '', message: 'empty scenario' },
      ]),
    ).toBe('scenario.yaml:12: processes[1].steps[3]: unknown key "flag" for open; allowed: flags, as, expect\nscenario.yaml: empty scenario');
  });

  test('empty and non-mapping documents', () => {
    expect(loadScenario('', 'e.yaml')).toMatchObject({ ok: false, errors: [{ message: expect.stringContaining('empty scenario') }] });
    expect(loadScenario('- 1\n- 2\n', 'l.yaml')).toMatchObject({ ok: false, errors: [{ message: expect.stringContaining('got a list') }] });
    expect(loadScenario('a: 1\na: 2\n', 'd.yaml')).toMatchObject({ ok: false, errors: [{ line: 2 }] });
  });
});

describe('workload options hook', () => {
  const text = readFileSync(EXAMPLE, 'utf8');
  test('a registered validator normalises `with`', () => {
    const rdmaWriter: WorkloadOptionsValidator = (o, ctx) => {
      expect(ctx.processName).toBe('nic-load');
      expect(ctx.scenarioFiles[0]?.path).toBe('/pmem/a');
      return { ok: true, value: { ...o, normalised: true } };
    };
    const r = loadScenario(text, 'e.yaml', { workloads: { 'rdma-writer': rdmaWriter } });
    expect(r.ok && r.scenario.processes[2]).toMatchObject({ with: { pages: 16, normalised: true } });
  });

  test('its issues become errors under processes[i].with', () => {
    const r = loadScenario(text, 'e.yaml', {
      workloads: { 'rdma-writer': () => ({ ok: false, issues: [{ path: ['onSigio'], message: 'unknown reaction "dereg-release-retake"' }] }) },
    });
    expect(r).toMatchObject({
      ok: false,
      errors: [{ path: 'processes[2].with.onSigio', line: 25, message: 'rdma-writer: unknown reaction "dereg-release-retake"' }],
    });
  });
});
