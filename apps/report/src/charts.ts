/**
 * Hand-written SVG charts (static: they need no script): a percentile plot on a log 1/(1-p) axis
 * and a stacked histogram. Every label is escaped; every mark carries data attributes.
 */
import { attrs, esc, fmtUs, num } from './html.js';

/** Nice tick values covering [lo, hi], about `count` of them (steps of 1, 2 or 5 × 10^k). */
export function niceTicks(lo: number, hi: number, count = 6): { ticks: number[]; step: number; lo: number; hi: number } {
  if (!(hi > lo)) hi = lo + 1;
  const step = niceStep((hi - lo) / count);
  const first = Math.floor(lo / step) * step;
  const last = Math.ceil(hi / step) * step;
  const ticks: number[] = [];
  for (let i = 0; first + i * step <= last + step * 1e-9; i++) ticks.push(round(first + i * step, step));
  return { ticks, step, lo: first, hi: last };
}

export function niceStep(raw: number): number {
  if (!(raw > 0)) return 1;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const f = raw / mag;
  return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * mag;
}

/** Round away floating-point dust relative to the tick step. */
function round(v: number, step: number): number {
  const d = Math.max(0, -Math.floor(Math.log10(step)) + 1);
  return Number(v.toFixed(Math.min(d, 12)));
}

export interface PercentileValues {
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly p999: number;
  readonly max: number;
}

export const PCT_KEYS = ['p50', 'p90', 'p99', 'p999', 'max'] as const;
export const PCT_LABELS: Record<(typeof PCT_KEYS)[number], string> = { p50: 'p50', p90: 'p90', p99: 'p99', p999: 'p99.9', max: 'max' };
/** Where each percentile sits on the log10(1/(1-p)) axis; max is drawn one decade past p99.9. */
const PCT_X: Record<(typeof PCT_KEYS)[number], number> = { p50: Math.log10(2), p90: 1, p99: 2, p999: 3, max: 4 };

export interface Series {
  readonly key: string;
  readonly label: string;
  readonly color: string;
  readonly values: PercentileValues;
  readonly dash?: string;
}

export interface ChartBox {
  readonly width: number;
  readonly height: number;
}

const M = { left: 64, right: 14, top: 12, bottom: 34 };

/** A y scale for latencies: linear from 0, or log10 when the values span more than ~1.5 decades. */
interface YScale {
  readonly log: boolean;
  readonly of: (v: number) => number;
  readonly ticks: readonly { readonly v: number; readonly label: boolean }[];
}

function yScale(values: readonly number[], top: number, ph: number): YScale {
  const max = Math.max(0, ...values);
  const pos = values.filter((v) => v > 0);
  const minPos = pos.length === 0 ? 0 : Math.min(...pos);
  if (minPos > 0 && max / minPos >= 30) {
    const dLo = Math.floor(Math.log10(minPos));
    const dHi = Math.max(dLo + 1, Math.ceil(Math.log10(max)));
    const of = (v: number): number => top + ph - ((Math.max(dLo, Math.log10(Math.max(v, 1e-300))) - dLo) / (dHi - dLo)) * ph;
    const ticks: { v: number; label: boolean }[] = [];
    for (let d = dLo; d <= dHi; d++) {
      ticks.push({ v: 10 ** d, label: true });
      if (d < dHi && dHi - dLo <= 4) ticks.push({ v: 2 * 10 ** d, label: false }, { v: 5 * 10 ** d, label: false });
    }
    return { log: true, of, ticks };
  }
  const y = niceTicks(0, max > 0 ? max : 1, 5);
  return { log: false, of: (v) => top + ph - ((v - y.lo) / (y.hi - y.lo)) * ph, ticks: y.ticks.map((v) => ({ v, label: true })) };
}

/** Latency by percentile: p50 … max on a log 1/(1-p) axis; µs linear from 0, or log for wide ranges. */
export function percentilePlot(series: readonly Series[], box: ChartBox, caption: string): string {
  const { width: W, height: H } = box;
  const pw = W - M.left - M.right;
  const ph = H - M.top - M.bottom;
  const y = yScale(
    series.flatMap((s) => PCT_KEYS.map((k) => s.values[k])),
    M.top,
    ph,
  );
  const xOf = (k: (typeof PCT_KEYS)[number]): number => M.left + ((PCT_X[k] - PCT_X.p50) / (PCT_X.max - PCT_X.p50)) * pw;
  const parts: string[] = [];
  parts.push(`<svg class="chart" viewBox="0 0 ${W} ${H}" role="img"${attrs({ 'aria-label': caption, 'data-chart': 'percentiles', 'data-y-scale': y.log ? 'log' : 'linear' })}>`);
  for (const t of y.ticks) {
    const yy = y.of(t.v).toFixed(1);
    parts.push(`<line class="grid${t.label ? '' : ' minor'}" x1="${M.left}" x2="${W - M.right}" y1="${yy}" y2="${yy}"/>`);
    if (t.label) parts.push(`<text class="tick" x="${M.left - 6}" y="${yy}" text-anchor="end" dominant-baseline="middle">${esc(fmtUs(t.v))}</text>`);
  }
  for (const k of PCT_KEYS) {
    const xx = xOf(k).toFixed(1);
    parts.push(`<line class="grid" x1="${xx}" x2="${xx}" y1="${M.top}" y2="${M.top + ph}"/>`);
    parts.push(`<text class="tick" x="${xx}" y="${M.top + ph + 16}" text-anchor="middle">${PCT_LABELS[k]}</text>`);
  }
  parts.push(`<text class="axis-title" x="${M.left + pw / 2}" y="${H - 3}" text-anchor="middle">${y.log ? 'percentile (log 1/(1−p)) · latency on a log scale, 0 at the floor' : 'percentile (log 1/(1−p))'}</text>`);
  for (const s of series) {
    const pts = PCT_KEYS.map((k) => `${xOf(k).toFixed(1)},${y.of(s.values[k]).toFixed(1)}`).join(' ');
    parts.push(`<g${attrs({ 'data-series': s.key })}>`);
    parts.push(`<polyline points="${pts}" fill="none" stroke="${esc(s.color)}" stroke-width="2"${s.dash === undefined ? '' : ` stroke-dasharray="${esc(s.dash)}"`}/>`);
    for (const k of PCT_KEYS) {
      const v = s.values[k];
      parts.push(`<circle cx="${xOf(k).toFixed(1)}" cy="${y.of(v).toFixed(1)}" r="3" fill="${esc(s.color)}"${attrs({ 'data-pct': k, 'data-value': v })}><title>${esc(`${s.label} ${PCT_LABELS[k]} = ${fmtUs(v)}`)}</title></circle>`);
    }
    parts.push('</g>');
  }
  parts.push(`<rect class="frame" x="${M.left}" y="${M.top}" width="${pw}" height="${ph}"/>`);
  parts.push('</svg>');
  return parts.join('');
}

export interface HistClass {
  readonly key: string;
  readonly label: string;
  readonly color: string;
}

interface Bins {
  /** Bin i covers [edges[i], edges[i+1]); with `zero`, bin 0 holds the zeros alone. */
  readonly edges: readonly number[];
  readonly zero: boolean;
  readonly log: boolean;
  readonly step: number;
  readonly index: (v: number) => number;
}

/** Log bins (5 per decade) when the samples span more than ~1.7 decades, else ~24 linear nice bins. */
function binsFor(values: readonly number[]): Bins {
  let lo = Infinity;
  let hi = -Infinity;
  let minPos = Infinity;
  for (const v of values) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
    if (v > 0) minPos = Math.min(minPos, v);
  }
  if (Number.isFinite(minPos) && hi / minPos >= 50) {
    const PER = 5;
    const dLo = Math.floor(Math.log10(minPos));
    const dHi = Math.max(dLo + 1, Math.ceil(Math.log10(hi)));
    const n = (dHi - dLo) * PER;
    const zero = lo <= 0;
    const edges = Array.from({ length: n + 1 }, (_, j) => 10 ** (dLo + j / PER));
    const off = zero ? 1 : 0;
    return {
      edges: zero ? [0, ...edges] : edges,
      zero,
      log: true,
      step: 1 / PER,
      index: (v) => (v <= 0 ? 0 : off + Math.min(n - 1, Math.max(0, Math.floor((Math.log10(v) - dLo) * PER + 1e-9)))),
    };
  }
  const step = hi > lo ? niceStep((hi - lo) / 24) : Math.max(niceStep(Math.abs(hi) / 10), 1);
  const first = Math.floor(lo / step) * step;
  const n = Math.max(1, Math.floor((hi - first) / step) + 1);
  return {
    edges: Array.from({ length: n + 1 }, (_, i) => round(first + i * step, step)),
    zero: false,
    log: false,
    step,
    index: (v) => Math.min(n - 1, Math.max(0, Math.floor((v - first) / step))),
  };
}

/** A stacked histogram of values (µs) by class. */
export function histogram(values: readonly { readonly v: number; readonly cls: string }[], classes: readonly HistClass[], box: ChartBox, caption: string): string {
  const { width: W, height: H } = box;
  const pw = W - M.left - M.right;
  const ph = H - M.top - M.bottom;
  const parts: string[] = [`<svg class="chart" viewBox="0 0 ${W} ${H}" role="img"${attrs({ 'aria-label': caption, 'data-chart': 'histogram', 'data-samples': values.length })}>`];
  if (values.length === 0) {
    parts.push(`<text class="empty" x="${W / 2}" y="${H / 2}" text-anchor="middle">no samples</text></svg>`);
    return parts.join('');
  }
  const bins = binsFor(values.map((x) => x.v));
  const nBins = bins.edges.length - 1;
  const counts = Array.from({ length: nBins }, () => new Map<string, number>());
  for (const { v, cls } of values) {
    const m = counts[bins.index(v)]!;
    m.set(cls, (m.get(cls) ?? 0) + 1);
  }
  const totals = counts.map((m) => [...m.values()].reduce((a, b) => a + b, 0));
  const y = niceTicks(0, Math.max(1, ...totals), 4);
  const yTicks = y.ticks.filter((t) => Number.isInteger(t));
  const yOf = (c: number): number => M.top + ph - (c / y.hi) * ph;
  const bw = pw / nBins;
  for (const t of yTicks) {
    const yy = yOf(t).toFixed(1);
    parts.push(`<line class="grid" x1="${M.left}" x2="${W - M.right}" y1="${yy}" y2="${yy}"/>`);
    parts.push(`<text class="tick" x="${M.left - 6}" y="${yy}" text-anchor="end" dominant-baseline="middle">${t}</text>`);
  }
  const label = (i: number, text: string): void => {
    const xx = (M.left + i * bw).toFixed(1);
    parts.push(`<line class="tickmark" x1="${xx}" x2="${xx}" y1="${M.top + ph}" y2="${M.top + ph + 4}"/>`);
    const anchor = i === 0 ? 'start' : M.left + i * bw > W - M.right - 20 ? 'end' : 'middle';
    parts.push(`<text class="tick" x="${xx}" y="${M.top + ph + 16}" text-anchor="${anchor}">${esc(text)}</text>`);
  };
  if (bins.log) {
    if (bins.zero) parts.push(`<text class="tick" x="${(M.left + bw / 2).toFixed(1)}" y="${M.top + ph + 16}" text-anchor="middle">0</text>`);
    const from = bins.zero ? 1 : 0;
    for (let i = from; i <= nBins; i += 5) label(i, fmtUs(bins.edges[i]!));
  } else {
    const every = Math.max(1, Math.ceil((nBins + 1) / 6));
    for (let i = 0; i <= nBins; i += every) label(i, fmtUs(bins.edges[i]!));
  }
  const title = bins.log ? 'latency (log bins, 5 per decade)' : `latency (bins of ${fmtUs(bins.step)})`;
  parts.push(`<text class="axis-title" x="${M.left + pw / 2}" y="${H - 3}" text-anchor="middle">${esc(title)}</text>`);
  parts.push(`<text class="axis-title" transform="translate(12 ${M.top + ph / 2}) rotate(-90)" text-anchor="middle">breaks</text>`);
  for (let i = 0; i < nBins; i++) {
    const m = counts[i]!;
    if (totals[i] === 0) continue;
    const binLo = bins.edges[i]!;
    const binHi = bins.edges[i + 1]!;
    const x = M.left + i * bw + 0.5;
    let acc = 0;
    const tip = classes.filter((c) => (m.get(c.key) ?? 0) > 0).map((c) => `${c.label} ${m.get(c.key)}`).join(', ');
    const range = bins.zero && i === 0 ? '0' : `${fmtUs(binLo)} – ${fmtUs(binHi)}`;
    parts.push(`<g${attrs({ 'data-bin-lo': num(binLo, 3), 'data-bin-hi': num(bins.zero && i === 0 ? 0 : binHi, 3), 'data-count': totals[i] })}><title>${esc(`${range}: ${totals[i]} (${tip})`)}</title>`);
    for (const c of classes) {
      const n = m.get(c.key) ?? 0;
      if (n === 0) continue;
      const y1 = yOf(acc + n);
      const y0 = yOf(acc);
      parts.push(`<rect x="${x.toFixed(1)}" y="${y1.toFixed(1)}" width="${Math.max(1, bw - 1).toFixed(1)}" height="${Math.max(0.5, y0 - y1).toFixed(1)}" fill="${esc(c.color)}"/>`);
      acc += n;
    }
    parts.push('</g>');
  }
  parts.push(`<rect class="frame" x="${M.left}" y="${M.top}" width="${pw}" height="${ph}"/>`);
  parts.push('</svg>');
  return parts.join('');
}
