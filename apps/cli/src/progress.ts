/**
 * Progress of a multi-run command (`matrix`, `run --runs N`), on stderr — stdout carries only results.
 *
 * - In a terminal: a bar redrawn in place at most ~10 times a second (and once a second for the
 *   clock), fitted to the terminal's width — the detail is cut, never wrapped — and ended with a
 *   newline by `finish()`, also when the command was interrupted.
 * - Otherwise (a pipe, a file, CI, TERM=dumb): a plain line at most every few seconds and a last
 *   line (`matrix: 81/81 done in 31.2s`); no escape sequence at all.
 * - Colour only in a terminal, and only when NO_COLOR is unset or empty (https://no-color.org) and
 *   FORCE_COLOR is not 0. Without colour the bar is drawn all the same.
 *
 * The stream, the environment, the clock and the timer are injectable: tests need no sleeping.
 */

export interface ProgressStream {
  write(s: string): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
}

export interface ProgressOptions {
  /** The command: the first word of every line ("matrix", "run"). */
  readonly title: string;
  /** Units of work in all (cells, runs). */
  readonly total: number;
  /** What a unit is called in the plain lines ("cells", "runs"). */
  readonly unit?: string;
  /** What the caller's `bad` count means ("failed", "violating runs"); shown, in red, when > 0. */
  readonly badLabel?: string;
  /** No progress at all (--quiet). */
  readonly quiet?: boolean;
  /** Default process.stderr. */
  readonly stream?: ProgressStream;
  /** Default process.env. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Milliseconds, monotonic; default performance.now. */
  readonly now?: () => number;
  /** Not a terminal: at most one line per this many ms (default 5000). */
  readonly lineEveryMs?: number;
  /** A terminal: at most one redraw per this many ms (default 100). */
  readonly redrawEveryMs?: number;
  /**
   * A repeating timer (for the clock when no update comes, and a redraw an update was throttled out
   * of); returns its cancel. Default: setInterval, unref'd (it never keeps the process alive).
   */
  readonly every?: (fn: () => void, ms: number) => () => void;
}

export interface ProgressUpdate {
  /** What just happened or is running (the end of the line; cut to fit in a terminal). */
  readonly detail?: string;
  /** A count of bad things so far (see badLabel). */
  readonly bad?: number;
}

export interface Progress {
  /** `done` units of `total` are finished. Cheap: call it as often as you like. */
  update(done: number, u?: ProgressUpdate): void;
  /** The last line (and, in a terminal, the newline that ends the bar). Idempotent. */
  finish(how?: { readonly interrupted?: boolean }): void;
}

const NOOP: Progress = { update: () => {}, finish: () => {} };

const ESC = '\x1b[';
const SGR = { green: '32', dim: '2', red: '31', yellow: '33', bold: '1' } as const;
type Colour = keyof typeof SGR;
interface Seg {
  readonly text: string;
  readonly colour?: Colour;
}

/** Colour on `stream` under `env`: a terminal, NO_COLOR unset or empty, FORCE_COLOR not 0, TERM not dumb. */
export function colourEnabled(stream: Pick<ProgressStream, 'isTTY'>, env: Readonly<Record<string, string | undefined>>): boolean {
  if (stream.isTTY !== true || env.TERM === 'dumb') return false;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  return env.FORCE_COLOR !== '0';
}

/** 12.3s · 2m05s · 1h02m */
export function formatSeconds(ms: number): string {
  const s = Math.max(0, ms) / 1000;
  if (s < 60) return `${s.toFixed(1)}s`;
  const whole = Math.round(s);
  if (whole < 3600) return `${Math.floor(whole / 60)}m${String(whole % 60).padStart(2, '0')}s`;
  return `${Math.floor(whole / 3600)}h${String(Math.floor((whole % 3600) / 60)).padStart(2, '0')}m`;
}

const width = (s: string): number => [...s].length;

/** Cut `s` to `w` columns, ending in … when cut. */
function cut(s: string, w: number): string {
  const cps = [...s];
  if (cps.length <= w) return s;
  return w <= 0 ? '' : cps.slice(0, w - 1).join('') + '…';
}

export function createProgress(opts: ProgressOptions): Progress {
  if (opts.quiet === true || opts.total <= 0) return NOOP;
  const stream = opts.stream ?? process.stderr;
  const env = opts.env ?? process.env;
  const now = opts.now ?? (() => performance.now());
  const tty = stream.isTTY === true && env.TERM !== 'dumb';
  const colour = colourEnabled(stream, env);
  const total = opts.total;
  const unit = opts.unit ?? 'runs';
  const every =
    opts.every ??
    ((fn: () => void, ms: number): (() => void) => {
      const t = setInterval(fn, ms);
      t.unref();
      return () => clearInterval(t);
    });
  const redrawMs = opts.redrawEveryMs ?? 100;
  const lineMs = opts.lineEveryMs ?? 5000;
  const start = now();
  let done = 0;
  let doneAt = start; // when `done` last grew
  let detail = '';
  let bad = 0;
  let finished = false;
  let drawn = false; // a terminal line is open (drawn, not yet ended with a newline)
  let dirty = false; // state changed since the last draw / line
  let last = start; // last draw (terminal) or last line (otherwise)

  const paint = (segs: readonly Seg[]): string => segs.map((s) => (colour && s.colour !== undefined && s.text !== '' ? `${ESC}${SGR[s.colour]}m${s.text}${ESC}0m` : s.text)).join('');

  // From the rate up to the last unit finished, counting down since (it does not climb between
  // units); once a unit overruns, from the rate as if it finished now.
  const eta = (t: number): string | undefined => {
    if (done <= 0 || done >= total) return undefined;
    const left = Math.max(((doneAt - start) / done) * (total - done) - (t - doneAt), ((t - start) / (done + 1)) * (total - done - 1));
    return left < 60_000 ? `${Math.max(1, Math.ceil(left / 1000))}s` : formatSeconds(left);
  };

  /** The terminal line, fitted to `columns - 1` (the last column would wrap on some terminals). */
  const barLine = (t: number, end?: 'done' | 'interrupted' | 'stopped'): string => {
    const avail = Math.max(1, (stream.columns !== undefined && stream.columns > 0 ? stream.columns : 80) - 1);
    const frac = Math.min(1, Math.max(0, done / total));
    const count = `${String(done).padStart(String(total).length)}/${total}`;
    const pct = `${String(Math.floor(frac * 100)).padStart(3)}%`;
    const e = end === undefined ? eta(t) : undefined;
    const tail: Seg[] = [{ text: `  ${formatSeconds(t - start)}` }];
    if (e !== undefined) tail.push({ text: `  eta ${e}` });
    if (bad > 0) tail.push({ text: '  ' }, { text: `${bad} ${opts.badLabel ?? 'bad'}`, colour: 'red' });
    const head = `${opts.title} `;
    const fixed = width(head) + width(`  ${count}  ${pct}`) + tail.reduce((n, s) => n + width(s.text), 0);
    // The bar takes up to 20 columns, fewer in a narrow terminal, none below 4.
    let barW = Math.min(20, avail - fixed - 2);
    if (barW < 4) barW = 0;
    const segs: Seg[] = [{ text: head }];
    if (barW > 0) {
      const full = Math.round(frac * barW);
      segs.push({ text: '[' }, { text: '█'.repeat(full), colour: 'green' }, { text: '░'.repeat(barW - full), colour: 'dim' }, { text: ']' });
    }
    segs.push({ text: `  ${count}`, colour: 'bold' }, { text: `  ${pct}` }, ...tail);
    const what = end === 'interrupted' ? 'interrupted' : end === 'stopped' ? 'stopped' : end === 'done' ? 'done' : detail;
    const used = segs.reduce((n, s) => n + width(s.text), 0);
    const room = avail - used - 2;
    if (what !== '' && room >= 4) segs.push({ text: '  ' }, { text: cut(what, room), ...(end === 'interrupted' ? { colour: 'yellow' as const } : {}) });
    // Whatever is left over still never wraps: cut from the end, segment by segment.
    let left = avail;
    const fitted = segs.map((s) => {
      const text = cut(s.text, left);
      left -= width(text);
      return { ...s, text };
    });
    return paint(fitted);
  };

  const plainLine = (t: number): string => {
    const parts = [`${done}/${total} ${unit} (${Math.floor((done / total) * 100)}%)`, formatSeconds(t - start)];
    const e = eta(t);
    if (e !== undefined) parts.push(`eta ${e}`);
    if (bad > 0) parts.push(`${bad} ${opts.badLabel ?? 'bad'}`);
    return `${opts.title}: ${parts.join(', ')}${detail === '' ? '' : ` — ${detail}`}\n`;
  };

  const draw = (t: number): void => {
    stream.write(`\r${ESC}2K${barLine(t)}`);
    drawn = true;
    dirty = false;
    last = t;
  };

  const tick = (): void => {
    if (finished) return;
    const t = now();
    if (tty) {
      // The bar goes up after redrawMs (not at once: bad input fails before any output), then is
      // redrawn for an update throttled out, and once a second for the clock.
      if (drawn ? (dirty && t - last >= redrawMs) || t - last >= 1000 : t - start >= redrawMs) draw(t);
    } else if (t - last >= lineMs) {
      stream.write(plainLine(t));
      last = t;
      dirty = false;
    }
  };

  const cancel = every(tick, tty ? redrawMs : Math.min(lineMs, 1000));

  return {
    update(d, u) {
      if (finished) return;
      const t = now();
      const next = Math.min(total, Math.max(0, d));
      if (next > done) doneAt = t;
      done = next;
      if (u?.detail !== undefined) detail = u.detail.replace(/[\r\n\t\x1b]+/g, ' ');
      if (u?.bad !== undefined) bad = u.bad;
      dirty = true;
      if (tty) {
        if (drawn ? t - last >= redrawMs : done > 0 || t - start >= redrawMs) draw(t);
      } else if (t - last >= lineMs) {
        stream.write(plainLine(t));
        last = t;
        dirty = false;
      }
    },
    finish(how) {
      if (finished) return;
      finished = true;
      cancel();
      const interrupted = how?.interrupted === true;
      // Nothing ran and nothing was shown (bad input before the first run): say nothing.
      if (done === 0 && !interrupted && !drawn) return;
      const end = interrupted ? 'interrupted' : done >= total ? 'done' : 'stopped';
      const t = now();
      if (tty) {
        stream.write(`\r${ESC}2K${barLine(t, end)}\n`);
        drawn = false;
        return;
      }
      const badText = bad > 0 ? `, ${bad} ${opts.badLabel ?? 'bad'}` : '';
      const verb = end === 'done' ? 'done in' : `${end} after`;
      stream.write(`${opts.title}: ${done}/${total} ${verb} ${formatSeconds(t - start)}${badText}\n`);
    },
  };
}
