/**
 * The seed races through the CLI under real threads: the outcomes kernel-semantics §7 expects
 * per policy. The full 20-seed table is `leasebreak matrix --runs 20` (README); here a few seeds
 * of the cells that distinguish the designs.
 */
import { describe, expect, it } from 'vitest';
import { cliJson } from './cli.js';

interface Report {
  policy: string;
  seed: number;
  status: string;
  detail?: string;
  outcomes: { corruption: number; lostWrite: number; staleOffset: number; hang: number; delayedOk: number; informedFailure: Record<string, number> };
  violations: { class: string; pfn: number; victim: { path: string }; writer: { process: string; mr: number | null }; intended: { path: string }; policy: string; seed: number }[];
  pins: { leaked: number };
}

const asList = (j: Report | Report[]): Report[] => (Array.isArray(j) ? j : [j]);

describe('seed races under real threads', () => {
  it('truncate-vs-pin: no-break corrupts another file, with evidence; mainline refuses the pin; odp never corrupts', async () => {
    const r = await cliJson<Report[]>(['run', 'builtin:truncate-vs-pin', '--policy', 'no-break,mainline,odp', '--runs', '2', '--mode', 'threads']);
    const reports = asList(r.json);
    for (const rep of reports.filter((x) => x.policy === 'no-break')) {
      expect(rep.outcomes.corruption, `seed ${rep.seed}`).toBeGreaterThan(0);
      const v = rep.violations.find((x) => x.class === 'corruption')!;
      expect(v).toMatchObject({ victim: { path: '/pmem/b' }, intended: { path: '/pmem/a' }, writer: { process: 'rdma' }, policy: 'no-break', seed: rep.seed });
    }
    for (const rep of reports.filter((x) => x.policy === 'mainline')) {
      expect(rep.outcomes.informedFailure.EOPNOTSUPP).toBeGreaterThan(0);
      expect(rep.outcomes.corruption + rep.outcomes.lostWrite + rep.outcomes.staleOffset).toBe(0);
    }
    for (const rep of reports.filter((x) => x.policy === 'odp')) expect(rep.outcomes.corruption + rep.outcomes.lostWrite + rep.outcomes.staleOffset).toBe(0);
    for (const rep of reports) expect(rep.pins.leaked).toBe(0);
  });

  it('a forced long-term pin makes the 2018 kernels hang; the report names the pinner', async () => {
    const r = await cliJson<Report[]>(['run', 'builtin:truncate-vs-pin', '--policy', 'ext4-4.19,xfs-2018', '--kernel', 'allowLongtermPin=true', '--mode', 'threads']);
    expect(r.code).toBe(1); // "the run finishes" does not hold
    for (const rep of asList(r.json)) {
      expect(rep.outcomes.hang).toBeGreaterThan(0);
      expect(rep.detail).toMatch(/truncator .* waits for pfn \d+ .*rdma .* long-term \(FOLL_LONGTERM\) pin/);
    }
  });

  it('signalled while it waits for the pin, the truncate fails EINTR instead of hanging', async () => {
    const r = await cliJson<Report[]>(['run', 'races/truncate-vs-pin-signalled.yaml']);
    expect(r.code).toBe(0);
    for (const rep of asList(r.json)) {
      expect(rep.outcomes.informedFailure.EINTR).toBeGreaterThan(0);
      expect(rep.outcomes.hang).toBe(0);
    }
  });

  it('ira-rfc-2019: EPERM without a layout lease, ETXTBSY for a holder that ignores the break; never corruption', async () => {
    const a = asList((await cliJson<Report[]>(['run', 'builtin:holder-ignores-break', '--policy', 'ira-rfc-2019', '--runs', '2'])).json);
    for (const rep of a) {
      expect(rep.outcomes.informedFailure.ETXTBSY).toBeGreaterThan(0);
      expect(rep.outcomes.corruption).toBe(0);
    }
  });
});
