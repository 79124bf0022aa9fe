/**
 * The scripted RDMA steps (ibv_reg_mr, ibv_dereg_mr, rdma_write, rdma_read), the plan's NIC
 * daemon, and the rdma-writer / rdma-reader `with:` validator.
 */
import { describe, expect, test } from 'vitest';
import { BadInput, NIC_NAME, WORKLOAD_VALIDATORS, plan, usesRdma } from '../src/index.js';
import { parseRdmaOptions } from '../src/programs/validators.js';
import { load, nicOut, pidOf, runDet, scriptOut } from './nic-helpers.js';

describe('scripted RDMA steps', () => {
  const steps = (policy: string, extra = '') => `
policy: ${policy}
files: [ { path: /pmem/a, size: 16KiB } ]
processes:
  - name: p
    steps:
      - { open: /pmem/a, flags: O_RDWR, as: fd }
      - { mmap: fd, length: 16KiB, as: buf }
      - { ibv_reg_mr: buf, as: mr }
      - { rdma_write: mr, offset: 0, length: 8KiB, expect: 0 }
      - { load: buf, offset: 0, length: 4 }
      - { load: buf, offset: 4KiB, length: 4 }
      - { rdma_read: mr, offset: 4KiB, length: 12KiB, expect: 0 }
      - { rdma_write: mr, offset: 12KiB, length: 8KiB, expect: EINVAL }
${extra}      - { ibv_dereg_mr: mr, expect: 0 }
      - { rdma_write: mr, offset: 0, length: 4KiB, expect: EINVAL }
      - { ibv_dereg_mr: mr, expect: EINVAL }
mode: deterministic
`;

  test('no-break: register, write (stamped), read, out of range, deregister; a dead key fails EINVAL', async () => {
    const { r, report } = await runDet(steps('no-break'), 'no-break');
    const p = scriptOut(r, 'p');
    expect(p.expectations.filter((e) => !e.ok)).toEqual([]);
    const rec = (op: string) => p.steps.filter((st) => st.op === op);
    const reg = rec('ibv_reg_mr')[0]!;
    expect(reg.errno).toBeNull();
    expect(typeof reg.ret).toBe('number');
    expect(rec('rdma_write')[0]).toMatchObject({ ret: 0, errno: null, args: { offset: 0, length: 8192 } });
    // Both pages written begin with the NIC's stamp.
    expect(rec('load').map((st) => st.ret)).toEqual(['LBS1', 'LBS1']);
    expect(rec('rdma_read')[0]).toMatchObject({ ret: 0, errno: null });
    expect(rec('rdma_write')[1]).toMatchObject({ ret: -1, errno: 'EINVAL' });
    const nic = nicOut(r);
    expect(nic).toMatchObject({ wrs: 4, completions: { ok: 2, EINVAL: 2 }, write: { pages: 2 }, read: { pages: 3 } });
    expect(nic.violations).toEqual([]);
    expect(report.pins.leaked).toBe(0);
    expect(report.status).toBe('passed');
  });

  test('mainline: ibv_reg_mr fails EOPNOTSUPP and binds nothing', async () => {
    const yaml = `
files: [ { path: /pmem/a, size: 16KiB } ]
processes:
  - name: p
    steps:
      - { open: /pmem/a, flags: O_RDWR, as: fd }
      - { mmap: fd, length: 16KiB, as: buf }
      - { ibv_reg_mr: buf, as: mr, expect: EOPNOTSUPP }
      - { rdma_write: mr, offset: 0, length: 4KiB, expect: EINVAL }
mode: deterministic
`;
    const { r, report } = await runDet(yaml, 'mainline');
    expect(scriptOut(r, 'p').expectations.filter((e) => !e.ok)).toEqual([]);
    expect(report.outcomes.informedFailure.EOPNOTSUPP).toBe(1);
    expect(nicOut(r).completions).toEqual({ EINVAL: 1 });
  });

  test('ira-rfc-2019: EPERM without a layout lease, an MR with one', async () => {
    const yaml = `
files: [ { path: /pmem/a, size: 16KiB } ]
processes:
  - name: p
    steps:
      - { open: /pmem/a, flags: O_RDWR, as: fd }
      - { mmap: fd, length: 16KiB, as: buf }
      - { ibv_reg_mr: buf, expect: EPERM }
      - { fcntl: fd, cmd: F_SETLEASE, arg: F_RDLCK|F_LAYOUT, expect: 0 }
      - { ibv_reg_mr: buf, as: mr, expect: ok }
      - { rdma_write: mr, offset: 0, length: 16KiB, expect: 0 }
      - { ibv_dereg_mr: mr, expect: 0 }
mode: deterministic
`;
    const { r } = await runDet(yaml, 'ira-rfc-2019');
    expect(scriptOut(r, 'p').expectations.filter((e) => !e.ok)).toEqual([]);
    expect(nicOut(r).write.pages).toBe(4);
  });

  test('a signal handler runs while a step waits for its completion (and may itself do RDMA)', async () => {
    const yaml = `
files: [ { path: /pmem/a, size: 16KiB } ]
processes:
  - name: p
    steps:
      - { open: /pmem/a, flags: O_RDWR, as: fd }
      - { mmap: fd, length: 16KiB, as: buf }
      - { ibv_reg_mr: buf, as: mr, expect: ok }
      - { signal: SIGUSR1, steps: [ { rdma_write: mr, offset: 0, length: 4KiB, expect: 0 } ] }
      - { barrier: go }
      - { rdma_write: mr, offset: 0, length: 16KiB, expect: 0 }
      - { rdma_write: mr, offset: 0, length: 16KiB, expect: 0 }
  - name: k
    steps:
      - { barrier: go }
      - { sleep: 2us }
      - { kill: p, signo: SIGUSR1 }
mode: deterministic
`;
    const { r } = await runDet(yaml, 'no-break');
    const p = scriptOut(r, 'p');
    expect(p.expectations.filter((e) => !e.ok)).toEqual([]);
    expect(p.steps.filter((st) => st.op === 'rdma_write')).toHaveLength(3);
    // The signal came while the first 4-page write was in flight (4 µs of wire time): the
    // handler's own write ran and completed inside that wait, and is recorded before it.
    const ops = p.steps.map((st) => `${st.op}${st.handler === undefined ? '' : `@${st.handler}`}`);
    expect(ops.slice(-3)).toEqual(['rdma_write@SIGUSR1', 'rdma_write', 'rdma_write']);
    expect(p.steps.at(-3)).toMatchObject({ ret: 0, args: { length: 4096 } });
    expect(p.steps.at(-2)).toMatchObject({ ret: 0, args: { length: 16384 } });
    expect(nicOut(r).wrs).toBe(3);
    expect(pidOf(r, 'p')).toBeGreaterThan(0);
  });
});

describe('plan: the NIC daemon', () => {
  const base = (procs: string) => `files: [ { path: /pmem/a, size: 64KiB } ]\nprocesses:\n${procs}`;

  test('added last, as a daemon, when a process does RDMA (steps, handlers, rdma-* workloads); not otherwise', () => {
    const withSteps = load(base('  - name: p\n    steps:\n      - { signal: SIGIO, steps: [ { ibv_dereg_mr: 3 } ] }\n'));
    const withWorkload = load(base('  - name: w\n    workload: rdma-reader\n    with: { file: /pmem/a }\n'));
    const without = load(base('  - name: h\n    workload: lease-holder\n    with: { file: /pmem/a }\n'));
    expect([usesRdma(withSteps), usesRdma(withWorkload), usesRdma(without)]).toEqual([true, true, false]);
    for (const s of [withSteps, withWorkload]) {
      const procs = plan(s, 'no-break', { seed: 1, durationUs: 1000 }).spec.processes;
      expect(procs.at(-1)).toMatchObject({ name: NIC_NAME, daemon: true, input: { name: NIC_NAME } });
      expect(procs.at(-1)!.program).toMatch(/\/programs\/nic\.js$/);
      expect(procs.filter((p) => p.daemon === true)).toHaveLength(1);
    }
    expect(plan(without, 'no-break', { seed: 1, durationUs: 1000 }).spec.processes.some((p) => p.daemon === true)).toBe(false);
  });

  test('rdma-* workloads get the policy facts they need', () => {
    const s = load('files: [ { path: /pmem/a, size: 64KiB } ]\nprocesses:\n' + ('  - name: w\n    workload: rdma-writer\n    with: { file: /pmem/a }\n'));
    const input = (policy: 'ira-rfc-2019' | 'mainline' | 'odp', kernel?: { allowLongtermPin: boolean }) =>
      plan(s, policy, { seed: 1, durationUs: 1000, ...(kernel === undefined ? {} : { kernel }) }).spec.processes[0]!.input;
    expect(input('ira-rfc-2019')).toMatchObject({ policy: { name: 'ira-rfc-2019', longtermPin: 'needs-layout-lease', odp: false }, options: { file: '/pmem/a', pages: 16 } });
    expect(input('mainline')).toMatchObject({ policy: { longtermPin: 'EOPNOTSUPP' } });
    expect(input('odp')).toMatchObject({ policy: { odp: true } });
    expect(input('mainline', { allowLongtermPin: true })).toMatchObject({ policy: { longtermPin: 'allow' } });
  });

  test('a process already named nic0 is refused in an RDMA scenario', () => {
    const s = load(base('  - name: nic0\n    workload: rdma-writer\n    with: { file: /pmem/a }\n'));
    expect(() => plan(s, 'no-break', { seed: 1, durationUs: 1000 })).toThrow(BadInput);
    expect(() => plan(s, 'no-break', { seed: 1, durationUs: 1000 })).toThrow(/nic0.*taken by the simulated NIC/);
  });
});

describe('rdma-writer / rdma-reader options', () => {
  const FILES = [{ path: '/pmem/a', size: 64 * 1024, uid: 0, mode: 0o644 }];
  const ctx = { scenarioFiles: FILES, processName: 'w' };

  test('defaults', () => {
    for (const w of ['rdma-writer', 'rdma-reader'] as const) {
      expect(WORKLOAD_VALIDATORS[w]!({ file: '/pmem/a' }, ctx)).toEqual({
        ok: true,
        value: { file: '/pmem/a', pages: 16, onSigio: 'ignore', layoutLease: 'auto', retryRegister: true, depth: 8, wrPages: 1 },
      });
    }
    expect(parseRdmaOptions({ file: '/x', pages: 3, onSigio: 'dereg-release-retake', layoutLease: 'never', retryRegister: false, depth: 1, wrPages: 1 })).toEqual({
      ok: true,
      value: { file: '/x', pages: 3, onSigio: 'dereg-release-retake', layoutLease: 'never', retryRegister: false, depth: 1, wrPages: 1 },
    });
  });

  test('errors name the option and what is allowed', () => {
    const bad = (o: Record<string, unknown>) => {
      const r = WORKLOAD_VALIDATORS['rdma-writer']!(o, ctx);
      if (r.ok) throw new Error('expected issues');
      return r.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    };
    expect(bad({})).toEqual([expect.stringMatching(/^file: missing required option "file"/)]);
    expect(bad({ file: '/pmem/a', onSigio: 'release' })).toEqual([expect.stringMatching(/^onSigio: unknown onSigio "release".*allowed: ignore, dereg-release, dereg-release-retake/)]);
    expect(bad({ file: '/pmem/a', pages: 17 })).toEqual([expect.stringMatching(/^pages: 17 pages .* more than \/pmem\/a holds \(65536 bytes\)/)]);
    expect(bad({ file: '/pmem/a', pages: 0 })).toEqual([expect.stringMatching(/^pages: expected pages/)]);
    expect(bad({ file: '/pmem/a', depth: 257 })).toEqual([expect.stringMatching(/^depth: expected depth.*1 to 256/)]);
    expect(bad({ file: '/pmem/a', layoutLease: 'yes' })).toEqual([expect.stringMatching(/^layoutLease: unknown layoutLease "yes".*auto, always, never/)]);
    expect(bad({ file: '/pmem/a', retryRegister: 'no' })).toEqual([expect.stringMatching(/^retryRegister: expected retryRegister: true or false/)]);
    expect(bad({ file: '/pmem/a', onSigo: 'ignore' })).toEqual([expect.stringMatching(/^onSigo: unknown option "onSigo" \(did you mean onSigio\?\)/)]);
    expect(bad({ file: '/pmem/a', barrier: 3 })).toEqual([expect.stringMatching(/^barrier: expected barrier: the name of a barrier/)]);
    expect(bad({ file: '/pmem/a', barrier: ' ' })).toEqual([expect.stringMatching(/^barrier: expected barrier/)]);
  });

  test('barrier: kept when given, and the process counts for it in the plan', () => {
    expect(WORKLOAD_VALIDATORS['rdma-writer']!({ file: '/pmem/a', barrier: 'registered' }, ctx)).toMatchObject({ ok: true, value: { barrier: 'registered' } });
    const s = load('files: [ { path: /pmem/a, size: 64KiB } ]\nprocesses:\n  - name: w\n    count: 2\n    workload: rdma-writer\n    with: { file: /pmem/a, barrier: registered }\n  - name: t\n    steps:\n      - { barrier: registered }\n');
    expect(plan(s, 'no-break', { seed: 1, durationUs: 1000 }).spec.barriers).toEqual({ registered: ['w.0', 'w.1', 't'] });
  });
});
