/** Normalisation of every op, expect form, flag, signal and lease spelling. */
import { describe, expect, test } from 'vitest';
import * as model from '@leasebreak/model';
import {
  FCNTL_CMDS,
  LEASE_TYPES,
  SIGNALS,
  STEP_ARGS,
  STEP_OPS,
  barrierParties,
  formatLeaseType,
  parseKernelOverride,
  parsePolicyList,
  parseSignal,
  waitedSignals,
  type Step,
} from '../src/index.js';
import { ok, withSteps } from './helpers.js';

function steps(...lines: string[]): readonly Step[] {
  const p = ok(withSteps(...lines)).processes[0];
  if (p?.kind !== 'steps') throw new Error('not scripted');
  return p.steps;
}

function strip(s: Step | undefined): unknown {
  if (s === undefined) return undefined;
  const { index: _i, path: _p, line: _l, ...rest } = s as Step & { line?: number };
  return 'steps' in rest ? { ...rest, steps: rest.steps.map(strip) } : rest;
}

describe('every op normalises', () => {
  const all = steps(
    '{ open: /pmem/a, flags: O_RDWR|O_CREAT|O_TRUNC|O_NONBLOCK, as: fd }',
    '{ dup: fd, as: fd2 }',
    '{ close: fd2, expect: 0 }',
    '{ read: fd, length: 4KiB, as: got }',
    '{ pread: fd, length: 16, offset: 1MiB }',
    '{ write: fd, data: hello }',
    '{ pwrite: fd, data: "", offset: 8 }',
    '{ truncate: /pmem/a, length: 0 }',
    '{ ftruncate: fd, length: 2MiB }',
    '{ fallocate: fd, mode: PUNCH_HOLE|FALLOC_FL_KEEP_SIZE, offset: 4KiB, length: 8KiB }',
    '{ fallocate: fd, mode: 0x20, offset: 0, length: 4KiB, expect: [EINVAL, EOPNOTSUPP] }',
    '{ fcntl: fd, cmd: F_SETSIG, arg: SIGRTMIN+2 }',
    '{ fcntl: fd, cmd: F_SETSIG, arg: 0 }',
    '{ fcntl: fd, cmd: F_GETSIG, expect: SIGRTMIN+2 }',
    '{ fcntl: fd, cmd: F_SETLEASE, arg: F_WRLCK|F_LAYOUT|F_UNBREAK }',
    '{ fcntl: fd, cmd: F_GETLEASE, expect: F_LAYOUT|F_RDLCK }',
    '{ mmap: fd, length: 64KiB, offset: 4KiB, as: buf }',
    '{ load: buf, offset: 0, length: 8 }',
    '{ store: buf, offset: 4, data: xyz }',
    '{ store: buf, offset: 0, length: 4KiB }',
    '{ ibv_reg_mr: buf, as: mr }',
    '{ rdma_write: mr, offset: 0, length: 4KiB }',
    '{ rdma_read: mr, offset: 4KiB, length: 1 }',
    '{ ibv_dereg_mr: mr }',
    '{ munmap: buf }',
    '{ signal: SIGUSR1, steps: [ { sleep: 1 } ] }',
    '{ wait: SIGRTMIN, timeout: 1s, expect: [SIGRTMIN, ETIMEDOUT] }',
    '{ sleep: 200us }',
    '{ barrier: go }',
    '{ kill: p, signo: 12 }',
    '{ repeat: 10, steps: [ { barrier: "7" } ] }',
    '{ exit: 3 }',
  );
  const norm = all.map(strip);

  test('covers every op', () => {
    expect(new Set(all.map((s) => s.op))).toEqual(new Set(STEP_OPS));
  });

  test('values', () => {
    expect(norm).toEqual([
      { op: 'open', arg: '/pmem/a', args: { flags: { value: 0o2 | 0o100 | 0o1000 | 0o4000, text: 'O_RDWR|O_CREAT|O_TRUNC|O_NONBLOCK' } }, as: 'fd' },
      { op: 'dup', arg: 'fd', args: {}, as: 'fd2' },
      { op: 'close', arg: 'fd2', args: {}, expect: [{ kind: 'ret', value: 0 }] },
      { op: 'read', arg: 'fd', args: { length: 4096 }, as: 'got' },
      { op: 'pread', arg: 'fd', args: { length: 16, offset: 1048576 } },
      { op: 'write', arg: 'fd', args: { data: 'hello' } },
      { op: 'pwrite', arg: 'fd', args: { data: '', offset: 8 } },
      { op: 'truncate', arg: '/pmem/a', args: { length: 0 } },
      { op: 'ftruncate', arg: 'fd', args: { length: 2097152 } },
      { op: 'fallocate', arg: 'fd', args: { mode: { value: 0x03, text: 'PUNCH_HOLE|FALLOC_FL_KEEP_SIZE' }, offset: 4096, length: 8192 } },
      {
        op: 'fallocate',
        arg: 'fd',
        args: { mode: { value: 0x20, text: '32' }, offset: 0, length: 4096 },
        expect: [
          { kind: 'errno', name: 'EINVAL' },
          { kind: 'errno', name: 'EOPNOTSUPP' },
        ],
      },
      { op: 'fcntl', arg: 'fd', args: { cmd: 'F_SETSIG', arg: { name: 'SIGRTMIN+2', signo: 36 } } },
      { op: 'fcntl', arg: 'fd', args: { cmd: 'F_SETSIG', arg: { name: '0', signo: 0 } } },
      { op: 'fcntl', arg: 'fd', args: { cmd: 'F_GETSIG' }, expect: [{ kind: 'ret', value: 36, text: 'SIGRTMIN+2' }] },
      { op: 'fcntl', arg: 'fd', args: { cmd: 'F_SETLEASE', arg: { value: 1 | 16 | 32, text: 'F_WRLCK|F_LAYOUT|F_UNBREAK' } } },
      { op: 'fcntl', arg: 'fd', args: { cmd: 'F_GETLEASE' }, expect: [{ kind: 'lease', value: 'F_RDLCK|F_LAYOUT', bits: 16 }] },
      { op: 'mmap', arg: 'fd', args: { length: 65536, offset: 4096 }, as: 'buf' },
      { op: 'load', arg: 'buf', args: { offset: 0, length: 8 } },
      { op: 'store', arg: 'buf', args: { offset: 4, data: 'xyz' } },
      { op: 'store', arg: 'buf', args: { offset: 0, length: 4096 } },
      { op: 'ibv_reg_mr', arg: 'buf', args: {}, as: 'mr' },
      { op: 'rdma_write', arg: 'mr', args: { offset: 0, length: 4096 } },
      { op: 'rdma_read', arg: 'mr', args: { offset: 4096, length: 1 } },
      { op: 'ibv_dereg_mr', arg: 'mr', args: {} },
      { op: 'munmap', arg: 'buf', args: {} },
      { op: 'signal', arg: { name: 'SIGUSR1', signo: 10 }, args: {}, steps: [{ op: 'sleep', arg: 1000, args: {} }] },
      {
        op: 'wait',
        arg: { name: 'SIGRTMIN', signo: 34 },
        args: { timeout: 1_000_000 },
        expect: [
          { kind: 'ret', value: 34, text: 'SIGRTMIN' },
          { kind: 'errno', name: 'ETIMEDOUT' },
        ],
      },
      { op: 'sleep', arg: 200, args: {} },
      { op: 'barrier', arg: 'go', args: {} },
      { op: 'kill', arg: 'p', args: { signo: { name: 'SIGUSR2', signo: 12 } } },
      { op: 'repeat', arg: 10, args: {}, steps: [{ op: 'barrier', arg: '7', args: {} }] },
      { op: 'exit', arg: 3, args: {} },
    ]);
  });

  test('indexes and paths of nested steps', () => {
    const repeat = all[30];
    expect(repeat?.op).toBe('repeat');
    if (repeat?.op !== 'repeat') return;
    expect(repeat.steps[0]).toMatchObject({ index: 0, path: 'processes[0].steps[30].steps[0]', line: 34 });
    expect(all[31]).toMatchObject({ index: 31, path: 'processes[0].steps[31]', line: 35 });
  });
});

describe('expect forms', () => {
  test.each([
    ['0', [{ kind: 'ret', value: 0 }]],
    ['-1', [{ kind: 'ret', value: -1 }]],
    ['ok', [{ kind: 'ok' }]],
    ['EAGAIN', [{ kind: 'errno', name: 'EAGAIN' }]],
    ['EWOULDBLOCK', [{ kind: 'errno', name: 'EAGAIN' }]],
    ['ENOTSUP', [{ kind: 'errno', name: 'EOPNOTSUPP' }]],
    ['ETIMEDOUT', [{ kind: 'errno', name: 'ETIMEDOUT' }]],
    ['F_UNLCK', [{ kind: 'lease', value: 'F_UNLCK', bits: 2 }]],
    ['"F_RDLCK|F_LAYOUT"', [{ kind: 'lease', value: 'F_RDLCK|F_LAYOUT', bits: 16 }]],
    ['SIGIO', [{ kind: 'ret', value: 29, text: 'SIGIO' }]],
    ['[ok, EINTR, 4096]', [{ kind: 'ok' }, { kind: 'errno', name: 'EINTR' }, { kind: 'ret', value: 4096 }]],
  ])('expect: %s', (text, want) => {
    expect(steps(`{ sleep: 1, expect: ${text} }`)[0]?.expect).toEqual(want);
  });
});

describe('names', () => {
  test('signals: the Linux x86_64 numbers', () => {
    expect(SIGNALS).toEqual({ SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGUSR1: 10, SIGUSR2: 12, SIGALRM: 14, SIGTERM: 15, SIGIO: 29, SIGRTMIN: 34 });
    expect(parseSignal('SIGRTMIN+30')).toEqual({ ok: true, value: { name: 'SIGRTMIN+30', signo: 64 } });
    expect(parseSignal('SIGRTMIN+0')).toEqual({ ok: true, value: { name: 'SIGRTMIN', signo: 34 } });
    expect(parseSignal(37)).toEqual({ ok: true, value: { name: 'SIGRTMIN+3', signo: 37 } });
    expect(parseSignal(3).ok).toBe(false);
  });

  test('agree with the model where it defines the same names', () => {
    const m = model as unknown as Record<string, unknown>;
    for (const [name, v] of Object.entries(LEASE_TYPES)) if (typeof m[name] === 'number') expect(m[name], name).toBe(v);
    for (const [name, v] of Object.entries(FCNTL_CMDS)) if (typeof m[name] === 'number') expect(m[name], name).toBe(v);
    const ms = m['SIGNALS'] as Record<string, number> | undefined;
    if (ms !== undefined) for (const [name, v] of Object.entries(SIGNALS)) if (ms[name] !== undefined) expect(ms[name], name).toBe(v);
    const lt = m['leaseTypeName'];
    if (typeof lt === 'function') for (const v of [0, 1, 2, 16, 17, 18, 48]) expect(lt(v)).toBe(formatLeaseType(v));
  });

  test('STEP_ARGS lists required and optional named arguments', () => {
    expect(STEP_ARGS.open).toEqual({ required: [], optional: ['flags', 'as', 'expect'] });
    expect(STEP_ARGS.fallocate).toEqual({ required: ['offset', 'length'], optional: ['mode', 'as', 'expect'] });
    expect(STEP_ARGS.repeat).toEqual({ required: ['steps'], optional: [] });
    expect(STEP_ARGS.exit).toEqual({ required: [], optional: [] });
  });
});

describe('command-line helpers', () => {
  test('parseKernelOverride', () => {
    expect(parseKernelOverride('allowLongtermPin=true')).toEqual({ ok: true, knobs: { allowLongtermPin: true } });
    expect(parseKernelOverride('leaseBreakTime=200ms')).toEqual({ ok: true, knobs: { leaseBreakTime: 200_000 } });
    expect(parseKernelOverride('hungTaskTimeout=2000')).toEqual({ ok: true, knobs: { hungTaskTimeout: 2_000_000 } });
    expect(parseKernelOverride('pmem=64MiB')).toEqual({ ok: true, knobs: { pmem: 64 * 1024 * 1024 } });
    const bad = parseKernelOverride('allowLongTermPin=true');
    expect(bad.ok).toBe(false);
    expect(bad.ok ? '' : bad.message).toContain('did you mean allowLongtermPin?');
    const badVal = parseKernelOverride('pmem=64MB');
    expect(badVal.ok ? '' : badVal.message).toBe('--kernel pmem=64MB: kernel.pmem: bad size "64MB": unknown unit "MB" (did you mean MiB?); use B, KiB, MiB or GiB (e.g. 64MiB, 4KiB) or a plain number of bytes');
    expect(parseKernelOverride('pmem').ok).toBe(false);
  });

  test('parsePolicyList', () => {
    expect(parsePolicyList('no-break,ira-rfc-2019'.split(','))).toEqual({ ok: true, value: ['no-break', 'ira-rfc-2019'] });
    expect(parsePolicyList('mainlin').ok).toBe(false);
  });
});

describe('static facts for the interpreter', () => {
  const s = ok(
    [
      'processes:',
      '  - name: a',
      '    steps:',
      '      - { signal: SIGUSR1, steps: [ { wait: SIGRTMIN+1 }, { barrier: h } ] }',
      '      - { repeat: 2, steps: [ { wait: SIGIO, timeout: 1s }, { barrier: r } ] }',
      '      - { barrier: top }',
      '  - name: b',
      '    steps: [ { barrier: top }, { kill: a } ]',
      '  - { name: c, workload: truncator }',
      '',
    ].join('\n'),
  );
  test('waited signals are blocked from the start', () => {
    expect(s.processes.map(waitedSignals)).toEqual([[29, 35], [], []]);
  });
  test('barrier parties', () => {
    expect(Object.fromEntries(barrierParties(s.processes))).toEqual({ h: ['a'], r: ['a'], top: ['a', 'b'] });
  });
});
