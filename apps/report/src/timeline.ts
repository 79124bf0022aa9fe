/**
 * One run's timeline as static SVG: a row per process, its syscalls as bars (startUs → endUs;
 * steps run by a signal handler in a thinner lane under the row), delivered signals as ticks,
 * and every lease break as a band over the breaker's and the holders' rows plus a bar in the
 * top "lease breaks" lane. Stress programs, which record no steps, are drawn from the per-op
 * arrays of their output (`startedNs` + `latencyNs`; a holder's `signalTakenNs` → `reactedNs`).
 */
import type { ProcessReport, Report } from '@leasebreak/workloads';
import { niceTicks } from './charts.js';
import { attrs, esc, fmtUs } from './html.js';

/** Syscall families, each with its colour in the stylesheet (`.op-<family>`). */
export const OP_FAMILIES = [
  { key: 'lease', label: 'fcntl (leases, F_SETSIG)' },
  { key: 'file', label: 'open / close / dup' },
  { key: 'layout', label: 'truncate / fallocate' },
  { key: 'io', label: 'read / write / load / store' },
  { key: 'map', label: 'mmap / munmap' },
  { key: 'rdma', label: 'ibv / rdma' },
  { key: 'sync', label: 'barrier / sleep / wait / signal / kill' },
] as const;
export type OpFamily = (typeof OP_FAMILIES)[number]['key'];

export function opFamily(op: string): OpFamily {
  if (/^fcntl|lease|react|retake/i.test(op)) return 'lease';
  if (/trunc|falloc|punch|collapse|insert|zero-range/i.test(op)) return 'layout';
  if (/^(open|close|dup)/i.test(op)) return 'file';
  if (/^(p?read|p?write|load|store|dio|copy)/i.test(op)) return 'io';
  if (/^m(un)?map/i.test(op)) return 'map';
  if (/^(ibv|rdma|post|poll|qp)/i.test(op)) return 'rdma';
  return 'sync';
}

interface Bar {
  readonly start: number;
  readonly end: number;
  readonly op: string;
  readonly err: boolean;
  readonly tip: string;
  readonly handler: boolean;
  readonly index?: number;
}

interface Row {
  readonly pid: number;
  readonly name: string;
  readonly sub: string;
  readonly bars: Bar[];
  readonly ticks: { readonly at: number; readonly tip: string; readonly signo: string }[];
  readonly hasHandlerLane: boolean;
  /** Items left out to keep the page small. */
  readonly dropped: number;
  /** A stress program with no per-op record: when it ran (its output's startNs → endNs). */
  readonly life: { readonly start: number; readonly end: number } | null;
}

function lifetime(p: ProcessReport): { start: number; end: number } | null {
  const w = p.workload as { startNs?: unknown; endNs?: unknown; atNs?: unknown } | null | undefined;
  if (w === null || w === undefined || typeof w !== 'object' || typeof w.startNs !== 'number') return null;
  const end = typeof w.endNs === 'number' ? w.endNs : typeof w.atNs === 'number' ? w.atNs : null;
  return end === null || end < w.startNs ? null : { start: w.startNs / 1000, end: end / 1000 };
}

/** Most bars or ticks drawn per process row. */
const MAX_PER_ROW = 2500;
/** Most lease breaks drawn per run. */
const MAX_BREAKS_DRAWN = 400;
const VIOLATION_ORDER = ['corruption', 'dataLeak', 'staleOffset', 'lostWrite'] as const;

function argText(args: Readonly<Record<string, unknown>>): string {
  return Object.entries(args)
    .map(([k, v]) => (k === 'arg' ? fmtArg(v) : `${k}=${fmtArg(v)}`))
    .join(' ');
}

export function fmtArg(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v === null || v === undefined) return String(v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}

export function stepText(s: ProcessReport['steps'][number]): string {
  const ret = s.errno === null ? fmtArg(s.ret) : `${fmtArg(s.ret)} ${s.errno}`;
  return `${s.op}(${argText(s.args)}) → ${ret}`;
}

function arr(o: Record<string, unknown>, k: string): unknown[] | undefined {
  const v = o[k];
  return Array.isArray(v) ? v : undefined;
}

/** Bars for a stress program, read tolerantly from its output. */
function workloadBars(p: ProcessReport): Bar[] {
  const w = p.workload;
  if (w === null || typeof w !== 'object') return [];
  const o = w as Record<string, unknown>;
  const bars: Bar[] = [];
  const started = arr(o, 'startedNs');
  const lat = arr(o, 'latencyNs');
  if (started !== undefined && lat !== undefined) {
    const ops = arr(o, 'op');
    const errnos = arr(o, 'errno');
    const name = typeof o.op === 'string' ? o.op : typeof o.workload === 'string' ? o.workload : 'op';
    for (let i = 0; i < started.length; i++) {
      const s = Number(started[i]) / 1000;
      const d = Number(lat[i]) / 1000;
      if (!Number.isFinite(s) || !Number.isFinite(d)) continue;
      const op = ops !== undefined && typeof ops[i] === 'string' ? (ops[i] as string) : name;
      const errno = errnos?.[i];
      const err = typeof errno === 'string';
      bars.push({ start: s, end: s + d, op, err, handler: false, tip: `${op} #${i} ${err ? errno : 'ok'} · ${fmtUs(s)} → ${fmtUs(s + d)} (${fmtUs(d)})` });
    }
  }
  const taken = arr(o, 'signalTakenNs');
  const reacted = arr(o, 'reactedNs');
  if (taken !== undefined && reacted !== undefined) {
    const how = typeof o.onSigio === 'string' ? o.onSigio : 'react';
    const errnos = arr(o, 'reactErrno');
    for (let i = 0; i < taken.length; i++) {
      const s = Number(taken[i]) / 1000;
      const e = Number(reacted[i]) / 1000;
      if (!Number.isFinite(s) || !Number.isFinite(e)) continue;
      const errno = errnos?.[i];
      const err = typeof errno === 'string';
      bars.push({ start: s, end: e, op: `react: ${how}`, err, handler: true, tip: `signal handler #${i}: ${how} ${err ? errno : 'ok'} · ${fmtUs(s)} → ${fmtUs(e)} (${fmtUs(e - s)})` });
    }
  }
  return bars;
}

function rowsOf(r: Report): Row[] {
  return r.processes.map((p) => {
    let bars: Bar[] = p.steps.map((s) => ({
      start: s.startUs,
      end: s.endUs,
      op: s.op,
      err: s.errno !== null,
      handler: s.handler !== undefined,
      index: s.index,
      tip: `${s.handler === undefined ? `step ${s.index}` : `${s.handler} handler, step ${s.index}`}: ${stepText(s)} · ${fmtUs(s.startUs)} → ${fmtUs(s.endUs)} (${fmtUs(s.endUs - s.startUs)})`,
    }));
    if (bars.length === 0) bars = workloadBars(p);
    const life = bars.length === 0 ? lifetime(p) : null;
    let ticks = p.signals.map((g) => ({ at: g.atUs, signo: g.signo, tip: `${g.signo} delivered at ${fmtUs(g.atUs)}${g.fd === null ? '' : ` · si_fd ${g.fd}`}` }));
    let dropped = 0;
    if (bars.length > MAX_PER_ROW) {
      dropped += bars.length - MAX_PER_ROW;
      bars = bars.slice(0, MAX_PER_ROW);
    }
    if (ticks.length > MAX_PER_ROW) {
      dropped += ticks.length - MAX_PER_ROW;
      ticks = ticks.slice(0, MAX_PER_ROW);
    }
    const exit = p.error !== undefined ? 'program error' : p.exit === null ? 'running' : typeof p.exit === 'number' ? `exit ${p.exit}` : `killed by ${p.exit}`;
    const kind = p.workload !== undefined && p.workload !== null && typeof p.workload === 'object' && typeof (p.workload as { workload?: unknown }).workload === 'string' ? ` · ${(p.workload as { workload: string }).workload}` : '';
    return { pid: p.pid, name: p.name, sub: `pid ${p.pid} · ${exit}${kind}`, bars, ticks, hasHandlerLane: bars.some((b) => b.handler), dropped, life };
  });
}

const W = 1100;
const LABEL_W = 190;
const RIGHT = 16;
const AXIS_H = 26;
const LANE_H = 20;
const HANDLER_H = 12;
const PAD = 5;

/** The timeline SVG of one run, with a note when there is nothing to place in time. */
export function timeline(r: Report, runIndex: number): string {
  const rows = rowsOf(r);
  const breaks = (r.leaseBreaks.breaks ?? []).slice(0, MAX_BREAKS_DRAWN);
  let t0 = Infinity;
  let t1 = -Infinity;
  const see = (t: number): void => {
    if (!Number.isFinite(t)) return;
    t0 = Math.min(t0, t);
    t1 = Math.max(t1, t);
  };
  for (const row of rows) {
    for (const b of row.bars) {
      see(b.start);
      see(b.end);
    }
    for (const t of row.ticks) see(t.at);
    if (row.life !== null) {
      see(row.life.start);
      see(row.life.end);
    }
  }
  for (const b of breaks) {
    see(b.startUs);
    see(b.endUs);
  }
  const violations = r.violations;
  for (const v of violations) see(v.atUs);
  if (t0 === Infinity) return '<p class="note">No steps, signals or lease breaks were recorded in this run.</p>';
  const flat = t1 === t0;
  const axis = niceTicks(t0, flat ? t0 + 1 : t1, 8);
  const lo = flat ? t0 : Math.max(axis.lo, t0 - (t1 - t0) * 0.01);
  const hi = flat ? t0 + 1 : Math.min(axis.hi, t1 + (t1 - t0) * 0.01);
  const pw = W - LABEL_W - RIGHT;
  const x = (t: number): number => LABEL_W + ((t - lo) / (hi - lo)) * pw;

  // Row geometry: the lease-break lane first when there are breaks.
  const layout: { y: number; h: number }[] = [];
  let y = AXIS_H;
  const breakLane = breaks.length > 0 ? { y, h: LANE_H + 2 * PAD } : null;
  if (breakLane !== null) y += breakLane.h;
  const dmaLane = violations.length > 0 ? { y, h: LANE_H + 2 * PAD } : null;
  if (dmaLane !== null) y += dmaLane.h;
  for (const row of rows) {
    const h = LANE_H + (row.hasHandlerLane ? HANDLER_H + 2 : 0) + 2 * PAD;
    layout.push({ y, h });
    y += h;
  }
  const H = y + 4;
  const rowOfPid = new Map(rows.map((row, i) => [row.pid, i]));
  const nameOfPid = new Map(r.processes.map((p) => [p.pid, p.name]));

  const out: string[] = [];
  out.push(`<svg class="timeline" viewBox="0 0 ${W} ${H}" role="img"${attrs({ 'aria-label': `timeline of run ${runIndex + 1}`, 'data-timeline': runIndex, 'data-t0-us': t0, 'data-t1-us': t1 })}>`);
  // Row backgrounds and labels.
  rows.forEach((row, i) => {
    const g = layout[i]!;
    out.push(`<rect class="row-bg${i % 2 === 1 ? ' odd' : ''}" x="0" y="${g.y}" width="${W}" height="${g.h}"/>`);
    out.push(`<text class="row-name" x="8" y="${g.y + PAD + 9}">${esc(clip(row.name, 24))}<title>${esc(row.name)}</title></text>`);
    out.push(`<text class="row-sub" x="8" y="${g.y + PAD + 21}">${esc(clip(row.sub, 32))}</text>`);
  });
  if (breakLane !== null) {
    out.push(`<rect class="row-bg breaks-bg" x="0" y="${breakLane.y}" width="${W}" height="${breakLane.h}"/>`);
    out.push(`<text class="row-name" x="8" y="${breakLane.y + PAD + 13}">lease breaks</text>`);
  }
  if (dmaLane !== null) {
    out.push(`<rect class="row-bg dma-bg" x="0" y="${dmaLane.y}" width="${W}" height="${dmaLane.h}"/>`);
    out.push(`<text class="row-name" x="8" y="${dmaLane.y + PAD + 13}">DMA violations</text>`);
  }
  // Axis and grid.
  for (const t of axis.ticks) {
    if (t < lo - 1e-9 || t > hi + 1e-9) continue;
    const xx = x(t).toFixed(1);
    out.push(`<line class="grid" x1="${xx}" x2="${xx}" y1="${AXIS_H - 4}" y2="${H - 4}"/>`);
    const anchor = x(t) > W - RIGHT - 24 ? 'end' : 'middle';
    out.push(`<text class="tick" x="${xx}" y="${AXIS_H - 9}" text-anchor="${anchor}">${esc(fmtUs(t))}</text>`);
  }
  out.push(`<line class="divider" x1="${LABEL_W - 0.5}" x2="${LABEL_W - 0.5}" y1="${AXIS_H}" y2="${H - 4}"/>`);
  // Lease-break bands over the breaker's and holders' rows, and bars in the top lane.
  breaks.forEach((b, k) => {
    const x0 = x(b.startUs);
    const w = Math.max(3, x(b.endUs) - x0);
    const who = [b.breaker, ...b.holders];
    const tip = `lease break: ${nameOfPid.get(b.breaker) ?? `pid ${b.breaker}`} broke ${b.holders.map((h) => nameOfPid.get(h) ?? `pid ${h}`).join(', ') || 'a lease'} · ${b.result} · ${fmtUs(b.startUs)} → ${fmtUs(b.endUs)} (${fmtUs(b.endUs - b.startUs)})`;
    for (const pid of who) {
      const i = rowOfPid.get(pid);
      if (i === undefined) continue;
      const g = layout[i]!;
      out.push(`<rect class="break-band" x="${x0.toFixed(1)}" y="${g.y + 1}" width="${w.toFixed(1)}" height="${g.h - 2}"><title>${esc(tip)}</title></rect>`);
    }
    if (breakLane !== null) {
      out.push(
        `<rect class="break-bar result-${esc(cssKey(b.result))}" x="${x0.toFixed(1)}" y="${breakLane.y + PAD + 2}" width="${w.toFixed(1)}" height="${LANE_H - 4}"${attrs({ 'data-lease-break': k, 'data-start-us': b.startUs, 'data-end-us': b.endUs, 'data-result': b.result, 'data-breaker': nameOfPid.get(b.breaker) ?? b.breaker })}><title>${esc(tip)}</title></rect>`,
      );
    }
  });
  // Violations: a diamond per instant (coloured by its worst class), with how many landed then.
  if (dmaLane !== null) {
    const cy = dmaLane.y + dmaLane.h / 2;
    const at = new Map<number, (typeof violations)[number][]>();
    for (const v of violations) at.set(v.atUs, [...(at.get(v.atUs) ?? []), v]);
    for (const [t, vs] of at) {
      const xx = x(t);
      const cls = VIOLATION_ORDER.find((c) => vs.some((v) => v.class === c)) ?? vs[0]!.class;
      const byClass = VIOLATION_ORDER.map((c) => [c, vs.filter((v) => v.class === c).length] as const).filter(([, n]) => n > 0);
      const lines = vs.slice(0, 12).map((v) => `${v.class} · pfn ${v.pfn} · victim ${v.victim.path} +${v.victim.offset} · writer ${v.writer.process}${v.writer.mr === null ? '' : ` MR ${v.writer.mr}`} · intended ${v.intended.path} +${v.intended.offset}`);
      const tip = [`${vs.length} violation${vs.length === 1 ? '' : 's'} at ${fmtUs(t)}: ${byClass.map(([c, n]) => `${c} ${n}`).join(', ')}`, ...lines, ...(vs.length > lines.length ? [`… ${vs.length - lines.length} more`] : [])].join('\n');
      out.push(`<g${attrs({ 'data-violation-mark': true, 'data-at-us': t, 'data-count': vs.length, 'data-class': cls })}><title>${esc(tip)}</title><path class="dma c-${esc(cssKey(cls))}" d="M${xx.toFixed(1)} ${cy - 7} l6 7 l-6 7 l-6 -7 z"/>${vs.length > 1 ? `<text class="dma-n" x="${(xx + 8).toFixed(1)}" y="${cy + 4}">${vs.length}</text>` : ''}</g>`);
    }
  }
  // Syscall bars and signal ticks.
  rows.forEach((row, i) => {
    const g = layout[i]!;
    out.push(`<g${attrs({ 'data-process': row.name, 'data-pid': row.pid, 'data-steps': row.bars.length, 'data-signals': row.ticks.length })}>`);
    if (row.life !== null) {
      const x0 = x(row.life.start);
      out.push(`<rect class="life" x="${x0.toFixed(1)}" y="${g.y + PAD + LANE_H / 2 - 3}" width="${Math.max(1.5, x(row.life.end) - x0).toFixed(1)}" height="6"><title>${esc(`${row.name} ran ${fmtUs(row.life.start)} → ${fmtUs(row.life.end)} (no per-operation record in its output)`)}</title></rect>`);
    }
    for (const b of row.bars) {
      const x0 = x(b.start);
      const w = Math.max(1.5, x(b.end) - x0);
      const yy = b.handler ? g.y + PAD + LANE_H + 2 : g.y + PAD;
      const hh = b.handler ? HANDLER_H : LANE_H;
      const cls = `bar op-${opFamily(b.op)}${b.err ? ' err' : ''}${b.handler ? ' handler' : ''}`;
      out.push(`<rect class="${cls}" x="${x0.toFixed(1)}" y="${yy}" width="${w.toFixed(2)}" height="${hh}"${attrs({ 'data-op': b.op, 'data-start-us': b.start, 'data-end-us': b.end })}><title>${esc(b.tip)}</title></rect>`);
      if (!b.handler && w > 46) out.push(`<text class="bar-label" x="${(x0 + 3).toFixed(1)}" y="${yy + 14}">${esc(clip(b.op, Math.floor(w / 6.5)))}</text>`);
    }
    for (const t of row.ticks) {
      const xx = x(t.at).toFixed(1);
      out.push(`<g class="sig"${attrs({ 'data-signal': t.signo, 'data-at-us': t.at })}><title>${esc(t.tip)}</title><line x1="${xx}" x2="${xx}" y1="${g.y + 2}" y2="${g.y + g.h - 2}"/><path d="M${xx} ${g.y + 8} l-4 -6 h8 z"/></g>`);
    }
    out.push('</g>');
  });
  out.push('</svg>');
  const notes: string[] = [];
  if (flat) notes.push(`Every step of this run is at ${esc(fmtUs(t0))}: the deterministic runtime's clock only moves on sleeps, timeouts and lease-break deadlines, so the order is in the step list below, not in the picture.`);
  const dropped = rows.filter((row) => row.dropped > 0);
  if (dropped.length > 0) notes.push(`Drawn: the first ${MAX_PER_ROW} bars and ticks per process (${dropped.map((row) => `${esc(row.name)}: ${row.dropped} more`).join(', ')}).`);
  if ((r.leaseBreaks.breaks?.length ?? 0) > breaks.length) notes.push(`Drawn: the first ${breaks.length} of ${r.leaseBreaks.breaks!.length} listed lease breaks.`);
  return out.join('') + notes.map((n) => `<p class="note">${n}</p>`).join('');
}

export function cssKey(s: string): string {
  return s.replace(/[^A-Za-z0-9_-]/g, '_');
}

function clip(s: string, n: number): string {
  if (n < 2) return '';
  return s.length <= n ? s : `${s.slice(0, n - 1)}…`;
}

