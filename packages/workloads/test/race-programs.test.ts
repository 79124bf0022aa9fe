/**
 * The race stress programs themselves: their `with:` validators (unknown keys, files that are not
 * the scenario's, defaults), the truncator's full mix of operations next to an mmap-writer, and
 * its interruption by alarm(2) (`signalAfter`) and by another process's SIGUSR1.
 */
import { describe, expect, test } from 'vitest';
import { WORKLOAD_VALIDATORS, buildReport, loadScenario } from '../src/index.js';
import type { MmapWriterOutput } from '../src/programs/mmap-writer.js';
import type { TruncatorOutput } from '../src/programs/truncator.js';
import { TRUNCATOR_OPS } from '../src/programs/validators.js';
import { dmaClasses, layoutChanges, output, runRace, scenarioText } from './race-helpers.js';

const FILES = `files:
  - { path: /pmem/a, size: 64KiB }
  - { path: /pmem/b, size: 32KiB }
`;

function withOne(workload: string, w: string): string {
  return `${FILES}processes:\n  - name: p\n    workload: ${workload}\n    with: ${w}\n`;
}

function errorsOf(text: string): string[] {
  const r = loadScenario(text, 'race.yaml', { workloads: WORKLOAD_VALIDATORS });
  if (r.ok) throw new Error('expected errors, the scenario loaded');
  return r.errors.map((e) => `${e.path}: ${e.message}`);
}

function optionsOf(workload: string, w: string): Readonly<Record<string, unknown>> {
  const s = scenarioText(withOne(workload, w));
  const p = s.processes[0]!;
  if (p.kind !== 'workload') throw new Error('not a workload');
  return p.with;
}

describe('with: validators of the race programs', () => {
  test('defaults are filled in: pages from the file, durations in µs, sizes in bytes', () => {
    expect(optionsOf('truncator', '{ file: /pmem/a }')).toEqual({ file: '/pmem/a', ops: [...TRUNCATOR_OPS], rate: 0, pages: 16, restore: true });
    expect(optionsOf('truncator', '{ file: /pmem/b, ops: [punch, insert, punch], signalAfter: 5ms, restore: false, rate: 200, pages: 4 }')).toEqual({
      file: '/pmem/b',
      ops: ['punch', 'insert'],
      rate: 200,
      pages: 4,
      restore: false,
      signalAfter: 5000,
    });
    expect(optionsOf('file-writer', '{ files: [/pmem/b] }')).toEqual({ files: ['/pmem/b'], pages: 16, rate: 0 });
    expect(optionsOf('mmap-writer', '{ file: /pmem/b, rate: 50 }')).toEqual({ file: '/pmem/b', pages: 8, rate: 50 });
    expect(optionsOf('dio-reader', '{ file: /pmem/a, chunk: 8KiB, inFlight: 500us }')).toEqual({ file: '/pmem/a', pages: 16, chunk: 8192, inFlight: 500, rate: 0, munmap: false });
  });

  test('unknown keys are errors that name the allowed ones', () => {
    expect(errorsOf(withOne('truncator', '{ file: /pmem/a, op: punch }'))).toEqual([
      'processes[0].with.op: truncator: unknown option "op" (did you mean ops?); allowed: file, ops, rate, pages, restore, signalAfter',
    ]);
    expect(errorsOf(withOne('file-writer', '{ files: [/pmem/b], file: /pmem/a }'))[0]).toContain('allowed: files, pages, rate');
    expect(errorsOf(withOne('mmap-writer', '{ file: /pmem/a, chunk: 4KiB }'))[0]).toContain('allowed: file, pages, rate');
    expect(errorsOf(withOne('dio-reader', '{ file: /pmem/a, inflight: 1ms }'))[0]).toContain('(did you mean inFlight?); allowed: file, pages, chunk, inFlight, rate, munmap');
  });

  test('files must be the scenario’s files', () => {
    expect(errorsOf(withOne('truncator', '{ file: /pmem/c }'))[0]).toBe(
      'processes[0].with.file: truncator: file "/pmem/c" is not one of the scenario\'s files (did you mean /pmem/a?); the scenario\'s files: /pmem/a, /pmem/b',
    );
    expect(errorsOf(withOne('file-writer', '{ files: [/pmem/b, /tmp/x] }'))[0]).toContain('file "/tmp/x" is not one of the scenario\'s files');
    expect(errorsOf(withOne('dio-reader', '{ pages: 4 }'))[0]).toContain('missing required option "file"');
    expect(errorsOf(withOne('file-writer', '{ pages: 4 }'))[0]).toContain('missing required option "files"');
  });

  test('bad values say what is allowed', () => {
    expect(errorsOf(withOne('truncator', '{ file: /pmem/a, ops: [truncate, zero] }'))[0]).toContain('unknown op "truncate"');
    expect(errorsOf(withOne('truncator', '{ file: /pmem/a, ops: [] }'))[0]).toContain('a non-empty list of truncate-down, truncate-up, punch, collapse, insert, zero');
    expect(errorsOf(withOne('truncator', '{ file: /pmem/a, signalAfter: 0 }'))[0]).toContain('signalAfter must be longer than 0');
    expect(errorsOf(withOne('truncator', '{ file: /pmem/a, rate: -1 }'))[0]).toContain('rate');
    expect(errorsOf(withOne('mmap-writer', '{ file: /pmem/a, pages: 0 }'))[0]).toContain('expected pages: a whole number of 4 KiB pages');
    expect(errorsOf(withOne('dio-reader', '{ file: /pmem/b, chunk: 64KiB }'))[0]).toContain('chunk (65536 bytes) is larger than the buffer');
    expect(errorsOf(withOne('dio-reader', '{ file: /pmem/a, inFlight: 2 parsecs }'))[0]).toContain('invalid inFlight');
  });
});

const MIX = (policy: string) => `name: mix
policy: ${policy}
kernel: { pmem: 4MiB }
files:
  - { path: /pmem/a, size: 64KiB }
  - { path: /pmem/b, size: 64KiB }
processes:
  - name: reader
    workload: dio-reader
    with: { file: /pmem/a, chunk: 16KiB, inFlight: 1ms }
  - name: cpu
    workload: mmap-writer
    with: { file: /pmem/a, rate: 5000 }
  - name: truncator
    workload: truncator
    with: { file: /pmem/a, rate: 2000 }
  - name: writer
    workload: file-writer
    with: { files: [/pmem/b] }
duration: 150ms
`;

describe('truncator: every operation, next to DIO and CPU stores', () => {
  test('ext4-4.19: all six operations run, the model stays consistent, and no DMA misses', async () => {
    const s = scenarioText(MIX('ext4-4.19'));
    const r = await runRace(s, 'ext4-4.19', { seed: 3 });
    const t = output<TruncatorOutput>(r, 'truncator');
    for (const op of TRUNCATOR_OPS) expect(t.byOp[op]!.count, op).toBeGreaterThan(0);
    expect(t.count).toBe(t.op.length);
    expect(t.latencyNs).toHaveLength(t.count);
    expect(t.restores.count).toBeGreaterThan(0);
    expect(t.restores.errnos).toEqual({});
    expect(dmaClasses(r).all).toEqual([]);
    expect(r.audit.fsck).toEqual([]);
    expect(r.audit.pinsHeld).toBe(0);
    // CPU stores go through the page tables: past EOF they fault (SIGBUS, handled) — never stale.
    const m = output<MmapWriterOutput>(r, 'cpu');
    expect(m.done).toBe(true);
    expect(m.count).toBeGreaterThan(0);
    expect(m.ok + (m.errnos['EFAULT'] ?? 0)).toBe(m.count);
    expect(m.faults['SIGBUS'] ?? 0).toBe(m.errnos['EFAULT'] ?? 0);
    expect(r.processes.every((p) => p.exit === 0)).toBe(true);
  });

  test('no-break: the same mix frees and moves blocks under DMA', async () => {
    const s = scenarioText(MIX('no-break'));
    const r = await runRace(s, 'no-break', { seed: 3 });
    const c = dmaClasses(r);
    expect(c.all.length).toBeGreaterThan(0);
    expect(r.audit.fsck).toEqual([]);
  });
});

const INTERRUPTED = `name: interrupted
policy: ext4-4.19
kernel: { pmem: 4MiB }
files:
  - { path: /pmem/a, size: 64KiB }
processes:
  - name: reader
    workload: dio-reader
    with: { file: /pmem/a, inFlight: 40ms }
  - name: truncator
    workload: truncator
    with: { file: /pmem/a, ops: [truncate-down, punch], rate: 50, signalAfter: 5ms }
  - name: poker
    steps:
      - { sleep: 25ms }
      - { kill: truncator, signo: SIGUSR1 }
duration: 200ms
`;

describe('truncator: being interrupted', () => {
  test('signalAfter arms alarm(2): a layout change stuck behind a 40 ms pin fails EINTR, counted, and frees nothing', async () => {
    const s = scenarioText(INTERRUPTED);
    const r = await runRace(s, 'ext4-4.19', { seed: 1 });
    const t = output<TruncatorOutput>(r, 'truncator');
    expect(t.signalAfter).toBe(5000);
    expect(t.informed.EINTR).toBeGreaterThan(0);
    expect(t.errnos['EINTR']).toBe(t.informed.EINTR);
    expect(t.signals['SIGALRM']).toBeGreaterThan(0);
    // An interrupted wait returns before any block is freed (kernel-semantics §3.3).
    const failed = layoutChanges(r, 'truncator').filter((e) => e.errno === 'EINTR');
    expect(failed.length).toBeGreaterThan(0);
    expect(failed.every((e) => e.waited)).toBe(true);
    expect(dmaClasses(r).all).toEqual([]);
    // Each EINTR came ~5 ms into its wait.
    const eintrLatency = t.latencyNs.filter((_, i) => t.errno[i] === 'EINTR');
    for (const l of eintrLatency) expect(l).toBeGreaterThanOrEqual(5e6);
    const rep = buildReport(s, 'ext4-4.19', r, null);
    expect(rep.outcomes.informedFailure.EINTR).toBeGreaterThanOrEqual(t.informed.EINTR);
  });

  test('another process’s SIGUSR1 interrupts the current operation, not the program', async () => {
    const s = scenarioText(INTERRUPTED.replace(', signalAfter: 5ms', ''));
    const r = await runRace(s, 'ext4-4.19', { seed: 1 });
    const t = output<TruncatorOutput>(r, 'truncator');
    expect(t.signalAfter).toBeNull();
    expect(t.signals).toEqual({ SIGUSR1: 1 });
    expect(t.informed.EINTR).toBe(1);
    expect(r.processes.find((p) => p.name === 'truncator')!.exit).toBe(0);
  });
});
