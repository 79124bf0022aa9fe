/**
 * The long-term-pin built-ins (an RDMA MR through the NIC daemon, against the truncator), under
 * the deterministic runtime with short durations: the outcome classes per policy of
 * kernel-semantics §7, from the report the checker builds.
 */
import { describe, expect, test } from 'vitest';
import type { PolicyName } from '@leasebreak/model';
import { buildReport, type Report } from '../src/index.js';
import type { ScriptOutput } from '../src/programs/script.js';
import { builtin, output, runRace } from './race-helpers.js';

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
      // Precondition: the MR is registered before the truncate (workers start at slightly
      // different times; under a loaded machine the truncater may come first): else run again.
      let r = await runRace(s, policy, { seed: 1, mode: 'threads', kernel: { hungTaskTimeout: 400_000 } });
      for (let again = 0; again < 3 && !registeredFirst(r); again++) {
        r = await runRace(s, policy, { seed: 2 + again, mode: 'threads', kernel: { hungTaskTimeout: 400_000 } });
      }
      expect(registeredFirst(r)).toBe(true);
      const report = buildReport(s, policy, r, null);
      const steps = output<ScriptOutput>(r, 'truncater').steps;
      const t = steps.find((x) => x.op === 'truncate')!;
      expect(t.errno).toBe('ETXTBSY');
      expect(t.endUs - t.startUs).toBeGreaterThanOrEqual(100_000); // leaseBreakTime: 100ms
      expect(report.outcomes.informedFailure.ETXTBSY).toBe(1);
      expect(violations(report.outcomes)).toBe(0);
      expect(r.events.some((e) => e.kind === 'lease.break.done' && e.result === 'timedOut')).toBe(true);
    }, 10_000);
  }
});
