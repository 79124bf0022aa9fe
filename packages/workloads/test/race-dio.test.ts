/**
 * The transient-pin races (direct I/O into a DAX mapping) under the deterministic runtime, judged
 * by the kernel's own events (kernel-semantics §7):
 *  - truncate-vs-dio: no-break frees blocks under DMA (corruption / lostWrite); ext4-4.19 waits
 *    (layout.change waited) and no DMA misses its block (delayed-ok);
 *  - insert-vs-dio: ext4-v3-2018 does not wait for insert range, the DMA lands in the same file
 *    at the shifted block (staleOffset); ext4-4.19 waits;
 *  - pin-then-munmap: before v6.15 an unmapped file is not scanned (skipWaitWhenUnmapped);
 *  - reuse-after-truncate: the truncated file's blocks belong to another file when the DMA lands.
 */
import { describe, expect, test } from 'vitest';
import type { PolicyName } from '@leasebreak/model';
import { DeterministicRuntime } from '@leasebreak/runtime';
import { buildReport, plan, type Scenario } from '../src/index.js';
import type { DioReaderOutput } from '../src/programs/dio-reader.js';
import type { FileWriterOutput } from '../src/programs/file-writer.js';
import type { TruncatorOutput } from '../src/programs/truncator.js';
import { builtin, dmaClasses, layoutChanges, output, pidOf, runRace } from './race-helpers.js';

const SEEDS = [1, 2, 3, 4];
/** Short runs: 150 ms of virtual time is dozens of reads and a hundred layout changes. */
const DURATION_US = 150_000;

async function runSeeds(s: Scenario, policy: PolicyName) {
  const out = [];
  for (const seed of SEEDS) out.push(await runRace(s, policy, { seed, durationUs: DURATION_US }));
  return out;
}

describe('truncate-vs-dio', () => {
  const s = builtin('truncate-vs-dio');

  test('the built-in loads with the race programs and their defaults', () => {
    expect(s.processes.map((p) => (p.kind === 'workload' ? p.workload : 'steps'))).toEqual(['dio-reader', 'truncator', 'file-writer']);
    const reader = s.processes[0]!;
    expect(reader.kind === 'workload' && reader.with).toEqual({ file: '/pmem/a', pages: 16, chunk: 65536, inFlight: 2000, rate: 0, munmap: false });
    const trunc = s.processes[1]!;
    expect(trunc.kind === 'workload' && trunc.with).toEqual({ file: '/pmem/a', ops: ['truncate-down'], rate: 1000, pages: 16, restore: true });
    expect(s.kernel).toEqual({ pmem: 4 * 1024 * 1024 });
  });

  test('no-break: blocks freed under DMA go to other files (corruption) or stay free (lostWrite)', async () => {
    const runs = await runSeeds(s, 'no-break');
    let misses = 0;
    for (const r of runs) {
      const c = dmaClasses(r);
      misses += c.corruption + c.lostWrite;
      // Nothing waits without a layout break.
      expect(layoutChanges(r, 'truncator').every((e) => !e.waited && e.errno === null)).toBe(true);
      const t = output<TruncatorOutput>(r, 'truncator');
      expect(t.done && t.count > 0 && t.ok === t.count).toBe(true);
      // The DMA was aimed at /pmem/a; the victims of corruption are the writer's files.
      for (const d of c.all) expect(r.audit.paths[d.intended.ino]).toBe('/pmem/a');
      for (const d of c.all) if (d.owner.ino > 0 && d.owner.ino !== d.intended.ino) expect(['/pmem/b', '/pmem/c']).toContain(r.audit.paths[d.owner.ino]);
      expect(output<DioReaderOutput>(r, 'reader').ok).toBeGreaterThan(0);
      // The model stays consistent: no pin outlives its I/O, fsck is clean.
      expect(r.audit.pinsHeld).toBe(0);
      expect(r.audit.fsck).toEqual([]);
    }
    expect(misses).toBeGreaterThan(0);
    const r0 = runs.find((r) => dmaClasses(r).corruption > 0)!;
    expect(r0, 'at least one seed corrupts another file').toBeDefined();
    const rep = buildReport(s, 'no-break', r0, null);
    expect(rep.outcomes.corruption).toBeGreaterThan(0);
  });

  test('ext4-4.19: the truncates wait for the pinned pages, and no DMA misses its block (delayed-ok)', async () => {
    const runs = await runSeeds(s, 'ext4-4.19');
    for (const r of runs) {
      expect(dmaClasses(r).all).toEqual([]);
      const truncates = layoutChanges(r, 'truncator').filter((e) => e.op === 'truncate');
      expect(truncates.some((e) => e.waited && e.errno === null)).toBe(true);
      expect(truncates.every((e) => e.errno === null)).toBe(true);
      // Each wait was for a page the reader had pinned.
      const waits = r.events.filter((e) => e.kind === 'dax.busy' && e.pid === pidOf(r, 'truncator'));
      expect(waits.length).toBeGreaterThan(0);
      const t = output<TruncatorOutput>(r, 'truncator');
      expect(t.errnos).toEqual({});
      expect(t.informed).toEqual({ EINTR: 0, ETXTBSY: 0, EPERM: 0, EOPNOTSUPP: 0 });
      expect(t.latency!.max).toBeGreaterThan(0); // a truncate that waited took virtual time
      const rep = buildReport(s, 'ext4-4.19', r, null);
      expect(rep.outcomes.corruption + rep.outcomes.lostWrite + rep.outcomes.staleOffset).toBe(0);
      expect(rep.outcomes.delayedOk).toBeGreaterThan(0);
    }
  });

  test('same seed, same run', async () => {
    const a = await runRace(s, 'no-break', { seed: 7, durationUs: 50_000 });
    const b = await runRace(s, 'no-break', { seed: 7, durationUs: 50_000 });
    expect(a.eventHash).toBe(b.eventHash);
  });

  test('the writer really allocates: its files see blocks the truncator freed', async () => {
    const r = await runRace(s, 'no-break', { seed: 1, durationUs: DURATION_US });
    const w = output<FileWriterOutput>(r, 'writer');
    expect(w.ok).toBe(w.count);
    expect(w.truncates.count).toBeGreaterThan(0);
    expect(Object.keys(w.perFile).sort()).toEqual(['/pmem/b', '/pmem/c']);
  });
});

describe('insert-vs-dio', () => {
  const s = builtin('insert-vs-dio');

  test('ext4-v3-2018: insert range does not wait; the DMA lands in the same file at the shifted block (staleOffset)', async () => {
    const runs = await runSeeds(s, 'ext4-v3-2018');
    let shifted = 0;
    for (const r of runs) {
      const inserts = layoutChanges(r, 'truncator').filter((e) => e.op === 'insert');
      expect(inserts.length).toBeGreaterThan(0);
      expect(inserts.every((e) => !e.waited)).toBe(true);
      const c = dmaClasses(r);
      // Insert moves blocks, it frees none: every miss is in the same file, at a higher block.
      // (The restore's truncate back to 16 pages waits under v3, so nothing is freed under DMA.)
      expect(c.corruption + c.lostWrite).toBe(0);
      for (const d of c.all) {
        expect(d.owner.ino).toBe(d.intended.ino);
        expect(d.owner.index).toBeGreaterThan(d.intended.index);
      }
      shifted += c.staleOffset;
    }
    expect(shifted).toBeGreaterThan(0);
  });

  test('ext4-4.19: insert range waits too; no DMA misses its block', async () => {
    const runs = await runSeeds(s, 'ext4-4.19');
    for (const r of runs) {
      expect(dmaClasses(r).all).toEqual([]);
      const inserts = layoutChanges(r, 'truncator').filter((e) => e.op === 'insert');
      expect(inserts.length).toBeGreaterThan(0);
      expect(inserts.every((e) => e.errno === null)).toBe(true);
    }
    expect(runs.some((r) => layoutChanges(r, 'truncator').some((e) => e.op === 'insert' && e.waited))).toBe(true);
  });
});

describe('pin-then-munmap', () => {
  const s = builtin('pin-then-munmap');

  test('ext4-4.19 (skipWaitWhenUnmapped): the unmapped file is not scanned, pinned blocks are freed', async () => {
    let misses = 0;
    for (const seed of [1, 2]) {
      const r = await runRace(s, 'ext4-4.19', { seed, durationUs: DURATION_US });
      const c = dmaClasses(r);
      misses += c.corruption + c.lostWrite;
      const reader = output<DioReaderOutput>(r, 'reader');
      expect(reader.unmappedInFlight).toBeGreaterThan(0);
      // Every asynchronous read completed and dropped its pin.
      expect(r.audit.pinsHeld).toBe(0);
      expect(r.audit.fsck).toEqual([]);
    }
    expect(misses).toBeGreaterThan(0);
  });

  test('mainline (6.15): unmapped pinned pages are waited for', async () => {
    for (const seed of [1, 2]) {
      const r = await runRace(s, 'mainline', { seed, durationUs: DURATION_US });
      expect(dmaClasses(r).all).toEqual([]);
      expect(layoutChanges(r, 'truncator').some((e) => e.waited)).toBe(true);
    }
  });
});

describe('reuse-after-truncate', () => {
  const s = builtin('reuse-after-truncate');

  test('no-break: the emptied file’s blocks belong to /pmem/b when the DMA lands', async () => {
    const r = await runRace(s, 'no-break', { seed: 1 });
    const c = dmaClasses(r);
    expect(c.corruption).toBeGreaterThan(0);
    const b = r.events.find((e) => e.kind === 'dma.write' && e.owner.ino > 0 && e.owner.ino !== e.intended.ino);
    expect(b).toBeDefined();
  });

  test('mainline: the truncates wait for the DMA; the scripted truncater’s expectations hold', async () => {
    const p = plan(s, 'mainline', { seed: 1, durationUs: s.duration });
    const rt = new DeterministicRuntime();
    const r = await rt.run(p.spec);
    expect(r.status).toBe('ok');
    expect(dmaClasses(r).all).toEqual([]);
    const rep = buildReport(s, 'mainline', r, rt.lastSchedule);
    expect(rep.expectations.length).toBeGreaterThan(0);
    expect(rep.expectations.every((e) => e.ok)).toBe(true);
    expect(rep.outcomes.delayedOk).toBeGreaterThan(0);
  });
});
