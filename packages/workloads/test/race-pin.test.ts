/**
 * The long-term-pin built-ins (an RDMA MR through the NIC daemon, against the truncator), under
 * the deterministic runtime with short durations: the outcome classes per policy of
 * kernel-semantics §7, from the report the checker builds.
 */
import { describe, expect, test } from 'vitest';
import type { PolicyName } from '@leasebreak/model';
import { buildReport, type Report } from '../src/index.js';
import type { ScriptOutput } from '../src/programs/script.js';
import { builtin, output, pidOf, runRace } from './race-helpers.js';

async function outcomes(name: string, policy: PolicyName, durationUs: number): Promise<{ report: Report; r: Awaited<ReturnType<typeof runRace>> }> {
  const s = builtin(name);
  const r = await runRace(s, policy, { seed: 1, durationUs });
  return { report: buildReport(s, policy, r, null), r };
}

const violations = (o: Report['outcomes']): number => o.corruption + o.dataLeak + o.staleOffset + o.lostWrite;

describe('truncate-vs-pin', () => {
  test('no-break: plain GUP pins, truncate frees: the NIC writes into other files or free blocks', async () => {
    const { report } = await outcomes('truncate-vs-pin', 'no-break', 60_000);
    expect(report.outcomes.corruption + report.outcomes.lostWrite).toBeGreaterThan(0);
  });

  test('mainline: registration refused (EOPNOTSUPP), nothing corrupt', async () => {
    const { report } = await outcomes('truncate-vs-pin', 'mainline', 60_000);
    expect(report.outcomes.informedFailure.EOPNOTSUPP).toBeGreaterThan(0);
    expect(violations(report.outcomes)).toBe(0);
  });

  test('ira-rfc-2019: registration under a layout lease; the holder releases on the break, nothing corrupt', async () => {
    const { report } = await outcomes('truncate-vs-pin', 'ira-rfc-2019', 60_000);
    expect(violations(report.outcomes)).toBe(0);
    expect(report.outcomes.hang).toBe(0);
  });
});

describe('insert-vs-pin', () => {
  test('no-break: pinned blocks shift under the NIC (staleOffset)', async () => {
    const { report } = await outcomes('insert-vs-pin', 'no-break', 40_000);
    expect(report.outcomes.staleOffset).toBeGreaterThan(0);
  });
});

/** Did the rdma-writer register its MR before the truncater's truncate started? */
function registeredFirst(r: Awaited<ReturnType<typeof runRace>>): boolean {
  const reg = r.events.findIndex((e) => e.kind === 'mr.reg');
  const trunc = r.events.findIndex((e) => e.kind === 'syscall.enter' && e.op === 'truncate');
  return reg >= 0 && trunc >= 0 && reg < trunc;
}

describe('holder-ignores-break (threads runtime: the NIC daemon is costly to step in virtual time)', () => {
  for (const policy of ['ira-rfc-2019', 'jan-keep-lease'] as const) {
    test(`${policy}: the truncate's layout break waits lease-break-time, then fails ETXTBSY on the pinned pages`, async () => {
      const s = builtin('holder-ignores-break');
      // A 400 ms watchdog instead of 2 s: see race-threads.test.ts (the truncate blocks 100 ms).
      // The truncater waits at barrier "registered" for the writer's ibv_reg_mr: the MR exists
      // before the truncate however late the writer's thread starts.
      const r = await runRace(s, policy, { seed: 1, mode: 'threads', kernel: { hungTaskTimeout: 400_000 } });
      expect(registeredFirst(r)).toBe(true);
      const report = buildReport(s, policy, r, null);
      const steps = output<ScriptOutput>(r, 'truncater').steps;
      expect(steps.map((x) => x.op)).toEqual(['barrier', 'truncate']);
      const t = steps.find((x) => x.op === 'truncate')!;
      expect(t.errno).toBe('ETXTBSY');
      expect(t.endUs - t.startUs).toBeGreaterThanOrEqual(100_000); // leaseBreakTime: 100ms
      expect(report.outcomes.informedFailure.ETXTBSY).toBe(1);
      expect(violations(report.outcomes)).toBe(0);
      expect(r.events.some((e) => e.kind === 'lease.break.done' && e.result === 'timedOut')).toBe(true);
    }, 10_000);
  }

  test('mainline: a refused registration opens the barrier too; the truncate does not wait out the retries', async () => {
    // Deterministic: the order below is exact. The writer retries ibv_reg_mr every 10 ms for its
    // whole duration; the truncater goes on after the first refusal.
    const s = builtin('holder-ignores-break');
    const r = await runRace(s, 'mainline', { seed: 1, durationUs: 60_000 });
    const rdma = pidOf(r, 'rdma');
    const at = (f: (e: (typeof r.events)[number]) => boolean): number[] => r.events.flatMap((e, i) => (f(e) ? [i] : []));
    const regExits = at((e) => e.kind === 'syscall.exit' && e.pid === rdma && e.op === 'ibv_reg_mr');
    const truncate = at((e) => e.kind === 'syscall.enter' && e.op === 'truncate');
    expect(regExits.length).toBeGreaterThan(2);
    expect(r.events[regExits[0]!]).toMatchObject({ errno: 'EOPNOTSUPP' });
    expect(truncate).toHaveLength(1);
    expect(truncate[0]!).toBeGreaterThan(regExits[0]!);
    expect(truncate[0]!).toBeLessThan(regExits[1]!);
    expect(output<ScriptOutput>(r, 'truncater').steps.find((x) => x.op === 'truncate')!.errno).toBeNull();
  });
});
