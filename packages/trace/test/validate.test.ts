import { describe, expect, it } from 'vitest';
import { type ChromeTraceEvent, toChromeTrace, validateChromeTrace } from '../src/index.js';
import { INPUT, NIC_INPUT } from './fixtures.js';

const good = (): ChromeTraceEvent[] => structuredClone(toChromeTrace(INPUT).traceEvents);
const ev = (o: Partial<ChromeTraceEvent> & Record<string, unknown>): ChromeTraceEvent => ({ name: 'x', ph: 'i', ts: 0, pid: 1, tid: 1, ...o }) as ChromeTraceEvent;
const check = (events: unknown[]): string[] => validateChromeTrace({ traceEvents: events, displayTimeUnit: 'ns' });

describe('validateChromeTrace', () => {
  it('accepts the exporter output, the object form and a bare array', () => {
    expect(check(good())).toEqual([]);
    expect(validateChromeTrace(good())).toEqual([]);
  });

  it('rejects what is not a trace', () => {
    expect(validateChromeTrace(42)[0]).toMatch(/expected an object with traceEvents/);
    expect(validateChromeTrace({ traceEvents: {} })[0]).toMatch(/traceEvents: expected an array/);
    expect(validateChromeTrace({ traceEvents: [], displayTimeUnit: 'us' })[0]).toMatch(/displayTimeUnit/);
    expect(check([null])[0]).toMatch(/traceEvents\[0\]: expected an object/);
  });

  it.each([
    ['a missing name', { name: undefined }, /name must be a string/],
    ['an unknown phase', { ph: 'Z' }, /ph must be one of/],
    ['a negative ts', { ts: -1 }, /ts must be a number ≥ 0/],
    ['a ts in a string', { ts: '5' }, /ts must be a number ≥ 0/],
    ['a fractional pid', { pid: 1.5 }, /pid must be an integer/],
    ['a missing tid', { tid: undefined }, /tid must be an integer/],
    ['args that are not an object', { args: [1] }, /args must be an object/],
    ['an X without dur', { ph: 'X' }, /X needs dur/],
    ['an X with a negative dur', { ph: 'X', dur: -2 }, /X needs dur/],
    ['a b without id', { ph: 'b', cat: 'lease' }, /b needs an id/],
    ['an s without cat', { ph: 's', id: 1 }, /s needs a cat/],
    ['a bad instant scope', { s: 'x' }, /scope/],
    ['a counter with a string', { ph: 'C', args: { pages: 'many' } }, /C series pages must be a finite number/],
    ['a counter without series', { ph: 'C' }, /C needs args/],
    ['an unknown metadata name', { ph: 'M', name: 'process_colour', args: { name: 'x' } }, /M name must be one of/],
    ['a thread name without a name', { ph: 'M', name: 'thread_name', args: {} }, /thread_name needs args.name/],
    ['a sort index that is not an integer', { ph: 'M', name: 'process_sort_index', args: { sort_index: 'first' } }, /needs args.sort_index/],
  ])('catches %s', (_what, patch, msg) => {
    const events = good();
    events.push(ev(patch as Partial<ChromeTraceEvent>));
    const problems = check(events.map((e) => JSON.parse(JSON.stringify(e)) as unknown));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(msg);
  });

  it('checks B/E nesting per thread', () => {
    expect(check([ev({ ph: 'E', ts: 1 })])[0]).toMatch(/E without an open B/);
    expect(check([ev({ ph: 'B', ts: 1 })])[0]).toMatch(/B never ended/);
    expect(check([ev({ ph: 'B', name: 'a', ts: 1 }), ev({ ph: 'B', name: 'b', ts: 2 }), ev({ ph: 'E', name: 'a', ts: 3 }), ev({ ph: 'E', name: 'b', ts: 4 })])[0]).toMatch(/E closes "b".*must nest/);
    // nested properly, and on another thread an E does not close this one
    expect(check([ev({ ph: 'B', name: 'a', ts: 1 }), ev({ ph: 'B', name: 'b', ts: 2 }), ev({ ph: 'E', name: 'b', ts: 3 }), ev({ ph: 'E', name: 'a', ts: 4 })])).toEqual([]);
    expect(check([ev({ ph: 'B', ts: 1 }), ev({ ph: 'E', ts: 2, tid: 2 })]).join('\n')).toMatch(/E without an open B on 1\/2[\s\S]*B never ended/);
    // read in time order, not file order
    expect(check([ev({ ph: 'E', ts: 5 }), ev({ ph: 'B', ts: 1 })])).toEqual([]);
  });

  it('rejects X slices that overlap without nesting', () => {
    expect(check([ev({ ph: 'X', name: 'a', ts: 0, dur: 10 }), ev({ ph: 'X', name: 'b', ts: 5, dur: 10 })])[0]).toMatch(/overlaps X "a"/);
    expect(check([ev({ ph: 'X', name: 'a', ts: 0, dur: 10 }), ev({ ph: 'X', name: 'b', ts: 5, dur: 5 }), ev({ ph: 'X', name: 'c', ts: 10, dur: 0 })])).toEqual([]);
    expect(check([ev({ ph: 'X', name: 'a', ts: 0, dur: 10 }), ev({ ph: 'X', name: 'b', ts: 5, dur: 10, tid: 2 })])).toEqual([]);
  });

  it('matches every e to an open b', () => {
    expect(check([ev({ ph: 'e', cat: 'lease', id: 3, ts: 1 })])[0]).toMatch(/e without an open b/);
    expect(check([ev({ ph: 'b', cat: 'lease', id: 3, ts: 1 })])[0]).toMatch(/b never ended by an e/);
    expect(check([ev({ ph: 'b', cat: 'lease', id: 3, ts: 1 }), ev({ ph: 'e', cat: 'lease', id: 4, ts: 2 })])).toHaveLength(2);
    expect(check([ev({ ph: 'b', cat: 'lease', id: 3, ts: 1 }), ev({ ph: 'e', cat: 'lease', id: 3, ts: 2 })])).toEqual([]);
    const events = good();
    const i = events.findIndex((e) => e.ph === 'b' && e.cat === 'lease');
    events.splice(i, 1);
    expect(check(events)[0]).toMatch(/e without an open b .*cat lease, id 7/);
  });

  it('wants flows to start with s and end with f', () => {
    expect(check([ev({ ph: 't', cat: 'break', id: 1, ts: 1 })])[0]).toMatch(/t without an s/);
    expect(check([ev({ ph: 'f', cat: 'break', id: 1, ts: 1 })])[0]).toMatch(/f without an s/);
    expect(check([ev({ ph: 's', cat: 'break', id: 1, ts: 1 })])[0]).toMatch(/never ends with an f/);
    expect(check([ev({ ph: 's', cat: 'break', id: 1, ts: 1 }), ev({ ph: 's', cat: 'break', id: 1, ts: 2 }), ev({ ph: 'f', cat: 'break', id: 1, ts: 3 })])[0]).toMatch(/started again/);
    const events = good();
    const i = events.findIndex((e) => e.ph === 's');
    events.splice(i, 1);
    expect(check(events)[0]).toMatch(/flow 1 has a t without an s/);
  });

  it('accepts the NIC row (work-request slices with a fault nested in one) and catches two that overlap', () => {
    const events = structuredClone(toChromeTrace(NIC_INPUT).traceEvents);
    expect(check(events)).toEqual([]);
    // wr 18 starting inside wr 17 and ending after it: Perfetto would drop it
    const wr18 = events.find((e) => e.name === 'RDMA_READ wr 18 (1 page)')!;
    wr18.ts = 9;
    wr18.dur = 3;
    expect(check(events)[0]).toMatch(/RDMA_READ wr 18 \(1 page\).*overlaps X "RDMA_WRITE wr 17 \(64 pages\)"/);
  });

  it('caps the list', () => {
    const events = Array.from({ length: 50 }, () => ev({ ph: 'Z' as never }));
    expect(validateChromeTrace(events, { maxProblems: 5 })).toHaveLength(6);
  });
});
