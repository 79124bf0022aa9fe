import { describe, expect, test } from 'vitest';
import { formatDuration, formatSize, parseDuration, parseSize } from '../src/index.js';

const value = (r: ReturnType<typeof parseSize>) => (r.ok ? r.value : r.message);

describe('parseSize', () => {
  test.each([
    ['64MiB', 64 * 1024 * 1024],
    ['4096', 4096],
    [4096, 4096],
    ['0', 0],
    ['512B', 512],
    ['4KiB', 4096],
    ['1GiB', 1024 ** 3],
    ['1.5KiB', 1536],
    ['0.5MiB', 512 * 1024],
    ['64 MiB', 64 * 1024 * 1024],
    ['.5KiB', 512],
  ])('%s → %d bytes', (input, bytes) => {
    expect(parseSize(input)).toEqual({ ok: true, value: bytes });
  });

  test.each([
    ['64MB', 'unknown unit "MB" (did you mean MiB?)'],
    ['64kib', 'unknown unit "kib" (did you mean KiB?)'],
    ['1.3B', 'not a whole number of bytes'],
    ['1.1KiB', 'not a whole number of bytes'],
    [1.5, 'not a whole number of bytes'],
    ['-1KiB', 'must not be negative'],
    [-4, 'must not be negative'],
    ['MiB', 'not a number with a unit'],
    ['', 'not a number with a unit'],
    ['big', 'not a number with a unit'],
    [true, 'expected a size, got boolean'],
    [null, 'expected a size, got null'],
    ['9999999999GiB', 'too large'],
    [1e300, 'out of range'],
  ] as const)('%s is an error: %s', (input, message) => {
    const r = parseSize(input);
    expect(r.ok).toBe(false);
    expect(value(r)).toContain(message);
    if (/unit/.test(message)) expect(value(r)).toContain('use B, KiB, MiB or GiB');
  });
});

describe('parseDuration', () => {
  test.each([
    ['200ms', 200_000],
    ['1s', 1_000_000],
    ['50us', 50],
    ['50µs', 50],
    [200, 200_000],
    ['200', 200_000],
    [0, 0],
    ['0.5ms', 500],
    [0.5, 500],
    ['1.1s', 1_100_000],
    ['2.000001s', 2_000_001],
  ])('%s → %d µs', (input, us) => {
    expect(parseDuration(input)).toEqual({ ok: true, value: us });
  });

  test.each([
    ['2min', 'unknown unit "min"'],
    ['1h', 'unknown unit "h"'],
    ['5ns', 'unknown unit "ns"'],
    ['0.5us', 'not a whole number of microseconds'],
    [0.0001, 'not a whole number of microseconds'],
    ['-1s', 'must not be negative'],
    ['soon', 'not a number with a unit'],
    [[1], 'expected a duration, got object'],
  ] as const)('%s is an error: %s', (input, message) => {
    const r = parseDuration(input);
    expect(r.ok).toBe(false);
    expect(r.ok ? '' : r.message).toContain(message);
  });
});

test('format helpers round-trip', () => {
  for (const b of [0, 1, 512, 4096, 1536, 64 * 1024 * 1024, 3 * 1024 ** 3]) expect(parseSize(formatSize(b))).toEqual({ ok: true, value: b });
  for (const us of [0, 1, 999, 1000, 200_000, 1_000_000, 1_500_000]) expect(parseDuration(formatDuration(us))).toEqual({ ok: true, value: us });
  expect(formatSize(65536)).toBe('64KiB');
  expect(formatDuration(200_000)).toBe('200ms');
});
