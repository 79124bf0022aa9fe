import { describe, expect, it } from 'vitest';
import { classifyDma } from '../src/index.js';

describe('classifyDma', () => {
  const meant = { ino: 5, index: 3 };
  it('names each outcome class', () => {
    expect(classifyDma(meant, { ino: 5, index: 3 }, 'write')).toBe('ok');
    expect(classifyDma(meant, { ino: 0, index: 0 }, 'write')).toBe('lostWrite');
    expect(classifyDma(meant, { ino: 5, index: 4 }, 'write')).toBe('staleOffset');
    expect(classifyDma(meant, { ino: 9, index: 3 }, 'write')).toBe('corruption');
    expect(classifyDma(meant, { ino: 9, index: 3 }, 'read')).toBe('dataLeak');
    expect(classifyDma(meant, { ino: 0, index: 0 }, 'read')).toBe('ok');
  });
});
