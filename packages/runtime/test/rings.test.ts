/**
 * Every thread's events go into its own ring; the main thread reads them at the end and merges
 * them by time — also when a process thread hung, threw or died, and when a ring overflowed.
 */
import { describe, expect, it } from 'vitest';
import type { SimEvent } from '@leasebreak/trace';
import { DeterministicRuntime, type ProcessSpec, type RunResult, type RunSpec, ThreadsRuntime } from '../src/index.js';

const program = new URL('./fixtures/emitter.mjs', import.meta.url).href;

function spec(processes: { name: string; notes: number; end?: string }[], extra: Partial<RunSpec> = {}): RunSpec {
  return {
    kernel: { pmemPages: 16, files: [] },
    processes: processes.map((p): ProcessSpec => ({ name: p.name, program, input: { notes: p.notes, end: p.end ?? 'return' } })),
    barriers: {},
    seed: 1,
    timeLimitNs: 10e9,
    ...extra,
  };
}

const notesOf = (r: RunResult, pid: number): string[] => r.events.filter((e): e is Extract<SimEvent, { kind: 'note' }> => e.kind === 'note' && e.pid === pid).map((e) => e.text);

/** The merged stream is in time order, and a process's notes come before its close(). */
function checkMerged(r: RunResult, name: string, notes: number): void {
  const pid = r.processes.find((p) => p.name === name)!.pid;
  expect(notesOf(r, pid)).toEqual(Array.from({ length: notes }, (_, i) => `${name} ${i}`));
  for (let i = 1; i < r.events.length; i++) expect(r.events[i]!.t).toBeGreaterThanOrEqual(r.events[i - 1]!.t);
  const lastNote = r.events.findLastIndex((e) => e.kind === 'note' && e.pid === pid);
  const close = r.events.findIndex((e) => e.kind === 'syscall.enter' && e.pid === pid && e.op === 'close');
  expect(close).toBeGreaterThan(lastNote);
  expect(r.events.findIndex((e, i) => i > close && e.kind === 'syscall.exit' && e.pid === pid)).toBeGreaterThan(close);
}

describe('event rings (threads)', () => {
  it('process events land in the merged stream, in time order with the kernel\'s; counts per thread', { timeout: 30_000 }, async () => {
    const r = await new ThreadsRuntime().run(spec([{ name: 'a', notes: 5 }, { name: 'b', notes: 3 }]));
    expect(r.status).toBe('ok');
    checkMerged(r, 'a', 5);
    checkMerged(r, 'b', 3);
    expect(r.eventsDroppedBy).toEqual({ kernel: 0, lifecycle: 0, a: 0, b: 0 });
    expect(r.eventCountBy).toMatchObject({ a: 5, b: 3 });
    expect(r.eventCountBy['kernel']).toBeGreaterThanOrEqual(4); // two close() enter/exit pairs, the exits
    expect(r.eventCount).toBe(Object.values(r.eventCountBy).reduce((a, b) => a + b, 0));
    expect(r.eventCount).toBe(r.events.length);
  });

  it('a process thread that hangs: the run ends at its time limit with the events it wrote', { timeout: 30_000 }, async () => {
    const r = await new ThreadsRuntime().run(spec([{ name: 'spinner', notes: 4, end: 'hang' }, { name: 'ok', notes: 2 }], { timeLimitNs: 300e6 }));
    expect(r.status).toBe('hang');
    checkMerged(r, 'spinner', 4);
    checkMerged(r, 'ok', 2);
    expect(r.processes.find((p) => p.name === 'spinner')!.exit).toBeNull();
  });

  it('a process thread that throws or dies: its events are kept', { timeout: 30_000 }, async () => {
    const r = await new ThreadsRuntime().run(spec([{ name: 'thrower', notes: 3, end: 'throw' }, { name: 'dier', notes: 3, end: 'exit' }]));
    expect(r.processes.find((p) => p.name === 'thrower')!.error).toMatch(/the program failed/);
    expect(r.processes.find((p) => p.name === 'dier')!.error).toMatch(/exited with code 3/);
    checkMerged(r, 'thrower', 3);
    checkMerged(r, 'dier', 3);
  });

  it('a full ring keeps its first events and counts the rest, per thread', { timeout: 30_000 }, async () => {
    // 16 notes of ~70 bytes of JSON each do not fit in 512 bytes; the kernel's ring is not full.
    const r = await new ThreadsRuntime().run(spec([{ name: 'kernel', notes: 16 }], { eventRingBytes: { process: 512 } }));
    expect(r.status).toBe('ok');
    const pid = r.processes[0]!.pid;
    const key = `kernel (pid ${pid})`;
    const kept = notesOf(r, pid);
    expect(kept.length).toBeGreaterThan(0);
    expect(kept).toEqual(Array.from({ length: kept.length }, (_, i) => `kernel ${i}`));
    expect(r.eventsDroppedBy).toEqual({ kernel: 0, lifecycle: 0, [key]: 16 - kept.length });
    expect(r.eventsDropped).toBe(16 - kept.length);
    expect(r.eventCountBy[key]).toBe(16);
  });

  it('a kernel thread that stops answering: the run ends as an error with the events every thread wrote until then', { timeout: 30_000 }, async () => {
    // wedged-nic.mjs leaves its MR busy and deregisters it: the kernel thread waits in mrFence for
    // ever. The process never gets its answer (the time limit ends the run), then collect() gets
    // none either (collectTimeoutMs): status 'error', and the rings are read as far as written.
    const wedged = new URL('./fixtures/wedged-nic.mjs', import.meta.url).href;
    const s: RunSpec = {
      kernel: { policy: 'no-break', pmemPages: 16, files: [{ path: '/pmem/a', size: 4 * 4096, uid: 0 }] },
      processes: [{ name: 'wedger', program: wedged, input: { file: '/pmem/a', pages: 4 } }],
      barriers: {},
      seed: 1,
      timeLimitNs: 300e6,
      collectTimeoutMs: 500,
    };
    const t0 = performance.now();
    const r = await new ThreadsRuntime().run(s);
    expect(performance.now() - t0).toBeLessThan(10_000); // not COLLECT_TIMEOUT_MS (10 s) on top of startup
    expect(r.status).toBe('error');
    expect(r.detail).toMatch(/^the kernel thread did not answer within 0\.5 s/);
    const pid = r.processes[0]!.pid;
    expect(r.processes[0]!.exit).toBeNull(); // nothing known: the kernel never answered collect()
    // The process's ring: everything up to the call that never returned.
    expect(notesOf(r, pid)).toEqual([expect.stringMatching(/^registered key \d+$/), 'MR_BUSY raised']);
    // The kernel's ring: the calls it answered, the registration, and the entry of the one it is stuck in.
    const kernel = r.events.filter((e) => e.kind !== 'note');
    const ops = (kind: 'syscall.enter' | 'syscall.exit'): string[] => kernel.flatMap((e) => (e.kind === kind && e.pid === pid ? [e.op] : []));
    expect(ops('syscall.enter')).toEqual(['open', 'mmap', 'ibv_reg_mr', 'ibv_dereg_mr']);
    expect(ops('syscall.exit')).toEqual(['open', 'mmap', 'ibv_reg_mr']);
    expect(kernel.filter((e) => e.kind === 'mr.reg' && e.pid === pid)).toHaveLength(1);
    expect(kernel.some((e) => e.kind === 'mr.dereg')).toBe(false);
    expect(r.eventCountBy).toEqual({ kernel: kernel.length, lifecycle: 0, wedger: 2 });
    expect(r.eventsDroppedBy).toEqual({ kernel: 0, lifecycle: 0, wedger: 0 });
    for (let i = 1; i < r.events.length; i++) expect(r.events[i]!.t).toBeGreaterThanOrEqual(r.events[i - 1]!.t);
  });

  it('keepEvents false: counted, none kept, none dropped', { timeout: 30_000 }, async () => {
    const r = await new ThreadsRuntime().run(spec([{ name: 'a', notes: 5 }], { keepEvents: false }));
    expect(r.events).toEqual([]);
    expect(r.eventHash).toBe('');
    expect(r.eventsDropped).toBe(0);
    expect(r.eventCountBy['a']).toBe(5);
  });
});

describe('ProcessContext.emit (deterministic)', () => {
  it('goes into the run\'s one sink: in the stream, in the hash, the same for the same seed', async () => {
    const s = spec([{ name: 'a', notes: 3 }, { name: 'b', notes: 2 }]);
    const x = await new DeterministicRuntime().run(s);
    const y = await new DeterministicRuntime().run(s);
    expect(notesOf(x, x.processes[0]!.pid)).toEqual(['a 0', 'a 1', 'a 2']);
    expect(x.eventHash).toBe(y.eventHash);
    expect(x.eventsDroppedBy).toEqual({ all: 0 });
    expect(x.eventCountBy).toEqual({ all: x.eventCount });
  });
});
