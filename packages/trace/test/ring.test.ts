import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EventRing, RING_HEADER_BYTES, type SimEvent, type SimEventKind, mergeByTime, newEventRing, readEventRing } from '../src/index.js';

// Binary records keep any double (NaN, ±Infinity, -0); JSON records what JSON keeps.
const anyNum = fc.double();
const i32 = fc.oneof(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), fc.constant(-0), fc.constant(2 ** 31));
const num = fc.oneof(fc.integer({ min: -(2 ** 31), max: 2 ** 31 }), fc.double({ noNaN: true, noDefaultInfinity: true }).filter((v) => !Object.is(v, -0)));
const str = fc.string({ unit: 'binary', maxLength: 12 });
const key = str.filter((k) => k !== '__proto__');
const numOrNull = fc.option(num, { nil: null });
const anyNumOrNull = fc.option(anyNum, { nil: null });
const strOrNull = fc.option(str, { nil: null });
const json: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  v: fc.oneof({ depthSize: 'small' }, num, str, fc.boolean(), fc.constant(null), fc.array(tie('v'), { maxLength: 3 }), fc.dictionary(key, tie('v'), { maxKeys: 3 })),
})).v;

/**
 * One arbitrary per kind: a new kind in the union that is missing here fails to compile. Kinds
 * with binary records take any double (NaN, ±Infinity, -0); those written as JSON, what JSON keeps.
 */
const KINDS: { readonly [K in SimEventKind]: fc.Arbitrary<Extract<SimEvent, { kind: K }>> } = {
  'syscall.enter': fc.oneof(
    // numbers, booleans and strings: a binary record
    fc.record({ kind: fc.constant('syscall.enter'), t: anyNum, pid: anyNum, op: str, args: fc.dictionary(key, fc.oneof(anyNum, fc.boolean(), str), { maxKeys: 6 }) }),
    // anything else: JSON
    fc.record({ kind: fc.constant('syscall.enter'), t: num, pid: num, op: str, args: fc.dictionary(key, json, { minKeys: 1, maxKeys: 3 }).filter((a) => Object.values(a).some((v) => v === null || typeof v === 'object')) }),
    fc.record({ kind: fc.constant('syscall.enter'), t: num, pid: num, op: str }),
  ),
  'syscall.exit': fc.oneof(
    fc.record({ kind: fc.constant('syscall.exit'), t: anyNum, pid: anyNum, op: str, ret: anyNum, errno: strOrNull }),
    fc.record({ kind: fc.constant('syscall.exit'), t: num, pid: num, op: str, ret: json.filter((v) => typeof v !== 'number'), errno: strOrNull }),
  ),
  'lease.transition': fc.record({ kind: fc.constant('lease.transition'), t: anyNum, lease: anyNum, ino: anyNum, owner: anyNum, from: str, to: str, event: str }),
  'lease.break': fc.record({ kind: fc.constant('lease.break'), t: anyNum, ino: anyNum, breaker: anyNum, lease: anyNum, owner: anyNum, target: fc.constantFrom('F_UNLCK' as const, 'F_RDLCK' as const), layout: fc.boolean(), deadline: anyNumOrNull }),
  'lease.break.wait': fc.record({ kind: fc.constant('lease.break.wait'), t: anyNum, ino: anyNum, breaker: anyNum, until: anyNumOrNull }),
  'lease.break.done': fc.record({ kind: fc.constant('lease.break.done'), t: anyNum, ino: anyNum, breaker: anyNum, result: str, startedAt: anyNum }),
  'signal.send': fc.record({ kind: fc.constant('signal.send'), t: anyNum, pid: anyNum, signo: str, fd: anyNumOrNull, from: anyNumOrNull }),
  'signal.deliver': fc.record({ kind: fc.constant('signal.deliver'), t: anyNum, pid: anyNum, signo: str, fd: anyNumOrNull, how: fc.constantFrom('handler' as const, 'wait' as const, 'kill' as const, 'ignore' as const) }),
  'signal.pending': fc.record({ kind: fc.constant('signal.pending'), t: anyNum, pid: anyNum, signo: str, fd: anyNumOrNull }),
  'task.exit': fc.record({ kind: fc.constant('task.exit'), t: anyNum, pid: anyNum, code: fc.oneof(anyNum, str) }),
  barrier: fc.record({ kind: fc.constant('barrier'), t: anyNum, pid: anyNum, name: str, open: fc.boolean() }),
  'gup.pin': fc.record({ kind: fc.constant('gup.pin'), t: num, pid: num, pin: num, pfns: fc.array(num, { maxLength: 8 }), longterm: fc.boolean() }),
  'gup.unpin': fc.record({ kind: fc.constant('gup.unpin'), t: anyNum, pid: anyNum, pin: anyNum }),
  'dax.busy': fc.record({ kind: fc.constant('dax.busy'), t: anyNum, pid: anyNum, ino: anyNum, pfn: anyNum, fn: str, action: fc.constantFrom('wait' as const, 'ETXTBSY' as const) }),
  'dax.busy.done': fc.record({ kind: fc.constant('dax.busy.done'), t: anyNum, pid: anyNum, ino: anyNum, pfn: anyNum, result: str }),
  'layout.change': fc.record({ kind: fc.constant('layout.change'), t: anyNum, pid: anyNum, ino: anyNum, op: str, waited: fc.boolean(), errno: strOrNull }),
  'mr.reg': fc.record({ kind: fc.constant('mr.reg'), t: anyNum, pid: anyNum, key: anyNum, ino: anyNum, pgoff: anyNum, npages: anyNum, odp: fc.boolean() }),
  'mr.dereg': fc.record({ kind: fc.constant('mr.dereg'), t: anyNum, pid: anyNum, key: anyNum }),
  'dma.write': fc.record({
    kind: fc.constant('dma.write'),
    t: anyNum,
    writer: anyNum,
    source: anyNum,
    pfn: anyNum,
    intended: fc.record({ ino: anyNum, index: anyNum }),
    owner: fc.record({ ino: anyNum, index: anyNum, generation: anyNum }),
    op: fc.constantFrom('write' as const, 'read' as const),
  }),
  // Int32 fields (the usual: compact records) or any doubles (-0 included: the Float64 layout).
  'nic.wr.start': fc.constantFrom(i32, anyNum).chain((n) =>
    fc.record({ kind: fc.constant('nic.wr.start' as const), t: anyNum, pid: n, from: n, qp: n, wrId: n, key: n, op: fc.constantFrom('write' as const, 'read' as const, 'invalid' as const), offset: n, bytes: n, pages: n }),
  ),
  'nic.wr.end': fc.constantFrom(i32, anyNum).chain((n) =>
    fc.record({ kind: fc.constant('nic.wr.end' as const), t: anyNum, pid: n, from: n, qp: n, wrId: n, key: n, op: fc.constantFrom('write' as const, 'read' as const, 'invalid' as const), status: str, bytes: n, pages: n, violations: n }),
  ),
  hang: fc.record({ kind: fc.constant('hang'), t: num, pid: num, op: str, blockedNs: num, chain: fc.array(str, { maxLength: 4 }) }),
  'sched.pick': fc.record({ kind: fc.constant('sched.pick'), t: anyNum, pid: anyNum, choices: anyNum }),
  note: fc.record({ kind: fc.constant('note'), t: num, pid: numOrNull, text: str }),
};
const anyEvent = fc.oneof(...Object.values(KINDS)) as fc.Arbitrary<SimEvent>;

const roundTrip = (events: readonly SimEvent[], bytes = 1 << 20): ReturnType<typeof readEventRing> => {
  const ring = new EventRing(newEventRing(bytes));
  for (const e of events) ring.emit(e);
  return readEventRing(ring.buffer);
};

/** Key order too: the decoded object lists its keys as the emitted one did. */
function keyOrder(v: unknown): unknown {
  if (v === null || typeof v !== 'object') return null;
  if (Array.isArray(v)) return v.map(keyOrder);
  return Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, keyOrder(x)]);
}

describe('event ring', () => {
  it.each(Object.keys(KINDS) as SimEventKind[])('round trip: %s', (kind) => {
    fc.assert(
      fc.property(fc.array(KINDS[kind] as fc.Arbitrary<SimEvent>, { minLength: 1, maxLength: 20 }), (events) => {
        const r = roundTrip(events);
        expect(r.events).toEqual(events);
        expect(r.events.map(keyOrder)).toEqual(events.map(keyOrder));
        expect(r).toMatchObject({ count: events.length, dropped: 0 });
      }),
      { numRuns: 60 },
    );
  });

  it('round trip: every kind mixed in one ring (shared string table, shapes changing under one op)', () => {
    fc.assert(
      fc.property(fc.array(anyEvent, { maxLength: 80 }), (events) => {
        const r = roundTrip(events);
        expect(r.events).toEqual(events);
        expect(r.events.map(keyOrder)).toEqual(events.map(keyOrder));
      }),
      { numRuns: 200 },
    );
  });

  it('hot kinds take binary records of a few words', () => {
    const enter: SimEvent = { kind: 'syscall.enter', t: 1, pid: 100, op: 'pread', args: { fd: 3, length: 4096, offset: 8192 } };
    const exit: SimEvent = { kind: 'syscall.exit', t: 2, pid: 100, op: 'pread', ret: 4096, errno: null };
    const one = roundTrip([enter, exit]).bytes;
    const many = roundTrip(Array.from({ length: 101 }, () => [enter, exit]).flat()).bytes;
    expect((many - one) / 100).toBe(64 + 40); // enter: 40 + 8 per arg; exit: 40 (strings defined once)
    const wr = { pid: 101, from: 100, qp: 0, wrId: 17, key: 256, op: 'write' as const };
    const start: SimEvent = { kind: 'nic.wr.start', t: 1, ...wr, offset: 0, bytes: 65536, pages: 16 };
    const end: SimEvent = { kind: 'nic.wr.end', t: 2, ...wr, status: 'ok', bytes: 65536, pages: 16, violations: 0 };
    // every other kind of numbers, strings, booleans and nulls: a flat record, 16 bytes + 8 per field
    const each = (e: SimEvent): number => (roundTrip(Array.from({ length: 11 }, () => e)).bytes - roundTrip([e]).bytes) / 10;
    expect(each({ kind: 'syscall.enter', t: 1, pid: 100, op: 'open', args: { path: '/pmem/a', flags: 1 } })).toBe(56);
    expect(each({ kind: 'signal.send', t: 1, pid: 100, signo: 'SIGIO', fd: null, from: 101 })).toBe(56);
    expect(each({ kind: 'lease.break', t: 1, ino: 4, breaker: 101, lease: 9, owner: 100, target: 'F_UNLCK', layout: false, deadline: null })).toBe(80);
    const wrs = (n: number): number => roundTrip(Array.from({ length: n }, () => [start, end]).flat()).bytes;
    expect((wrs(101) - wrs(1)) / 100).toBe(56 + 56);
    expect(roundTrip([start, { ...end, bytes: 2 ** 31 }]).events[1]).toEqual({ ...end, bytes: 2 ** 31 });
  });

  it('when full: counts the rest as dropped, keeps the first ones intact, writes nothing after', () => {
    fc.assert(
      fc.property(fc.array(anyEvent, { minLength: 1, maxLength: 60 }), fc.integer({ min: 0, max: 2048 }), (events, bytes) => {
        const ring = new EventRing(newEventRing(bytes));
        for (const e of events) ring.emit(e);
        const r = readEventRing(ring.buffer);
        const all = roundTrip(events).events;
        expect(r.events).toEqual(all.slice(0, r.events.length));
        expect(r.dropped).toBe(events.length - r.events.length);
        expect(r.count).toBe(events.length);
        expect(r.bytes).toBeLessThanOrEqual(Math.floor(bytes / 8) * 8);
      }),
      { numRuns: 200 },
    );
    // A small event after a big one that did not fit is dropped too: the kept events are a prefix.
    const ring = new EventRing(newEventRing(256));
    ring.emit({ kind: 'note', t: 1, pid: 1, text: 'a' });
    ring.emit({ kind: 'note', t: 2, pid: 1, text: 'x'.repeat(1000) });
    ring.emit({ kind: 'note', t: 3, pid: 1, text: 'b' });
    const r = readEventRing(ring.buffer);
    expect(r.events).toEqual([{ kind: 'note', t: 1, pid: 1, text: 'a' }]);
    expect(r).toMatchObject({ count: 3, dropped: 2 });
    expect(ring.mark()).toMatchObject({ count: 3, dropped: 2 });
  });

  it('a reader sees only published records (a half-written one past the end is ignored)', () => {
    const ring = new EventRing(newEventRing(4096));
    const a: SimEvent = { kind: 'note', t: 1, pid: 1, text: 'a' };
    ring.emit(a);
    const mark = ring.mark();
    ring.emit({ kind: 'note', t: 2, pid: 1, text: 'b' });
    // up to the writer's mark
    expect(readEventRing(ring.buffer, mark).events).toEqual([a]);
    // garbage where the next record would go: not published, not read
    const i32 = new Int32Array(ring.buffer);
    const end = Atomics.load(i32, 1);
    i32[end >> 2] = 99;
    i32[(end >> 2) + 1] = 1e6;
    expect(readEventRing(ring.buffer).events).toHaveLength(2);
  });

  it('keep false: counts, keeps nothing, drops nothing', () => {
    const buf = newEventRing(1 << 20, { keep: false });
    expect(buf.byteLength).toBe(RING_HEADER_BYTES);
    const ring = new EventRing(buf);
    for (let i = 0; i < 10; i++) ring.emit({ kind: 'note', t: i, pid: 1, text: 'x' });
    expect(readEventRing(buf)).toMatchObject({ events: [], count: 10, dropped: 0 });
  });

  it('one writer per ring; rejects what is not a ring', () => {
    const buf = newEventRing(1024);
    new EventRing(buf).emit({ kind: 'note', t: 1, pid: 1, text: 'x' });
    expect(() => new EventRing(buf)).toThrow(/already written/);
    expect(() => readEventRing(new SharedArrayBuffer(64))).toThrow(/not a ring/);
    expect(() => newEventRing(-1)).toThrow(/allowed/);
  });
});

describe('mergeByTime', () => {
  const ev = (t: number, text: string): SimEvent => ({ kind: 'note', t, pid: null, text });

  it('merges by time; equal times: the stream listed first; each stream keeps its own order', () => {
    const k = [ev(1, 'k1'), ev(5, 'k5'), ev(3, 'k3 (late)'), ev(9, 'k9')];
    const m = [ev(5, 'm5'), ev(6, 'm6')];
    const n = [ev(0, 'n0'), ev(5, 'n5'), ev(10, 'n10')];
    expect(mergeByTime([k, m, n]).map((e) => (e as { text: string }).text)).toEqual(['n0', 'k1', 'k5', 'k3 (late)', 'm5', 'n5', 'm6', 'k9', 'n10']);
    expect(mergeByTime([])).toEqual([]);
    expect(mergeByTime([[], k, []])).toEqual(k);
  });

  it('equals a stable sort of the concatenation when every stream is sorted', () => {
    fc.assert(
      fc.property(fc.array(fc.array(fc.integer({ min: 0, max: 20 }), { maxLength: 30 }), { maxLength: 6 }), (lists) => {
        const streams = lists.map((l, s) => [...l].sort((a, b) => a - b).map((t, i) => ev(t, `${s}.${i}`)));
        const want = streams.flat().sort((a, b) => a.t - b.t);
        expect(mergeByTime(streams)).toEqual(want);
      }),
    );
  });
});
