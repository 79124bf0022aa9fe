/**
 * The NIC under the threads runtime: a real worker thread doing DMA into the shared pmem while
 * the kernel thread truncates and reallocates — the no-break corruption, for real. Runs the
 * compiled programs (dist/): build first (`npx turbo run build`).
 */
import { describe, expect, test } from 'vitest';
import type { RunResult } from '@leasebreak/runtime';
import { type SimEvent, toChromeTrace, validateChromeTrace } from '@leasebreak/trace';
import { runScenario } from '../src/index.js';
import type { NicOutput } from '../src/programs/nic.js';
import type { RdmaOutput } from '../src/programs/rdma-writer.js';
import { PAGE_OF, load } from './nic-helpers.js';

/**
 * The writer is scripted so that the order is certain on real threads (registered before the
 * truncate: a barrier), then streams 64 KiB RDMA WRITEs while the truncater empties /pmem/a and
 * the filler writes /pmem/b, which gets the freed blocks.
 */
const race = `
name: threads-truncate-vs-pin
kernel: { pmem: 512KiB }
files:
  - { path: /pmem/a, size: 64KiB }
  - { path: /pmem/b, size: 0 }
processes:
  - name: rdma
    steps:
      - { open: /pmem/a, flags: O_RDWR, as: fd }
      - { mmap: fd, length: 64KiB, as: buf }
      - { ibv_reg_mr: buf, as: mr, expect: ok }
      - { barrier: pinned }
      - { repeat: 3000, steps: [ { rdma_write: mr, offset: 0, length: 64KiB, expect: 0 } ] }
  - name: truncater
    steps:
      - { barrier: pinned }
      - { sleep: 5ms }
      - { truncate: /pmem/a, length: 0, expect: 0 }
  - name: filler
    steps:
      - { barrier: pinned }
      - { sleep: 15ms }
      - { open: /pmem/b, flags: O_RDWR, as: fd }
      - { repeat: 16, steps: [ { write: fd, data: "${PAGE_OF('f')}" } ] }
mode: threads
`;

/** The rdma-writer program on real threads, alone: it streams and every DMA lands right. */
const stream = `
name: threads-rdma-writer
kernel: { pmem: 512KiB }
files: [ { path: /pmem/a, size: 64KiB } ]
processes:
  - name: rdma
    workload: rdma-writer
    with: { file: /pmem/a, pages: 16, depth: 4 }
duration: 100ms
mode: threads
`;

describe('threads runtime', () => {
  test('no-break: the NIC thread corrupts the file that got the truncated blocks', { timeout: 30_000 }, async () => {
    const [report] = await runScenario(load(race), { policies: ['no-break'] });
    expect(report!.status, JSON.stringify(report!.expectations)).toBe('passed');
    const nic = report!.processes.find((p) => p.name === 'nic0')!.workload as NicOutput;
    expect(nic.workload).toBe('nic');
    expect(nic.classes.corruption).toBeGreaterThan(0);
    expect(nic.violations.some((v) => v.class === 'corruption')).toBe(true);
    expect(report!.outcomes.corruption).toBeGreaterThan(0);
    expect(report!.violations.find((v) => v.class === 'corruption')).toMatchObject({ victim: { path: '/pmem/b' }, writer: { process: 'rdma' }, intended: { path: '/pmem/a' }, via: 'rdma' });
  });

  test('rdma-writer streams through the NIC thread until the duration ends, then exits 0', { timeout: 30_000 }, async () => {
    let result!: RunResult;
    const [report] = await runScenario(load(stream), { policies: ['no-break'], onResult: (r) => void (result = r) });
    expect(report!.status, JSON.stringify(report!.expectations)).toBe('passed');
    const out = (name: string) => report!.processes.find((p) => p.name === name)!;
    const w = out('rdma').workload as RdmaOutput;
    const nic = out('nic0').workload as NicOutput;
    expect(out('rdma').exit).toBe(0);
    expect(w).toMatchObject({ registrations: 1, deregistrations: 1, regErrnos: {}, done: true });
    expect(w.completions['ok']).toBeGreaterThan(16);
    expect(w.completed).toBe(w.posted);
    expect(nic.classes.ok).toBeGreaterThanOrEqual(w.completions['ok']!);
    expect(nic.violations).toEqual([]);
    expect(report!.outcomes.corruption).toBe(0);
    // The bandwidth log accounts for every byte completed, from the registration on, in time.
    expect(w.bwLog).not.toBeNull();
    expect(w.bwLog!.startNs).toBe(w.firstRegisteredNs);
    expect(w.bwLog!.bytes.reduce((a, b) => a + b, 0)).toBe(w.bytes);
    expect(w.bwLog!.startNs + (w.bwLog!.bytes.length - 1) * w.bwLog!.intervalNs).toBeLessThanOrEqual(w.endNs);

    // The NIC thread's own ring: a start and an end per WR, merged in time order with the kernel's
    // events — after the registration, before the deregistration.
    const ev = result.events;
    type Wr = Extract<SimEvent, { kind: 'nic.wr.start' | 'nic.wr.end' }>;
    const wrs = ev.filter((e): e is Wr => e.kind === 'nic.wr.start' || e.kind === 'nic.wr.end');
    expect(wrs).toHaveLength(2 * w.posted);
    for (let i = 0; i < wrs.length; i += 2) {
      const start = wrs[i] as Extract<Wr, { kind: 'nic.wr.start' }>;
      expect(start).toMatchObject({ kind: 'nic.wr.start', pid: out('nic0').pid, from: out('rdma').pid, qp: 0, op: 'write' });
      expect(start.pages).toBeGreaterThan(0);
      expect(wrs[i + 1]).toMatchObject({ kind: 'nic.wr.end', wrId: start.wrId, status: 'ok', pages: start.pages, bytes: start.bytes, violations: 0 });
    }
    for (let i = 1; i < ev.length; i++) expect(ev[i]!.t).toBeGreaterThanOrEqual(ev[i - 1]!.t);
    const rdma = out('rdma').pid;
    const reg = ev.findIndex((e) => e.kind === 'syscall.exit' && e.pid === rdma && e.op === 'ibv_reg_mr');
    const dereg = ev.findIndex((e) => e.kind === 'syscall.enter' && e.pid === rdma && e.op === 'ibv_dereg_mr');
    expect(reg).toBeGreaterThan(-1);
    expect(ev.indexOf(wrs[0]!)).toBeGreaterThan(reg);
    expect(ev.indexOf(wrs[wrs.length - 1]!)).toBeLessThan(dereg);
    expect(result.eventsDroppedBy).toEqual({ kernel: 0, lifecycle: 0, rdma: 0, nic0: 0 });
    expect(report!.events).toMatchObject({ dropped: 0, droppedBy: { kernel: 0, lifecycle: 0, rdma: 0, nic0: 0 } });
    // …and in the trace: a slice per WR on the NIC's row.
    const trace = toChromeTrace({ events: ev, processes: result.processes, scenario: 's', policy: 'no-break', seed: 1, mode: 'threads' });
    expect(validateChromeTrace(trace)).toEqual([]);
    const slices = trace.traceEvents.filter((e) => e.ph === 'X' && e.cat === 'rdma');
    expect(slices).toHaveLength(w.posted);
    expect(slices[0]!.name).toMatch(/^RDMA_WRITE wr \d+ \(\d+ pages?\)$/);
    expect(new Set(slices.map((e) => e.pid))).toEqual(new Set([out('nic0').pid]));
  });
});
