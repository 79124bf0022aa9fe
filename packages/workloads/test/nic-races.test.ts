/**
 * The NIC daemon and the rdma-writer / rdma-reader programs against the kernel's policies, under
 * the deterministic runtime: a long-term pin whose blocks are truncated away and given to another
 * file (no-break: the NIC's DMA corrupts that file, or leaks it to the peer), refused
 * registrations (mainline, ira-rfc-2019 without a layout lease), the layout lease's break, and
 * on-demand paging (never a violation; past EOF the work request fails).
 */
import { describe, expect, test } from 'vitest';
import { Pmem, readStamp } from '@leasebreak/model';
import { PAGE_OF, inoOf, nicOut, pidOf, rdmaOut, runDet, scriptOut } from './nic-helpers.js';

/**
 * A writer (or reader) streams over /pmem/a's 16 pages; at 2 ms the truncater empties /pmem/a; at
 * 3 ms the filler writes 16 pages into /pmem/b (the allocator hands out the blocks just freed),
 * then reads its first bytes back.
 */
function race(o: { workload?: string; with?: string; truncate?: boolean; fill?: boolean; truncateTo?: string; kernel?: string; duration?: string } = {}): string {
  return `
name: rdma-race
kernel: { pmem: 512KiB${o.kernel ?? ''} }
files:
  - { path: /pmem/a, size: 64KiB }
  - { path: /pmem/b, size: 0 }
processes:
  - name: rdma
    workload: ${o.workload ?? 'rdma-writer'}
    with: { file: /pmem/a, pages: 16${o.with ?? ''} }
${
  o.truncate === false
    ? ''
    : `  - name: truncater
    steps:
      - { sleep: 2ms }
      - { truncate: /pmem/a, length: ${o.truncateTo ?? '0'} }
`
}${
    o.fill === false
      ? ''
      : `  - name: filler
    steps:
      - { sleep: 3ms }
      - { open: /pmem/b, flags: O_RDWR, as: fd }
      - { repeat: 16, steps: [ { write: fd, data: "${PAGE_OF('f')}" } ] }
      - { sleep: 1ms }
      - { pread: fd, length: 16, offset: 0 }
`
  }duration: ${o.duration ?? '6ms'}
mode: deterministic
`;
}

describe('no-break: a long-term pin outlives truncate', () => {
  test('the NIC writes into blocks now owned by another file: corruption with evidence naming the victim', async () => {
    const { r, report } = await runDet(race(), 'no-break');
    const nic = nicOut(r);
    const w = rdmaOut(r, 'rdma');
    const a = inoOf(r, '/pmem/a');
    const b = inoOf(r, '/pmem/b');
    expect(w.registrations).toBe(1);
    expect(w.regErrnos).toEqual({});
    expect(w.completions['ok']).toBeGreaterThan(100);
    // Between the truncate and the reuse the blocks were free: lost writes; then corruption.
    expect(nic.classes.lostWrite).toBeGreaterThan(0);
    expect(nic.classes.corruption).toBeGreaterThan(0);
    expect(nic.classes.dataLeak).toBe(0);
    const v = nic.violations.find((x) => x.class === 'corruption')!;
    expect(v).toMatchObject({ op: 'write', victim: { ino: b }, writer: { pid: pidOf(r, 'rdma'), mr: w.mrKeys[0] }, intended: { ino: a } });
    expect(v.victim.index).toBeGreaterThanOrEqual(0);
    expect(v.victim.index).toBeLessThan(16);
    expect(v.intended.index).toBeLessThan(16);
    expect(v.atNs).toBeGreaterThan(3e6);
    // The victim's own bytes now begin with the NIC's stamp.
    const filler = scriptOut(r, 'filler');
    expect(filler.steps.find((st) => st.op === 'pread')!.data!.startsWith('LBS1')).toBe(true);
    // Every block of /pmem/b carries a stamp saying it was meant for /pmem/a.
    const pm = Pmem.attach(r.pmem);
    const fileB = r.audit.files.find((f) => f.path === '/pmem/b')!;
    let stamped = 0;
    for (const e of fileB.extents) {
      for (let i = 0; i < e.len; i++) {
        const s = readStamp(pm.frame(e.pblk + i), 0);
        if (s === null) continue;
        stamped++;
        expect(s).toMatchObject({ writer: pidOf(r, 'rdma'), source: w.mrKeys[0], ino: a, offset: 0 });
      }
    }
    expect(stamped).toBeGreaterThan(0);
    // The report folds the NIC's records in: outcomes and violations with paths and processes.
    expect(report.outcomes.corruption).toBe(nic.classes.corruption);
    expect(report.violations.find((x) => x.class === 'corruption')).toMatchObject({ victim: { path: '/pmem/b' }, writer: { process: 'rdma' }, intended: { path: '/pmem/a' } });
  });

  test('control: without the truncate every DMA lands where it was meant to', async () => {
    const { r, report } = await runDet(race({ truncate: false }), 'no-break');
    const nic = nicOut(r);
    expect(nic.classes.ok).toBeGreaterThan(100);
    expect(nic.violations).toEqual([]);
    expect(nic.classes).toMatchObject({ corruption: 0, lostWrite: 0, dataLeak: 0, staleOffset: 0 });
    expect(report.outcomes.corruption).toBe(0);
    expect(scriptOut(r, 'filler').steps.find((st) => st.op === 'pread')!.data).toBe('f'.repeat(16));
  });

  test('rdma-reader: the peer reads another file\'s blocks — dataLeak', async () => {
    const { r, report } = await runDet(race({ workload: 'rdma-reader' }), 'no-break');
    const nic = nicOut(r);
    const b = inoOf(r, '/pmem/b');
    expect(rdmaOut(r, 'rdma').workload).toBe('rdma-reader');
    expect(nic.classes.dataLeak).toBeGreaterThan(0);
    expect(nic.classes.corruption).toBe(0);
    expect(nic.classes.lostWrite).toBe(0);
    expect(nic.read.pages).toBeGreaterThan(0);
    expect(nic.write.pages).toBe(0);
    expect(nic.violations.find((x) => x.class === 'dataLeak')).toMatchObject({ op: 'read', victim: { ino: b }, intended: { ino: inoOf(r, '/pmem/a') } });
    // Reads leave the victim's data alone.
    expect(scriptOut(r, 'filler').steps.find((st) => st.op === 'pread')!.data).toBe('f'.repeat(16));
    expect(report.outcomes.dataLeak).toBe(nic.classes.dataLeak);
  });
});

describe('mainline: FOLL_LONGTERM on fsdax is refused', () => {
  test('ibv_reg_mr fails EOPNOTSUPP, retried every 10 ms; no DMA, no violation', async () => {
    const { r, report } = await runDet(race({ duration: '45ms' }), 'mainline');
    const w = rdmaOut(r, 'rdma');
    expect(w.registrations).toBe(0);
    expect(w.firstRegErrno).toBe('EOPNOTSUPP');
    expect(w.regErrnos['EOPNOTSUPP']).toBe(w.regAttempts);
    expect(w.regAttempts).toBeGreaterThanOrEqual(4);
    expect(w.regAttempts).toBeLessThanOrEqual(6);
    expect(w.posted).toBe(0);
    expect(nicOut(r).wrs).toBe(0);
    expect(report.outcomes.informedFailure.EOPNOTSUPP).toBe(w.regAttempts);
  });

  test('retryRegister: false tries once', async () => {
    const { r } = await runDet(race({ with: ', retryRegister: false', duration: '45ms' }), 'mainline');
    expect(rdmaOut(r, 'rdma')).toMatchObject({ regAttempts: 1, registrations: 0, regErrnos: { EOPNOTSUPP: 1 } });
  });
});

describe('ira-rfc-2019: long-term pins need a layout lease', () => {
  test('without a layout lease ibv_reg_mr fails EPERM', async () => {
    const { r, report } = await runDet(race({ with: ', layoutLease: never', truncate: false, fill: false }), 'ira-rfc-2019');
    const w = rdmaOut(r, 'rdma');
    expect(w).toMatchObject({ leaseNeeded: false, leaseTakes: 0, registrations: 0, firstRegErrno: 'EPERM' });
    expect(report.outcomes.informedFailure.EPERM).toBe(w.regAttempts);
  });

  test('with one (layoutLease auto) it succeeds and the NIC streams cleanly', async () => {
    const { r } = await runDet(race({ truncate: false, fill: false }), 'ira-rfc-2019');
    const w = rdmaOut(r, 'rdma');
    expect(w).toMatchObject({ leaseNeeded: true, leaseTakes: 1, registrations: 1, regErrnos: {}, leaseReleases: 1 });
    expect(w.completions['ok']).toBeGreaterThan(100);
    expect(Object.keys(w.completions)).toEqual(['ok']);
    expect(nicOut(r).violations).toEqual([]);
  });

  test('dereg-release: on the break the writer deregisters and unlocks; the truncate goes through; no corruption', async () => {
    const { r, report } = await runDet(race({ with: ', onSigio: dereg-release', kernel: ', leaseBreakTime: 50ms' }), 'ira-rfc-2019');
    const w = rdmaOut(r, 'rdma');
    const nic = nicOut(r);
    expect(w).toMatchObject({ sigio: 1, reactions: 1, registrations: 1, deregistrations: 1, leaseReleases: 1 });
    expect(scriptOut(r, 'truncater').steps.find((st) => st.op === 'truncate')).toMatchObject({ ret: 0, errno: null });
    expect(nic.classes).toMatchObject({ corruption: 0, lostWrite: 0, dataLeak: 0, staleOffset: 0 });
    expect(report.outcomes.corruption).toBe(0);
  });

  test('ignore: the lease times out, the pinned truncate fails ETXTBSY, the writer streams on', async () => {
    const { r } = await runDet(race({ kernel: ', leaseBreakTime: 1ms' }), 'ira-rfc-2019');
    const w = rdmaOut(r, 'rdma');
    expect(w).toMatchObject({ sigio: 1, reactions: 0, registrations: 1 });
    expect(scriptOut(r, 'truncater').steps.find((st) => st.op === 'truncate')).toMatchObject({ errno: 'ETXTBSY' });
    expect(nicOut(r).violations).toEqual([]);
  });

  test('dereg-release-retake: after the break the writer takes the lease again and registers again', async () => {
    const { r } = await runDet(race({ with: ', onSigio: dereg-release-retake', truncateTo: '64KiB', fill: false, kernel: ', leaseBreakTime: 50ms' }), 'ira-rfc-2019');
    const w = rdmaOut(r, 'rdma');
    expect(w.sigio).toBeGreaterThanOrEqual(1);
    expect(w.registrations).toBeGreaterThanOrEqual(2);
    expect(w.leaseTakes).toBeGreaterThanOrEqual(2);
    expect(new Set(w.mrKeys).size).toBe(w.mrKeys.length);
    expect(nicOut(r).violations).toEqual([]);
  });
});

describe('odp: no pins, the NIC refaults by file offset', () => {
  test('no violation ever; past the new EOF the work requests complete in error', async () => {
    const { r, report } = await runDet(race({ truncateTo: '32KiB' }), 'odp');
    const nic = nicOut(r);
    const w = rdmaOut(r, 'rdma');
    expect(w.registrations).toBe(1);
    expect(nic.faults).toBeGreaterThan(16);
    expect(nic.classes).toMatchObject({ corruption: 0, lostWrite: 0, dataLeak: 0, staleOffset: 0 });
    expect(nic.classes.ok).toBeGreaterThan(100);
    expect(nic.violations).toEqual([]);
    expect(w.completions['ok']).toBeGreaterThan(100);
    expect(w.completions['EFAULT']).toBeGreaterThan(10);
    expect(nic.faultErrors['EFAULT']).toBe(w.completions['EFAULT']);
    expect(report.outcomes.corruption).toBe(0);
    // The filler's data is intact.
    expect(scriptOut(r, 'filler').steps.find((st) => st.op === 'pread')!.data).toBe('f'.repeat(16));
  });

  test('a scripted rdma_write past EOF fails EFAULT; inside the file it lands by offset', async () => {
    const yaml = `
files: [ { path: /pmem/a, size: 64KiB } ]
processes:
  - name: p
    steps:
      - { open: /pmem/a, flags: O_RDWR, as: fd }
      - { mmap: fd, length: 64KiB, as: buf }
      - { ibv_reg_mr: buf, as: mr, expect: ok }
      - { ftruncate: fd, length: 8KiB, expect: 0 }
      - { rdma_write: mr, offset: 16KiB, length: 4KiB, expect: EFAULT }
      - { rdma_write: mr, offset: 4KiB, length: 4KiB, expect: 0 }
      - { pread: fd, offset: 4KiB, length: 4 }
mode: deterministic
`;
    const { r } = await runDet(yaml, 'odp');
    const p = scriptOut(r, 'p');
    expect(p.expectations.filter((e) => !e.ok)).toEqual([]);
    expect(p.steps.at(-1)!.data).toBe('LBS1');
    expect(nicOut(r).violations).toEqual([]);
  });
});

