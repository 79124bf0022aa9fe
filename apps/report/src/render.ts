/**
 * renderReport: reports (and, for `leasebreak matrix`, its cells) → one self-contained HTML page.
 * No network: the stylesheet, the script and every chart are inline (charts are static SVG drawn
 * here), and the input is embedded as `<script type="application/json" id="data">`. The output is
 * a pure function of the input: no clock, no randomness, stable order.
 */
import type { Report } from '@leasebreak/workloads';
import { type HistClass, type Series, histogram, percentilePlot } from './charts.js';
import { CLIENT_JS } from './client.js';
import { attrs, esc, fmtCount, fmtOffset, fmtUs, jsonForScript, num } from './html.js';
import { droppedIn, eventsPanel } from './events.js';
import { CSS } from './style.js';
import { OP_FAMILIES, cssKey, fmtArg, timeline } from './timeline.js';

export interface MatrixCell {
  readonly scenario: string;
  readonly policy: string;
  readonly runs: number;
  /** Outcome class (or errno, or `error`) → number of runs in which it appeared. */
  readonly seen: Readonly<Record<string, number>>;
  readonly text: string;
}

export interface MatrixInput {
  readonly cells: readonly MatrixCell[];
  readonly scenarios: readonly string[];
  readonly policies: readonly string[];
}

export interface RenderInput {
  readonly reports: readonly Report[];
  readonly matrix?: MatrixInput;
  readonly title?: string;
}

const VIOLATION_CLASSES = ['corruption', 'dataLeak', 'staleOffset', 'lostWrite'] as const;
const ERRNOS = ['EPERM', 'ETXTBSY', 'EOPNOTSUPP', 'EINTR'] as const;
/** The matrix's order of outcome keys (apps/cli matrix.ts), then `error`. */
const CELL_ORDER = [...VIOLATION_CLASSES, 'hang', ...ERRNOS, 'delayedOk', 'error'] as const;
/** Colours of the per-run series in the combined latency plot. */
const PALETTE = ['#1570ef', '#d92d20', '#079455', '#dc6803', '#7a5af8', '#0e9384', '#c11574', '#475467', '#a15c07', '#4e5ba6'];
const PHASES = [
  { key: 'total', label: 'break → breaker resumes (latencyUs)', color: '#101828', dash: undefined },
  { key: 'notify', label: 'notify: break → holder takes the signal', color: '#2e90fa', dash: '5 3' },
  { key: 'holder', label: 'holder: signal → lease released', color: '#f79009', dash: '5 3' },
  { key: 'wake', label: 'wake: release → breaker resumes', color: '#12b76a', dash: '5 3' },
] as const;
const RESULT_CLASSES: HistClass[] = [
  { key: 'ok', label: 'released (ok)', color: '#facc15' },
  { key: 'timedOut', label: 'lease-break-time expired', color: '#f97066' },
  { key: 'EINTR', label: 'breaker interrupted (EINTR)', color: '#84caff' },
  { key: 'other', label: 'other', color: '#98a2b3' },
];
/** Most per-run lease-break chart cards (the table lists every run). */
const MAX_LATENCY_CARDS = 16;
/** Of those, how many start open. */
const OPEN_LATENCY_CARDS = 4;
/** Most rows in one run's step list. */
const MAX_STEP_ROWS = 1500;

function runLabel(r: Report): string {
  return `${r.scenario} · ${r.policy} · seed ${r.seed}`;
}

function statusBadge(s: string): string {
  return `<span class="status ${esc(cssKey(s))}">${esc(s)}</span>`;
}

function countCell(key: string, cls: string, n: number): string {
  return `<td class="num c-${cls} ${n > 0 ? 'pos' : 'zero'}"${attrs({ 'data-outcome': key, 'data-value': n })}>${n > 0 ? fmtCount(n) : '0'}</td>`;
}

/** The informed failures of a run, by errno, in one cell (each errno's count also as an attribute). */
function informedCell(r: Report): string {
  const inf = r.outcomes.informedFailure;
  const a: Record<string, number> = {};
  for (const e of ERRNOS) a[`data-${e.toLowerCase()}`] = inf[e] ?? 0;
  const total = ERRNOS.reduce((x, e) => x + (inf[e] ?? 0), 0);
  const text = ERRNOS.filter((e) => (inf[e] ?? 0) > 0).map((e) => `<span class="chip k-${e}">${e} ${inf[e]}</span>`).join('');
  return `<td${attrs({ 'data-outcome': 'informedFailure', 'data-value': total, ...a })}${total === 0 ? ' class="zero"' : ''}>${total === 0 ? '—' : text}</td>`;
}

function sumBy(reports: readonly Report[], f: (r: Report) => number): number {
  return reports.reduce((a, r) => a + f(r), 0);
}

function distinct<T>(xs: readonly T[]): T[] {
  return [...new Set(xs)];
}

// ─── header ──────────────────────────────────────────────────────────────────────────────────

function header(input: RenderInput, title: string): string {
  const rs = input.reports;
  const scenarios = distinct(rs.map((r) => r.scenario));
  const policies = distinct(rs.map((r) => r.policy));
  const modes = distinct(rs.map((r) => r.mode));
  const by = (s: string): number => rs.filter((r) => r.status === s).length;
  const violations = sumBy(rs, (r) => VIOLATION_CLASSES.reduce((a, c) => a + r.outcomes[c], 0));
  const hangs = sumBy(rs, (r) => r.outcomes.hang);
  const informed = sumBy(rs, (r) => ERRNOS.reduce((a, e) => a + (r.outcomes.informedFailure[e] ?? 0), 0));
  const delayed = sumBy(rs, (r) => r.outcomes.delayedOk);
  const breaks = sumBy(rs, (r) => r.leaseBreaks.count);
  const leaked = sumBy(rs, (r) => r.pins.leaked);
  const worstP99 = Math.max(0, ...rs.filter((r) => r.leaseBreaks.count > 0).map((r) => r.leaseBreaks.latencyUs.p99));
  const dropped = sumBy(rs, droppedIn);
  const kpi = (key: string, v: string, k: string, tone: '' | 'bad' | 'good' = ''): string => `<div class="kpi${tone === '' ? '' : ` ${tone}`}"${attrs({ 'data-kpi': key })}><div class="v">${v}</div><div class="k">${k}</div></div>`;
  const sub = [
    `${rs.length} run${rs.length === 1 ? '' : 's'}`,
    `${scenarios.length} scenario${scenarios.length === 1 ? '' : 's'}`,
    `${policies.length === 1 ? `policy ${policies[0]}` : `${policies.length} policies`}`,
    `mode ${modes.join(', ') || '—'}`,
  ];
  return [
    `<header class="top"><h1>${esc(title)}</h1><div class="sub">${esc(sub.join(' · '))}</div>`,
    `<div class="kpis">`,
    kpi('passed', `${by('passed')}<span class="runs-n"> / ${rs.length}</span>`, 'runs passed', by('passed') === rs.length && rs.length > 0 ? 'good' : ''),
    kpi('failed', String(by('failed') + by('error') + by('interrupted')), `failed ${by('failed')} · error ${by('error')} · interrupted ${by('interrupted')}`, by('failed') + by('error') + by('interrupted') > 0 ? 'bad' : ''),
    kpi('violations', fmtCount(violations), 'DMA violations (corruption, dataLeak, staleOffset, lostWrite)', violations > 0 ? 'bad' : 'good'),
    kpi('hangs', fmtCount(hangs), 'hangs', hangs > 0 ? 'bad' : ''),
    kpi('informed', fmtCount(informed), 'informed failures (EPERM, ETXTBSY, EOPNOTSUPP, EINTR)'),
    kpi('delayed', fmtCount(delayed), 'delayed-ok layout changes'),
    kpi('breaks', fmtCount(breaks), breaks > 0 ? `lease breaks · worst p99 ${esc(fmtUs(worstP99))}` : 'lease breaks'),
    kpi('pins-leaked', fmtCount(leaked), 'pins leaked', leaked > 0 ? 'bad' : ''),
    dropped > 0 ? kpi('events-dropped', fmtCount(dropped), `events not kept (full event rings) in ${rs.filter((r) => droppedIn(r) > 0).length} run(s)`, 'bad') : '',
    `</div></header>`,
  ].join('');
}

// ─── outcome matrix and runs table ─────────────────────────────────────────────────────────

function worstOf(seen: Readonly<Record<string, number>>): string {
  const has = (k: string): boolean => (seen[k] ?? 0) > 0;
  if (VIOLATION_CLASSES.some(has)) return 'violation';
  if (has('hang')) return 'hang';
  if (has('error')) return 'error';
  if (ERRNOS.some(has)) return 'informed';
  if (has('delayedOk')) return 'delayedOk';
  return 'ok';
}

/** How many times outcome `k` (a class, an errno or `error`) happened across these runs. */
function eventsOf(rs: readonly Report[], k: string): number | undefined {
  if ((VIOLATION_CLASSES as readonly string[]).includes(k) || k === 'hang' || k === 'delayedOk') return sumBy(rs, (r) => r.outcomes[k as 'hang']);
  if ((ERRNOS as readonly string[]).includes(k)) return sumBy(rs, (r) => r.outcomes.informedFailure[k as 'EPERM'] ?? 0);
  if (k === 'error') return rs.filter((r) => r.status === 'error').length;
  return undefined;
}

function matrixTable(m: MatrixInput, reports: readonly Report[]): string {
  const sameRuns = m.cells.length > 0 && m.cells.every((c) => c.runs === m.cells[0]!.runs);
  const out: string[] = ['<div class="wrap"><table class="matrix" data-matrix><thead><tr><th>scenario \\ policy</th>'];
  for (const p of m.policies) out.push(`<th${attrs({ 'data-policy': p })}>${esc(p)}</th>`);
  out.push('</tr></thead><tbody>');
  for (const s of m.scenarios) {
    out.push(`<tr${attrs({ 'data-scenario': s })}><th>${esc(s)}</th>`);
    for (const p of m.policies) {
      const c = m.cells.find((x) => x.scenario === s && x.policy === p);
      if (c === undefined) {
        out.push(`<td class="cell w-none"${attrs({ 'data-outcome-cell': true, 'data-scenario': s, 'data-policy': p, 'data-runs': 0, 'data-worst': 'none' })}>—</td>`);
        continue;
      }
      const worst = worstOf(c.seen);
      const seenAttrs: Record<string, number> = {};
      for (const k of CELL_ORDER) seenAttrs[`data-seen-${k.toLowerCase()}`] = c.seen[k] ?? 0;
      const keys = [...CELL_ORDER, ...Object.keys(c.seen).filter((k) => !(CELL_ORDER as readonly string[]).includes(k)).sort()].filter((k) => (c.seen[k] ?? 0) > 0);
      const rs = reports.filter((r) => r.scenario === s && r.policy === p);
      const chip = (k: string): string => {
        const events = rs.length === c.runs ? eventsOf(rs, k) : undefined;
        const text = c.runs === 1 ? (events === undefined ? k : `${k} ${fmtCount(events)}`) : `${k} ${c.seen[k]}/${c.runs}`;
        const tip = `${k}: seen in ${c.seen[k]} of ${c.runs} run${c.runs === 1 ? '' : 's'}${events === undefined ? '' : `, ${events} in all`}`;
        return `<span class="chip k-${esc(cssKey(k))}" title="${esc(tip)}">${esc(text)}</span>`;
      };
      const chips = keys.length === 0 ? '<span class="chip k-ok">ok</span>' : keys.map(chip).join('');
      const run = reports.findIndex((r) => r.scenario === s && r.policy === p);
      const body = `${chips}${sameRuns ? '' : `<div class="runs-n">${c.runs} run${c.runs === 1 ? '' : 's'}</div>`}`;
      out.push(
        `<td class="cell w-${worst}"${attrs({ 'data-outcome-cell': true, 'data-scenario': s, 'data-policy': p, 'data-runs': c.runs, 'data-text': c.text, 'data-worst': worst, ...seenAttrs })} title="${esc(`${s} × ${p}: ${c.text}`)}">${run >= 0 ? `<a href="#run-${run}">${body}</a>` : body}</td>`,
      );
    }
    out.push('</tr>');
  }
  out.push('</tbody></table></div>');
  return out.join('');
}

function matrixLead(m: MatrixInput): string {
  const runs = distinct(m.cells.map((c) => c.runs));
  if (runs.length === 1 && runs[0] === 1) return 'Each cell is one run: the outcome classes it showed, and how many times each happened.';
  if (runs.length === 1) return `Each cell is ${runs[0]} runs (seeds): the outcome classes that appeared, in how many of the runs.`;
  return 'Each cell: the outcome classes that appeared, in how many of its runs (one run: how many times).';
}

function chipLegend(): string {
  const items: [string, string][] = [
    ['corruption', 'DMA landed in a block now owned by another file'],
    ['dataLeak', "another file's data reached the peer or a reader"],
    ['staleOffset', 'the write landed in the same file at a shifted offset'],
    ['lostWrite', 'the write landed in a free block'],
    ['hang', 'a syscall blocked past the watchdog'],
    ['EPERM', 'informed failure, by errno (EPERM, ETXTBSY, EOPNOTSUPP, EINTR)'],
    ['delayedOk', 'waited, then succeeded cleanly'],
    ['error', 'simulator or program error'],
  ];
  return `<div class="legend">${items.map(([k, d]) => `<span><span class="chip k-${k}">${k === 'EPERM' ? 'errno' : k}</span>${esc(d)}</span>`).join('')}</div>`;
}

function runsTable(reports: readonly Report[]): string {
  // One mode for every run (the usual case): the page header says which, the table needs no column.
  const modeCol = distinct(reports.map((r) => r.mode)).length > 1;
  const head = [
    `<th class="num">#</th><th>scenario</th><th>policy</th>${modeCol ? '<th>mode</th>' : ''}<th class="num">seed</th><th>status</th><th class="num">ms</th>`,
    ...VIOLATION_CLASSES.map((c) => `<th class="num">${c}</th>`),
    '<th class="num">hang</th><th class="num">delayedOk</th><th>informed failures</th>',
    '<th class="num">lease breaks</th><th class="num">break p50</th><th class="num">pins leaked</th><th class="num" title="expectations held / expectations">held</th>',
  ].join('');
  const rows = reports.map((r, i) => {
    const held = r.expectations.filter((e) => e.ok).length;
    const lb = r.leaseBreaks;
    const cells = [
      `<td class="num">${i + 1}</td>`,
      `<td><a href="#run-${i}">${esc(r.scenario)}</a></td>`,
      `<td>${esc(r.policy)}</td>`,
      modeCol ? `<td>${esc(r.mode)}</td>` : '',
      `<td class="num">${r.seed}</td>`,
      `<td>${statusBadge(r.status)}</td>`,
      `<td class="num">${num(r.durationMs, 1)}</td>`,
      ...VIOLATION_CLASSES.map((c) => countCell(c, c, r.outcomes[c])),
      countCell('hang', 'hang', r.outcomes.hang),
      countCell('delayedOk', 'delayedOk', r.outcomes.delayedOk),
      informedCell(r),
      `<td class="num"${attrs({ 'data-outcome': 'leaseBreaks', 'data-value': lb.count })}>${fmtCount(lb.count)}</td>`,
      `<td class="num"${attrs({ 'data-latency-p50': lb.latencyUs.p50 })}>${lb.count > 0 ? esc(fmtUs(lb.latencyUs.p50)) : '—'}</td>`,
      countCell('pinsLeaked', 'corruption', r.pins.leaked),
      `<td class="num${held < r.expectations.length ? ' pos c-corruption' : ''}"${attrs({ 'data-expectations-held': held, 'data-expectations': r.expectations.length })}>${held}/${r.expectations.length}</td>`,
    ];
    return `<tr${attrs({ 'data-run-row': true, 'data-run-index': i, 'data-scenario': r.scenario, 'data-policy': r.policy, 'data-seed': r.seed, 'data-mode': r.mode, 'data-status': r.status })}>${cells.join('')}</tr>`;
  });
  const statuses = distinct(reports.map((r) => r.status));
  const filter =
    reports.length > 1
      ? `<div class="filters"><label>status <select id="filter-status"><option value="">all</option>${statuses.map((s) => `<option value="${esc(s)}">${esc(s)}</option>`).join('')}</select></label><label>scenario / policy / seed <input id="filter-text" type="search" size="24"></label><span id="filter-count">${reports.length} runs</span></div>`
      : '';
  return `${filter}<div class="wrap"><table class="grid runs" data-runs-table><thead><tr>${head}</tr></thead><tbody>${rows.join('')}</tbody></table></div>`;
}

// ─── lease-break latency ───────────────────────────────────────────────────────────────────

type Phase = (typeof PHASES)[number]['key'];

function phaseValues(r: Report, k: Phase): Series['values'] {
  return k === 'total' ? r.leaseBreaks.latencyUs : r.leaseBreaks.phasesUs[k];
}

function latencySection(reports: readonly Report[]): string {
  const idx = reports.map((r, i) => ({ r, i })).filter(({ r }) => r.leaseBreaks.count + r.leaseBreaks.wouldBlock > 0);
  if (idx.length === 0) return '<p class="note" data-no-lease-breaks>No run broke a lease.</p>';
  const out: string[] = [];
  // The table: every run, every phase.
  out.push('<div class="wrap"><table class="grid latency" data-latency-table><thead><tr><th>run</th><th class="num">breaks</th><th class="num">timed out</th><th class="num">EINTR</th><th class="num">EWOULDBLOCK</th><th>phase</th><th class="num">p50</th><th class="num">p90</th><th class="num">p99</th><th class="num">p99.9</th><th class="num">max</th></tr></thead><tbody>');
  for (const { r, i } of idx) {
    const lb = r.leaseBreaks;
    PHASES.forEach((ph, j) => {
      const v = phaseValues(r, ph.key);
      const lead =
        j === 0
          ? `<td rowspan="4"><a href="#run-${i}">${esc(runLabel(r))}</a></td><td rowspan="4" class="num">${fmtCount(lb.count)}</td><td rowspan="4" class="num">${lb.timedOut}</td><td rowspan="4" class="num">${lb.interrupted}</td><td rowspan="4" class="num">${lb.wouldBlock}</td>`
          : '';
      const tds = (['p50', 'p90', 'p99', 'p999', 'max'] as const).map((k) => `<td class="num">${esc(fmtUs(v[k]))}</td>`).join('');
      out.push(
        `<tr${attrs({ 'data-latency-row': true, 'data-run-index': i, 'data-metric': ph.key, 'data-latency-p50': v.p50, 'data-latency-p90': v.p90, 'data-latency-p99': v.p99, 'data-latency-p999': v.p999, 'data-latency-max': v.max, 'data-breaks': lb.count })}>${lead}<td>${ph.key === 'total' ? '<b>total</b>' : ph.key}</td>${tds}</tr>`,
      );
    });
  }
  out.push('</tbody></table></div>');
  // Across runs: the total latency of each run on one percentile plot.
  const withBreaks = idx.filter(({ r }) => r.leaseBreaks.count > 0);
  if (withBreaks.length > 1) {
    const shown = [...withBreaks].sort((a, b) => b.r.leaseBreaks.latencyUs.p99 - a.r.leaseBreaks.latencyUs.p99 || a.i - b.i).slice(0, PALETTE.length);
    const series: Series[] = shown.map(({ r, i }, k) => ({ key: `run-${i}`, label: runLabel(r), color: PALETTE[k]!, values: r.leaseBreaks.latencyUs }));
    out.push(`<div class="card" data-latency-compare><h3>Lease-break latency by run</h3><div class="meta">break → breaker resumes, percentiles of each run${withBreaks.length > shown.length ? ` (the ${shown.length} of ${withBreaks.length} runs with the highest p99)` : ''}</div>`);
    out.push(`<div class="wide">${percentilePlot(series, { width: 900, height: 300 }, 'lease-break latency percentiles by run')}</div>`);
    out.push(`<div class="legend">${series.map((s) => `<span><span class="sw line" style="background:${s.color}"></span>${esc(s.label)}</span>`).join('')}</div></div>`);
  }
  // Per run: the phases' percentiles and the histogram of single breaks.
  out.push('<div class="charts" style="margin-top:14px">');
  for (const [n, { r, i }] of withBreaks.slice(0, MAX_LATENCY_CARDS).entries()) {
    const lb = r.leaseBreaks;
    const series: Series[] = PHASES.map((ph) => ({ key: ph.key, label: ph.label, color: ph.color, values: phaseValues(r, ph.key), ...(ph.dash === undefined ? {} : { dash: ph.dash }) }));
    const listed = lb.breaks;
    const samples = (listed ?? []).filter((b) => b.result !== 'EWOULDBLOCK').map((b) => ({ v: b.endUs - b.startUs, cls: RESULT_CLASSES.some((c) => c.key === b.result) ? b.result : 'other' }));
    const histNote = listed === undefined ? 'this report lists no single breaks (leaseBreaks.breaks)' : listed.length < lb.count + lb.wouldBlock ? `the first ${samples.length} breaks of ${lb.count}` : `${samples.length} breaks`;
    const used = RESULT_CLASSES.filter((c) => samples.some((s) => s.cls === c.key));
    out.push(
      `<details class="card"${attrs({ open: n < OPEN_LATENCY_CARDS, 'data-latency-card': true, 'data-run-index': i, 'data-latency-p50': lb.latencyUs.p50 })}><summary><h3>${esc(runLabel(r))}</h3>`,
      `<div class="meta">${esc(`${lb.count} breaks · p50 ${fmtUs(lb.latencyUs.p50)} · p99 ${fmtUs(lb.latencyUs.p99)} · max ${fmtUs(lb.latencyUs.max)} · histogram: ${histNote}`)} · <a href="#run-${i}">timeline</a></div></summary>`,
      `<div class="pair">${percentilePlot(series, { width: 600, height: 270 }, `lease-break latency percentiles, run ${i + 1}`)}${histogram(samples, RESULT_CLASSES, { width: 600, height: 270 }, `lease-break latency histogram, run ${i + 1}`)}</div>`,
      `<div class="legend">${PHASES.map((ph) => `<span><span class="sw line" style="background:${ph.color}"></span>${esc(ph.label)}</span>`).join('')}${used.map((c) => `<span><span class="sw" style="background:${c.color}"></span>${esc(c.label)}</span>`).join('')}</div></details>`,
    );
  }
  out.push('</div>');
  if (withBreaks.length > MAX_LATENCY_CARDS) out.push(`<p class="note">Charts for the first ${MAX_LATENCY_CARDS} of ${withBreaks.length} runs with lease breaks; the table above lists every run.</p>`);
  return out.join('');
}

// ─── violations ────────────────────────────────────────────────────────────────────────────

function violationsSection(reports: readonly Report[]): string {
  const totals = VIOLATION_CLASSES.map((c) => [c, sumBy(reports, (r) => r.outcomes[c])] as const);
  const listed = sumBy(reports, (r) => r.violations.length);
  const counted = totals.reduce((a, [, n]) => a + n, 0);
  const out: string[] = [`<p class="lead"${attrs({ 'data-violations-total': counted, 'data-violations-listed': listed })}>${counted === 0 && listed === 0 ? 'No DMA violation in any run.' : `${fmtCount(counted)} counted (${totals.map(([c, n]) => `${c} ${fmtCount(n)}`).join(', ')}); ${fmtCount(listed)} listed with their evidence below (a report lists at most its first 200, in time order).`}</p>`];
  reports.forEach((r, i) => {
    const n = VIOLATION_CLASSES.reduce((a, c) => a + r.outcomes[c], 0);
    if (r.violations.length === 0 && n === 0) return;
    out.push(`<h3 style="margin-top:14px"${attrs({ 'data-violations-run': i })}><a href="#run-${i}">${esc(runLabel(r))}</a> <span class="runs-n">${esc(`${r.violations.length} listed of ${n} counted`)}</span></h3>`);
    out.push('<div class="wrap scroll"><table class="grid violations"><thead><tr><th>class</th><th class="num">time</th><th class="num">pfn</th><th>victim path + offset</th><th>writer process</th><th class="num">MR</th><th>intended path + offset</th><th>via</th><th>policy</th><th class="num">seed</th></tr></thead><tbody>');
    for (const v of r.violations) {
      out.push(
        `<tr${attrs({ 'data-violation': true, 'data-run-index': i, 'data-class': v.class, 'data-at-us': v.atUs, 'data-pfn': v.pfn, 'data-victim-path': v.victim.path, 'data-victim-offset': v.victim.offset, 'data-writer': v.writer.process, 'data-mr': v.writer.mr ?? undefined, 'data-intended-path': v.intended.path, 'data-intended-offset': v.intended.offset })}>` +
          `<td class="cls c-${esc(cssKey(v.class))}">${esc(v.class)}</td><td class="num">${esc(fmtUs(v.atUs))}</td><td class="num">${v.pfn}</td>` +
          `<td class="mono">${esc(v.victim.path)} + ${esc(fmtOffset(v.victim.offset))}</td><td>${esc(v.writer.process)}</td><td class="num">${v.writer.mr === null ? '—' : v.writer.mr}</td>` +
          `<td class="mono">${esc(v.intended.path)} + ${esc(fmtOffset(v.intended.offset))}</td><td>${esc(v.via ?? '')}</td><td>${esc(v.policy)}</td><td class="num">${v.seed}</td></tr>`,
      );
    }
    out.push('</tbody></table></div>');
  });
  return out.join('');
}

// ─── one run ───────────────────────────────────────────────────────────────────────────────

function workloadLine(p: Report['processes'][number]): string {
  const w = p.workload;
  if (w === null || w === undefined || typeof w !== 'object') return '';
  const parts: string[] = [];
  for (const [k, v] of Object.entries(w as Record<string, unknown>)) {
    if (k === 'name' || Array.isArray(v) || v === null) continue;
    if (typeof v === 'object') {
      const o = v as Record<string, unknown>;
      if ('p50' in o && 'max' in o) {
        parts.push(`<b>${esc(k)}</b> ${esc(`n ${fmtArg(o.count)} · p50 ${fmtUs(Number(o.p50) / 1000)} · p99 ${fmtUs(Number(o.p99) / 1000)} · max ${fmtUs(Number(o.max) / 1000)}`)}`);
      } else if (Object.values(o).every((x) => typeof x === 'number')) {
        const e = Object.entries(o as Record<string, number>).filter(([, n]) => n !== 0);
        parts.push(`<b>${esc(k)}</b> ${e.length === 0 ? '—' : esc(e.map(([a, n]) => `${a} ${n}`).join(', '))}`);
      }
      continue;
    }
    parts.push(`<b>${esc(k)}</b> ${esc(typeof v === 'number' && k.endsWith('Ns') ? fmtUs(v / 1000) : fmtArg(v))}`);
  }
  return `<div class="workload"${attrs({ 'data-workload': p.name })}><b>${esc(p.name)}</b>: ${parts.join(' · ')}</div>`;
}

function stepsTable(r: Report): string {
  const total = r.processes.reduce((a, p) => a + p.steps.length, 0);
  if (total === 0) return '';
  const rows: string[] = [];
  for (const p of r.processes) {
    for (const s of p.steps) {
      if (rows.length >= MAX_STEP_ROWS) break;
      const args = Object.entries(s.args)
        .map(([k, v]) => (k === 'arg' ? fmtArg(v) : `${k}=${fmtArg(v)}`))
        .join(' ');
      rows.push(
        `<tr${s.errno === null ? '' : ' class="errno"'}${attrs({ 'data-step': true, 'data-process': p.name, 'data-index': s.index, 'data-op': s.op })}><td>${esc(p.name)}</td><td class="num">${s.index}</td><td>${esc(s.handler ?? '')}</td><td class="op">${esc(s.op)}</td><td class="mono">${esc(args)}</td><td class="mono">${esc(fmtArg(s.ret))}</td><td class="mono">${esc(s.errno ?? '')}</td><td class="num">${num(s.startUs, 1)}</td><td class="num">${num(s.endUs, 1)}</td><td class="num">${esc(fmtUs(s.endUs - s.startUs))}</td></tr>`,
      );
    }
  }
  return `<details class="steps"><summary>${esc(`Step list (${total} steps${total > rows.length ? `, the first ${rows.length} shown` : ''})`)}</summary><div class="wrap"><table class="grid"><thead><tr><th>process</th><th class="num">#</th><th>handler</th><th>op</th><th>args</th><th>ret</th><th>errno</th><th class="num">start µs</th><th class="num">end µs</th><th class="num">took</th></tr></thead><tbody>${rows.join('')}</tbody></table></div></details>`;
}

function runSection(r: Report, i: number, open: boolean): string {
  const lb = r.leaseBreaks;
  const facts = [
    `${r.mode}`,
    `${num(r.durationMs, 1)} ms`,
    `events ${fmtCount(r.events?.count ?? 0)}${droppedIn(r) > 0 ? ` (${fmtCount(droppedIn(r))} not kept)` : ''}${r.events?.hash ? ` · hash ${r.events.hash.slice(0, 16)}` : ''}`,
    r.replay?.schedule ? `replay: seed ${r.replay.seed}, ${r.replay.schedule.length} scheduling choices` : `replay: seed ${r.replay?.seed ?? r.seed}`,
    `pins leaked ${r.pins.leaked}`,
    r.offline ? `offline scan: ${r.offline.stamped} stamped, ${r.offline.misplaced} misplaced` : '',
    lb.count + lb.wouldBlock > 0 ? `lease breaks ${lb.count} (p50 ${fmtUs(lb.latencyUs.p50)})` : '',
  ].filter((f) => f !== '');
  const held = r.expectations.filter((e) => e.ok).length;
  const list = `<ul class="expect">${r.expectations.map((e) => `<li class="${e.ok ? 'ok' : 'bad'}"${attrs({ 'data-expectation': e.what, 'data-ok': e.ok ? '1' : '0' })}>${esc(e.what)} <span class="detail">${esc(e.detail)}</span></li>`).join('')}</ul>`;
  const expectations =
    r.expectations.length === 0
      ? ''
      : `<details class="expectations"${held < r.expectations.length ? ' open' : ''}><summary${held < r.expectations.length ? ' class="bad"' : ''}>${esc(`Expectations: ${held} of ${r.expectations.length} held`)}</summary>${list}</details>`;
  const errors = r.processes.filter((p) => p.error !== undefined).map((p) => `<p class="note"><b>${esc(p.name)}</b>: program error</p><pre class="mono">${esc(p.error)}</pre>`).join('');
  return [
    `<section class="run"${attrs({ id: `run-${i}`, 'data-run': true, 'data-run-index': i, 'data-scenario': r.scenario, 'data-policy': r.policy, 'data-seed': r.seed, 'data-status': r.status, 'data-latency-p50': lb.latencyUs.p50, 'data-lease-breaks': lb.count, 'data-events-dropped': droppedIn(r) })}>`,
    `<details${open ? ' open' : ''}><summary><header><h3>${esc(`#${i + 1} ${r.scenario}`)}</h3>${statusBadge(r.status)}<span>${esc(`policy ${r.policy} · seed ${r.seed}`)}</span><span class="facts">${esc(facts.join(' · '))}</span></header></summary>`,
    `<div class="body">`,
    r.detail === undefined ? '' : `<p class="note"><b>detail:</b> ${esc(r.detail)}</p>`,
    expectations,
    eventsPanel(r, i),
    timeline(r, i),
    r.processes.map(workloadLine).join(''),
    errors,
    stepsTable(r),
    `</div></details></section>`,
  ].join('');
}

function timelineLegend(): string {
  return `<div class="legend">${OP_FAMILIES.map((f) => `<span><span class="sw" style="background:var(--${f.key})"></span>${esc(f.label)}</span>`).join('')}<span><span class="sw" style="background:#fff;outline:1.5px solid var(--corruption)"></span>returned an errno</span><span><span class="sw" style="background:var(--signal);width:3px"></span>signal delivered</span><span><span class="sw" style="background:var(--band);outline:1px solid var(--band-edge)"></span>lease break (breaker and holders)</span><span>thin lane: steps run by a signal handler</span><span><span class="sw" style="background:#e4e7ec;outline:1px solid #98a2b3;height:6px"></span>stress program running (no per-op record)</span><span><span class="sw" style="background:var(--corruption);transform:rotate(45deg);width:9px;height:9px"></span>DMA violations at that time (count)</span></div>`;
}

// ─── the page ──────────────────────────────────────────────────────────────────────────────

export function renderReport(input: RenderInput): string {
  const reports = input.reports;
  const title = input.title ?? (input.matrix !== undefined ? 'leasebreak matrix report' : reports.length === 1 ? `leasebreak report: ${reports[0]!.scenario}` : 'leasebreak report');
  const openAll = reports.length <= 6;
  const outcomes =
    input.matrix !== undefined
      ? `<section class="block" id="outcomes"><h2>Outcomes: scenario × policy</h2><p class="lead">${esc(matrixLead(input.matrix))} A cell links to its first run.</p>${matrixTable(input.matrix, reports)}${chipLegend()}</section>`
      : '';
  const body = [
    header(input, title),
    `<nav class="toc">${input.matrix !== undefined ? '<a href="#outcomes">Outcomes</a>' : ''}<a href="#runs">Runs</a><a href="#latency">Lease-break latency</a><a href="#violations">Violations</a><a href="#timelines">Timelines</a></nav>`,
    '<main>',
    outcomes,
    `<section class="block" id="runs"><h2>${input.matrix !== undefined ? 'Runs' : 'Outcomes by run'}</h2>${reports.length === 0 ? '<p class="note">No runs.</p>' : runsTable(reports)}</section>`,
    `<section class="block" id="latency"><h2>Lease-break latency</h2><p class="lead">From the break (the breaker's syscall finds a conflicting lease) to the breaker resuming, and its phases: notify (→ the holder takes the signal), holder (→ the lease is released), wake (→ the breaker runs again).</p>${latencySection(reports)}</section>`,
    `<section class="block" id="violations"><h2>Violations</h2>${violationsSection(reports)}</section>`,
    `<section class="block" id="timelines"><h2>Timelines</h2><p class="lead">One row per process; hover a bar for the syscall, its arguments, result and times.${openAll ? '' : ' <button type="button" id="toggle-runs">expand all runs</button>'}</p>${timelineLegend()}${reports.map((r, i) => runSection(r, i, openAll || r.status !== 'passed')).join('')}</section>`,
    '</main>',
  ].join('\n');
  const data = { title, matrix: input.matrix ?? null, reports };
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<meta name="generator" content="leasebreak report">`,
    `<title>${esc(title)}</title>`,
    `<style>${CSS}</style>`,
    '</head>',
    `<body${attrs({ 'data-runs': reports.length })}>`,
    body,
    `<script type="application/json" id="data">${jsonForScript(data)}</script>`,
    `<script>${CLIENT_JS}</script>`,
    '</body></html>',
    '',
  ].join('\n');
}
