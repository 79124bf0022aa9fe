/**
 * Events per thread: how many each thread emitted, kept and dropped (report `events.droppedBy`
 * and `events.countBy`). Under the threads runtime every thread writes into its own ring
 * (trace/src/ring.ts) and a full ring keeps its first events and counts the rest; the deterministic
 * runtime has one bounded buffer (`all`). A run that dropped events is highlighted: its trace,
 * lease-break phases and event hash cover only the kept ones.
 */
import type { Report } from '@leasebreak/workloads';
import { attrs, esc, fmtCount } from './html.js';

export interface ThreadEvents {
  readonly thread: string;
  /** Emitted (kept + dropped); null when the report has no per-thread counts (older reports). */
  readonly count: number | null;
  readonly kept: number | null;
  readonly dropped: number;
}

/** One row per thread, in the report's order (kernel, lifecycle, then each process); [] when the report does not say. */
export function threadEvents(r: Report): ThreadEvents[] {
  const by = r.events?.droppedBy;
  if (by === undefined) return [];
  const counts = r.events.countBy;
  const names = [...Object.keys(by), ...Object.keys(counts ?? {}).filter((k) => !Object.hasOwn(by, k))];
  return names.map((thread) => {
    const dropped = by[thread] ?? 0;
    const count = counts?.[thread] ?? null;
    return { thread, count, kept: count === null ? null : count - dropped, dropped };
  });
}

/** Events not kept in a run (0 for older reports). */
export function droppedIn(r: Report): number {
  return r.events?.dropped ?? 0;
}

/** The per-thread table of a run, open and highlighted when any ring dropped events. */
export function eventsPanel(r: Report, i: number): string {
  const rows = threadEvents(r);
  if (rows.length === 0) return '';
  const dropped = droppedIn(r);
  const bad = dropped > 0;
  const n = (v: number | null): string => (v === null ? '—' : fmtCount(v));
  const body = rows
    .map(
      (t) =>
        `<tr${t.dropped > 0 ? ' class="dropped"' : ''}${attrs({ 'data-events-thread': t.thread, 'data-count': t.count ?? undefined, 'data-kept': t.kept ?? undefined, 'data-dropped': t.dropped })}>` +
        `<td>${esc(t.thread === 'all' ? 'all (one buffer)' : t.thread)}</td><td class="num">${n(t.count)}</td><td class="num">${n(t.kept)}</td><td class="num${t.dropped > 0 ? ' pos c-corruption' : ''}">${n(t.dropped)}</td></tr>`,
    )
    .join('');
  const summary = bad
    ? `Events: ${fmtCount(dropped)} of ${fmtCount(r.events.count)} not kept (${rows.filter((t) => t.dropped > 0).map((t) => `${t.thread} ${fmtCount(t.dropped)}`).join(', ')})`
    : `Events: ${fmtCount(r.events.count)}, all kept`;
  const note = bad
    ? `<p class="note bad">A full ring keeps its first events and counts the rest: the timeline, the lease-break phases and the event hash cover the kept events only. Under the threads runtime, raise the rings with <code>--ring-mib</code>.</p>`
    : '';
  return (
    `<details class="events${bad ? ' dropped' : ''}"${attrs({ open: bad, 'data-events': true, 'data-run-index': i, 'data-count': r.events.count, 'data-dropped': dropped })}>` +
    `<summary${bad ? ' class="bad"' : ''}>${esc(summary)}</summary>${note}` +
    `<div class="wrap"><table class="grid threads"><thead><tr><th>thread</th><th class="num">emitted</th><th class="num">kept</th><th class="num">dropped</th></tr></thead><tbody>${body}</tbody></table></div></details>`
  );
}
