/**
 * The progress reporter of multi-run commands: a bar in a terminal (fraction, width, throttling,
 * colour per NO_COLOR), plain throttled lines otherwise (no escape at all), and a last line that
 * ends the output. The stream, environment, clock and timer are fakes: nothing sleeps.
 */
import { describe, expect, it } from 'vitest';
import { type ProgressOptions, colourEnabled, createProgress, formatSeconds } from '../src/progress.js';

const ANSI = /\x1b\[[0-9;]*[A-Za-z]/g;

function harness(o: { isTTY?: boolean; columns?: number; env?: Record<string, string | undefined> } & Partial<ProgressOptions> = {}) {
  const chunks: string[] = [];
  let t = 1000;
  let timer: (() => void) | undefined;
  let timerMs = 0;
  let nextFire = Infinity;
  let cancelled = false;
  const stream = { write: (s: string) => void chunks.push(s), isTTY: o.isTTY ?? false, columns: o.columns ?? 120 };
  const p = createProgress({
    title: 'matrix',
    total: 81,
    unit: 'cells',
    ...o,
    stream,
    env: o.env ?? {},
    now: () => t,
    every: (fn, ms) => {
      timer = fn;
      timerMs = ms;
      nextFire = t + ms;
      return () => void (cancelled = true);
    },
  });
  return {
    p,
    stream,
    chunks,
    /** Advance the clock, firing the interval timer wherever it falls due meanwhile. */
    advance(ms: number) {
      const end = t + ms;
      while (timer !== undefined && !cancelled && nextFire <= end) {
        t = nextFire;
        nextFire += timerMs;
        timer();
      }
      t = end;
    },
    get out() {
      return chunks.join('');
    },
    /** The bar as last drawn, without the escapes. */
    get screen() {
      const frames = chunks.join('').split('\r');
      return frames[frames.length - 1]!.replace(ANSI, '');
    },
    get cancelled() {
      return cancelled;
    },
  };
}

describe('progress in a terminal', () => {
  it('draws the fraction done as a bar, with the count, percentage, clock, eta and detail', () => {
    const h = harness({ isTTY: true, env: { NO_COLOR: '1' } });
    h.advance(12_300);
    h.p.update(41, { detail: 'truncate-vs-pin × ext4-4.19: delayedOk' });
    expect(h.screen).toBe('matrix [██████████░░░░░░░░░░]  41/81   50%  12.3s  eta 12s  truncate-vs-pin × ext4-4.19: delayedOk');
    h.advance(1000);
    h.p.update(81, { detail: 'last' }); // the clock was just redrawn: this one waits for the timer
    expect(h.screen).toContain(' 41/81 ');
    h.advance(100);
    expect(h.screen).toMatch(/^matrix \[█{20}\]  81\/81  100%  13\.4s  last$/);
    h.p.update(0);
    h.advance(1000);
    expect(h.screen).toMatch(/^matrix \[░{20}\]   0\/81    0%/);
  });

  it.each([200, 80, 40, 24, 12, 3])('fits a %i-column terminal: never wraps, cuts the detail with …', (columns) => {
    const h = harness({ isTTY: true, columns, env: {} });
    h.p.update(7, { detail: 'collapse-vs-pin × ira-rfc-2019: corruption 3/20, staleOffset 3/20, lostWrite 1/20', bad: 12 });
    const frames = h.out.split('\r').filter((f) => f !== '').map((f) => f.replace(ANSI, ''));
    expect(frames.length).toBeGreaterThan(0);
    for (const f of frames) expect([...f].length).toBeLessThanOrEqual(columns - 1 || 1);
    if (columns >= 80) expect(h.screen).toContain('[');
    if (columns === 80) expect(h.screen.endsWith('…')).toBe(true);
    if (columns === 200) expect(h.screen).toContain('lostWrite 1/20');
  });

  it('redraws at most once per 100 ms; an update throttled out is drawn by the timer', () => {
    const h = harness({ isTTY: true, env: { NO_COLOR: '1' } });
    for (let i = 1; i <= 50; i++) {
      h.p.update(i, { detail: `cell ${i}` });
      h.advance(1); // 50 updates in 50 ms
    }
    expect(h.chunks).toHaveLength(1); // the first
    expect(h.screen).toContain('cell 1');
    h.advance(60);
    expect(h.chunks).toHaveLength(2); // the timer drew the latest state
    expect(h.screen).toContain('cell 50');
    h.advance(500);
    expect(h.chunks).toHaveLength(2); // nothing new, clock not due
    h.advance(600);
    expect(h.chunks).toHaveLength(3); // the clock, once a second
  });

  it('shows nothing before the first unit for 100 ms: bad input fails without a stray bar', () => {
    const h = harness({ isTTY: true });
    h.p.update(0, { detail: 'truncate-vs-pin × bogus' });
    h.advance(50);
    h.p.finish();
    expect(h.out).toBe('');
  });

  it('finish ends the line (done, stopped or interrupted) and stops the timer', () => {
    const h = harness({ isTTY: true, env: { NO_COLOR: '1' } });
    h.p.update(41);
    h.p.finish({ interrupted: true });
    expect(h.out.endsWith('\n')).toBe(true);
    expect(h.screen).toMatch(/41\/81 .* interrupted\n$/);
    expect(h.cancelled).toBe(true);
    const n = h.chunks.length;
    h.p.update(42);
    h.p.finish();
    h.advance(5000);
    expect(h.chunks).toHaveLength(n);

    const d = harness({ isTTY: true, env: { NO_COLOR: '1' } });
    d.p.update(81);
    d.p.finish();
    expect(d.out).toMatch(/81\/81  100% .* done\n$/);
  });

  it('colour unless NO_COLOR is set and non-empty (or FORCE_COLOR=0); the bad count in red', () => {
    const coloured = harness({ isTTY: true, env: {} });
    coloured.p.update(10, { bad: 3 });
    expect(coloured.out).toContain('\x1b[32m');
    expect(coloured.out).toContain('\x1b[31m3 bad\x1b[0m');

    for (const env of [{ NO_COLOR: '1' }, { NO_COLOR: 'yes' }, { FORCE_COLOR: '0' }]) {
      const h = harness({ isTTY: true, env, badLabel: 'failed' });
      h.p.update(10, { bad: 3 });
      h.p.finish({ interrupted: true });
      // Only the cursor control (\r, erase line) remains: no SGR sequence.
      expect(h.out.match(ANSI)!.every((e) => e === '\x1b[2K')).toBe(true);
      expect(h.out).toContain('█'); // the bar is drawn all the same
      expect(h.out).toContain('3 failed');
    }
    expect(colourEnabled({ isTTY: true }, { NO_COLOR: '' })).toBe(true);
    expect(colourEnabled({ isTTY: true }, { TERM: 'dumb' })).toBe(false);
    expect(colourEnabled({ isTTY: false }, { FORCE_COLOR: '1' })).toBe(false);
  });
});

describe('progress when stderr is not a terminal', () => {
  it('prints a plain line at most every 5 s and a last line; no escape sequence at all', () => {
    const h = harness({ isTTY: false, env: { FORCE_COLOR: '1' }, badLabel: 'unsafe runs' });
    // 81 units, one every 400 ms: 32.4 s.
    for (let i = 1; i <= 81; i++) {
      h.advance(400);
      h.p.update(i, { detail: `cell ${i}`, bad: Math.floor(i / 10) });
    }
    h.p.finish();
    expect(h.out).not.toMatch(/[\x1b\r]/);
    const lines = h.out.trimEnd().split('\n');
    // 32.4 s of work: a line at 5, 10, … 30 s, then the last.
    expect(lines).toHaveLength(7);
    expect(lines[0]).toBe('matrix: 12/81 cells (14%), 5.0s, eta 28s, 1 unsafe runs — cell 12');
    expect(lines[5]).toMatch(/^matrix: 74\/81 cells \(91%\), 30\.0s, eta 3s, 7 unsafe runs — cell 74$/);
    expect(lines[6]).toBe('matrix: 81/81 done in 32.4s, 8 unsafe runs');
  });

  it('the timer prints a line every 5 s while a long unit runs', () => {
    const h = harness({ isTTY: false, lineEveryMs: 5000 });
    h.p.update(1, { detail: 'first cell' });
    h.advance(4999);
    expect(h.out).toBe('');
    h.advance(11_001);
    expect(h.out.split('\n').filter((l) => l !== '')).toHaveLength(3);
    expect(h.out).toBe(['5.0s, eta 3m18s', '10.0s, eta 6m35s', '15.0s, eta 9m53s'].map((x) => `matrix: 1/81 cells (1%), ${x} — first cell\n`).join(''));
  });

  it('the interval is injectable; an interrupted run says so; nothing at all when quiet', () => {
    const h = harness({ isTTY: false, lineEveryMs: 1000 });
    h.p.update(3);
    h.advance(1000);
    h.advance(500);
    h.p.update(4);
    h.p.finish({ interrupted: true });
    expect(h.out).toBe('matrix: 3/81 cells (3%), 1.0s, eta 20s\nmatrix: 4/81 interrupted after 1.5s\n');

    for (const isTTY of [true, false]) {
      const q = harness({ isTTY, quiet: true });
      q.p.update(10);
      q.advance(20_000);
      q.p.finish({ interrupted: true });
      expect(q.out).toBe('');
    }
  });
});

describe('formatSeconds', () => {
  it('seconds, minutes, hours', () => {
    expect(formatSeconds(12_345)).toBe('12.3s');
    expect(formatSeconds(125_000)).toBe('2m05s');
    expect(formatSeconds(3_720_000)).toBe('1h02m');
  });
});
