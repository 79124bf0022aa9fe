import { describe, expect, it } from 'vitest';
import { type SimEvent, hashEvents } from '../src/index.js';

const a: SimEvent = { kind: 'note', t: 1, pid: 1, text: 'x' };
const b: SimEvent = { kind: 'note', t: 2, pid: 1, text: 'x' };

describe('event hash', () => {
  it('is stable for the same sequence and key order', () => {
    expect(hashEvents([a, b])).toBe(hashEvents([{ ...a }, { text: 'x', pid: 1, t: 2, kind: 'note' }]));
  });
  it('changes with order or content', () => {
    expect(hashEvents([a, b])).not.toBe(hashEvents([b, a]));
    expect(hashEvents([a])).not.toBe(hashEvents([{ ...a, t: 3 }]));
  });
});
