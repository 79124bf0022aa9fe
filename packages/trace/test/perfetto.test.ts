import { describe, expect, it } from 'vitest';
import { type ChromeTraceEvent, type SimEvent, toChromeTrace, validateChromeTrace, workRequestName } from '../src/index.js';
import { EVENTS, INPUT, NIC_INPUT } from './fixtures.js';

const trace = toChromeTrace(INPUT);
const evs = trace.traceEvents;
const find = (f: (e: ChromeTraceEvent) => boolean): ChromeTraceEvent => {
  const e = evs.find(f);
  if (e === undefined) throw new Error('no such event');
  return e;
};

describe('toChromeTrace', () => {
  it('is the object form with the run in otherData, and validates clean', () => {
    expect(trace.displayTimeUnit).toBe('ns');
    expect(trace.otherData).toMatchObject({ scenario: 'fixture', policy: 'mainline', seed: 3, mode: 'deterministic' });
    expect(trace.otherData.version).toMatch(/leasebreak/);
    expect(validateChromeTrace(trace)).toEqual([]);
    expect(validateChromeTrace(JSON.parse(JSON.stringify(trace)))).toEqual([]);
  });

  it('names one row per process, the kernel first and the NIC last', () => {
    const names = evs.filter((e) => e.ph === 'M' && e.name === 'process_name').map((e) => [e.pid, e.args!['name']]);
    expect(names).toEqual([
      [1, 'kernel'],
      [100, 'holder'],
      [101, 'breaker'],
      [102, 'nic0 (NIC)'],
    ]);
    const sort = Object.fromEntries(evs.filter((e) => e.ph === 'M' && e.name === 'process_sort_index').map((e) => [e.pid, e.args!['sort_index']]));
    expect(sort).toEqual({ 1: 0, 100: 1, 101: 2, 102: 3 });
    expect(evs.filter((e) => e.ph === 'M' && e.name === 'thread_name')).toHaveLength(4);
  });

  it('makes every syscall an X slice named after the kernel function, in µs, with args, ret and errno', () => {
    const open = find((e) => e.ph === 'X' && e.name === 'do_sys_open');
    expect(open).toMatchObject({ pid: 101, tid: 101, ts: 5, dur: 8, cat: 'syscall', args: { syscall: 'open', path: '/pmem/a', flags: 1, ret: 3, errno: null } });
    expect(find((e) => e.name === 'do_sigtimedwait')).toMatchObject({ pid: 100, ts: 2, dur: 6 });
    expect(find((e) => e.name === 'do_sys_truncate')).toMatchObject({ ts: 14.5, dur: 4.5 });
    expect(evs.filter((e) => e.name === 'do_fcntl').map((e) => [e.ts, e.dur])).toEqual([
      [0, 1],
      [9, 3.5],
    ]);
    // still running at the end: a slice to the end of the run
    expect(find((e) => e.name === 'hrtimer_nanosleep')).toMatchObject({ ts: 21, dur: 4, args: { unfinished: true, ns: 1e9 } });
  });

  it('nests the DAX busy-page wait in its syscall', () => {
    const wait = find((e) => e.ph === 'X' && e.name === 'ext4_break_layouts');
    expect(wait).toMatchObject({ pid: 101, ts: 15, dur: 3, cat: 'dax', args: { pfn: 2, result: 'idle' } });
  });

  it('draws lease held / breaking as async slices on the holder, keyed by the lease', () => {
    const lease = evs.filter((e) => e.cat === 'lease' && (e.ph === 'b' || e.ph === 'e')).map((e) => [e.ph, e.name, e.ts, e.pid, e.id]);
    expect(lease).toEqual([
      ['b', 'lease held', 1, 100, 7],
      ['e', 'lease held', 5, 100, 7],
      ['b', 'lease breaking', 5, 100, 7],
      ['e', 'lease breaking', 11, 100, 7],
    ]);
  });

  it('links breaker → signal → release → resume with one flow', () => {
    const flow = evs.filter((e) => e.cat === 'break').map((e) => [e.ph, e.pid, e.ts, e.id]);
    expect(flow).toEqual([
      ['s', 101, 5, 1],
      ['t', 100, 8, 1],
      ['t', 100, 11, 1],
      ['f', 101, 12, 1],
    ]);
    expect(find((e) => e.ph === 'f').bp).toBe('e');
    // every flow point sits right after an instant on its row at its time (Perfetto binds to it)
    for (const [i, e] of evs.entries()) {
      if (!'stf'.includes(e.ph)) continue;
      const before = evs[i - 1]!;
      expect(before.ph === 'i' || before.cat === 'break').toBe(true);
      const inst = evs.slice(0, i).reverse().find((x) => x.ph === 'i');
      expect(inst).toMatchObject({ pid: e.pid, ts: e.ts });
    }
    expect(find((e) => e.name === 'break_lease_unblock').args).toMatchObject({ result: 'ok', latencyUs: 7, notifyUs: 3, holderUs: 3, wakeUs: 1, holders: [100] });
    expect(find((e) => e.name === '__break_lease')).toMatchObject({ pid: 101, ts: 5, args: { lease: 9, holder: 100, target: 'F_UNLCK' } });
    expect(find((e) => e.name === 'signal_deliver')).toMatchObject({ pid: 100, ts: 8, args: { signo: 'SIGIO', how: 'wait' } });
    expect(find((e) => e.name === 'signal_generate')).toMatchObject({ pid: 101, ts: 5, args: { to: 100 } });
    expect(find((e) => e.name === 'generic_delete_lease')).toMatchObject({ pid: 100, ts: 11 });
  });

  it('has pins as async slices and counters for pinned pages and live leases', () => {
    expect(evs.filter((e) => e.cat === 'pin').map((e) => [e.ph, e.name, e.ts, e.id])).toEqual([
      ['b', 'pin FOLL_LONGTERM', 14, 1],
      ['e', 'pin FOLL_LONGTERM', 20, 1],
    ]);
    const counter = (name: string): [number, unknown][] => evs.filter((e) => e.ph === 'C' && e.name === name).map((e) => [e.ts, Object.values(e.args!)[0]]);
    expect(counter('pinned pages')).toEqual([
      [0, 0],
      [14, 3],
      [20, 0],
    ]);
    expect(counter('live leases')).toEqual([
      [0, 0],
      [1, 1],
      [11, 0],
    ]);
  });

  it('marks DMA violations (on the NIC for an MR) and hangs with their evidence', () => {
    expect(find((e) => e.name === 'dma.write violation')).toMatchObject({ ph: 'i', pid: 102, ts: 16, args: { via: 'rdma', pfn: 2, intended: { ino: 4, index: 1 }, owner: { ino: 5, index: 0, generation: 2 } } });
    expect(find((e) => e.name === 'hung_task')).toMatchObject({ pid: 101, ts: 25, args: { op: 'nanosleep', chain: ['breaker'] } });
  });

  it('sorts by time and gives the same bytes for the same input', () => {
    const ts = evs.filter((e) => e.ph !== 'M').map((e) => e.ts);
    expect(ts).toEqual([...ts].sort((a, b) => a - b));
    expect(JSON.stringify(toChromeTrace({ ...INPUT, events: EVENTS.map((e) => ({ ...e }) as SimEvent) }))).toBe(JSON.stringify(trace));
  });

  it('handles an empty run', () => {
    const t = toChromeTrace({ ...INPUT, events: [], processes: [] });
    expect(validateChromeTrace(t)).toEqual([]);
    expect(t.traceEvents.filter((e) => e.ph === 'M' && e.name === 'process_name')).toHaveLength(1);
  });
});

describe('toChromeTrace: the NIC row', () => {
  const t = toChromeTrace(NIC_INPUT);
  const x = t.traceEvents.filter((e) => e.ph === 'X');

  it('has a slice per work request, from nic.wr.start to nic.wr.end, named after verb, wr_id and pages', () => {
    expect(validateChromeTrace(t)).toEqual([]);
    expect(x.filter((e) => e.cat === 'rdma').map((e) => [e.name, e.pid, e.ts, e.dur])).toEqual([
      ['RDMA_WRITE wr 17 (64 pages)', 101, 2, 8],
      ['RDMA_READ wr 18 (1 page)', 101, 11, 1],
      ['RDMA_WRITE wr 19 (2 pages)', 101, 13, 1],
    ]);
    expect(x.find((e) => e.name === 'RDMA_WRITE wr 17 (64 pages)')!.args).toEqual({ qp: 0, from: 100, wrId: 17, key: 256, op: 'write', offset: 0, bytes: 262_144, pages: 64, status: 'ok', bytesDone: 262_144, pagesDone: 64, violations: 0 });
    expect(x.find((e) => e.name === 'RDMA_READ wr 18 (1 page)')!.args).toMatchObject({ status: 'EFAULT', bytesDone: 0 });
    // still in flight at the end: a slice to the end of the run
    expect(x.find((e) => e.name === 'RDMA_WRITE wr 19 (2 pages)')!.args).toMatchObject({ unfinished: true });
    expect(t.traceEvents.find((e) => e.ph === 'M' && e.name === 'process_name' && e.pid === 101)!.args).toEqual({ name: 'nic0 (NIC)' });
  });

  it('nests an ODP fault in the work request that took it', () => {
    const fault = x.find((e) => e.name === 'pagefault_mr')!;
    expect(fault).toMatchObject({ pid: 101, ts: 3, dur: 1, args: { syscall: 'nic_fault', page: 3 } });
    const wr = x.find((e) => e.name === 'RDMA_WRITE wr 17 (64 pages)')!;
    expect(fault.ts).toBeGreaterThanOrEqual(wr.ts);
    expect(fault.ts + fault.dur!).toBeLessThanOrEqual(wr.ts + wr.dur!);
    // the WR comes first in the file, as viewers want a parent before its children
    expect(t.traceEvents.indexOf(wr)).toBeLessThan(t.traceEvents.indexOf(fault));
  });

  it('names work requests', () => {
    expect(workRequestName({ op: 'invalid', wrId: 3, pages: 0 })).toBe('RDMA_INVALID wr 3 (0 pages)');
  });
});
