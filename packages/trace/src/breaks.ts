/**
 * Lease breaks reconstructed from the event stream: which lease each `lease.break` marked, when
 * its holder took the signal, when the lease left the breaking state, and which breaker wait
 * (`lease.break.done`) it held up. The report's phases and the trace's flow arrows both read
 * this, so they agree.
 *
 * Matching goes by array position as well as by time: under the deterministic runtime many
 * events share one virtual instant. `lease.transition` events come late (the lease machines are
 * fed when the kernel is idle) but carry the time of the kernel's change. Two facts of the
 * transition stream are handled here rather than trusted:
 *  - the `lease` of a transition is the lease slot's machine (one per open file description),
 *    which may be the id of an earlier lease on that file, not the id `lease.break` reports;
 *  - the `owner` of a transition is read when the machine is fed, so it may be 0 once released.
 * So a mark is tied to the machine by its transition into a breaking state (same inode, first
 * unclaimed one after the mark, an exact lease id preferred; a lease marked again while still
 * breaking keeps the machine of its first mark), and the holder is the mark's owner. The holder
 * "takes" the signal in a handler or sigtimedwait; failing that, the delivery that killed it.
 */
import type { SimEvent } from './events.js';

type Ev<K extends SimEvent['kind']> = Extract<SimEvent, { kind: K }>;

/** One `lease.break`: a lease marked for breaking, and what its holder did about it. */
export interface BreakMark {
  /** Position of the `lease.break` event in the stream. */
  readonly index: number;
  readonly t: number;
  readonly ino: number;
  readonly breaker: number;
  /** The lease id and owner (holder pid) as `lease.break` reported them. */
  readonly lease: number;
  readonly owner: number;
  readonly target: 'F_UNLCK' | 'F_RDLCK';
  readonly layout: boolean;
  /** The lease machine's id in `lease.transition` events, or null if no transition matched. */
  readonly machine: number | null;
  /** The holder took the signal (`signal.deliver`, how handler or wait; else how kill), or null. */
  readonly signal: { readonly index: number; readonly t: number; readonly signo: string; readonly how: string } | null;
  /** The lease left the breaking state (released, downgraded, reaped), or null. */
  readonly release: { readonly index: number; readonly t: number; readonly from: string; readonly to: string; readonly event: string } | null;
}

/** One breaker's wait in __break_lease, ended by `lease.break.done`. */
export interface BreakWait {
  /** Position of the `lease.break.done` event. */
  readonly index: number;
  readonly breaker: number;
  readonly ino: number;
  readonly startNs: number;
  readonly endNs: number;
  /** ok · timedOut · EINTR · EWOULDBLOCK */
  readonly result: string;
  /** The marks this call made; when it made none (the leases were already breaking for an
   *  earlier breaker), the pending marks it waited on, with `joined` set. */
  readonly marks: readonly BreakMark[];
  readonly joined: boolean;
}

/** A completed break split into its three phases (ns); they add up to endNs − startNs exactly. */
export interface BreakPhasesNs {
  readonly notify: number;
  readonly holder: number;
  readonly wake: number;
  /** The mark on the critical path (the lease released last), or null if none was found. */
  readonly via: BreakMark | null;
}

export interface LeaseBreakMatch {
  readonly marks: readonly BreakMark[];
  readonly waits: readonly BreakWait[];
}

const isBreaking = (state: string): boolean => state.startsWith('breaking');

/** First position in `xs` (sorted by index) whose index is greater than `index`. */
function after<T extends { readonly index: number }>(xs: readonly T[], index: number): number {
  let lo = 0;
  let hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (xs[mid]!.index <= index) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function push<K, V>(m: Map<K, V[]>, k: K, v: V): void {
  const l = m.get(k);
  if (l === undefined) m.set(k, [v]);
  else l.push(v);
}

/** How far to look for a transition with the exact lease id before taking the first one. */
const EXACT_WINDOW = 64;
/** How many earlier marks on the inode a breaker that marked nothing may have waited on. */
const JOIN_WINDOW = 256;

export function matchLeaseBreaks(events: readonly SimEvent[]): LeaseBreakMatch {
  const intoBreaking = new Map<number, { index: number; e: Ev<'lease.transition'> }[]>();
  const outOfBreaking = new Map<number, { index: number; e: Ev<'lease.transition'> }[]>();
  const delivers = new Map<number, { index: number; e: Ev<'signal.deliver'> }[]>();
  const kills = new Map<number, { index: number; e: Ev<'signal.deliver'> }[]>();
  const rawMarks: { index: number; e: Ev<'lease.break'> }[] = [];
  const dones: { index: number; e: Ev<'lease.break.done'> }[] = [];
  events.forEach((e, index) => {
    switch (e.kind) {
      case 'lease.transition':
        if (e.event === 'lease.break' && isBreaking(e.to)) push(intoBreaking, e.ino, { index, e });
        if (isBreaking(e.from) && !isBreaking(e.to)) push(outOfBreaking, e.lease, { index, e });
        return;
      case 'signal.deliver':
        if (e.how === 'handler' || e.how === 'wait') push(delivers, e.pid, { index, e });
        else if (e.how === 'kill') push(kills, e.pid, { index, e });
        return;
      case 'lease.break':
        rawMarks.push({ index, e });
        return;
      case 'lease.break.done':
        dones.push({ index, e });
        return;
      default:
        return;
    }
  });

  const claimed = new Set<number>();
  /** Lease id (as lease.break reports it) → its machine and that machine's last transition into breaking. */
  const known = new Map<number, { machine: number; into: number }>();
  const marks: BreakMark[] = rawMarks.map(({ index, e }) => {
    // The machine: its transition into breaking, the first unclaimed one after the mark with an
    // exact id preferred. A lease marked before is that machine's for good; marking it again
    // (a writer after a pending downgrade) need not show a transition of its own.
    const prior = known.get(e.lease);
    const into = intoBreaking.get(e.ino) ?? [];
    let first: { index: number; e: Ev<'lease.transition'> } | undefined;
    let exact: typeof first;
    for (let i = after(into, index), seen = 0; i < into.length && seen < EXACT_WINDOW; i++) {
      const x = into[i]!;
      if (claimed.has(x.index) || (prior !== undefined && x.e.lease !== prior.machine)) continue;
      seen++;
      first ??= x;
      if (x.e.lease === e.lease) {
        exact = x;
        break;
      }
    }
    const chosen = exact ?? first;
    if (chosen !== undefined) {
      claimed.add(chosen.index);
      known.set(e.lease, { machine: chosen.e.lease, into: chosen.index });
    }
    const machine = chosen?.e.lease ?? prior?.machine ?? null;
    const from = chosen?.index ?? prior?.into ?? null;
    let release: BreakMark['release'] = null;
    if (machine !== null && from !== null) {
      const outs = outOfBreaking.get(machine) ?? [];
      for (let i = after(outs, from); i < outs.length; i++) {
        const x = outs[i]!;
        if (x.e.t < e.t) continue;
        release = { index: x.index, t: x.e.t, from: x.e.from, to: x.e.to, event: x.e.event };
        break;
      }
    }
    // The holder takes the signal: in a handler or sigtimedwait; else the signal that killed it.
    const taken = (ds: readonly { index: number; e: Ev<'signal.deliver'> }[]): BreakMark['signal'] => {
      for (let i = after(ds, index); i < ds.length; i++) {
        const x = ds[i]!;
        if (release !== null && x.e.t > release.t) break;
        if (x.e.t < e.t) continue;
        return { index: x.index, t: x.e.t, signo: x.e.signo, how: x.e.how };
      }
      return null;
    };
    const signal = taken(delivers.get(e.owner) ?? []) ?? taken(kills.get(e.owner) ?? []);
    return { index, t: e.t, ino: e.ino, breaker: e.breaker, lease: e.lease, owner: e.owner, target: e.target, layout: e.layout, machine, signal, release };
  });

  // A breaker runs one __break_lease at a time: its marks since its last done are this done's
  // (those of another inode or start belong to a call that ended without one).
  const pending = new Map<number, BreakMark[]>();
  const byIno = new Map<number, BreakMark[]>();
  for (const m of marks) {
    push(pending, m.breaker, m);
    push(byIno, m.ino, m);
  }
  const cursor = new Map<number, number>();
  const waits: BreakWait[] = dones.map(({ index, e }) => {
    const queue = pending.get(e.breaker) ?? [];
    let at = cursor.get(e.breaker) ?? 0;
    const own: BreakMark[] = [];
    for (; at < queue.length && queue[at]!.index < index; at++) {
      const m = queue[at]!;
      if (m.ino === e.ino && m.t === e.startedAt) own.push(m);
    }
    cursor.set(e.breaker, at);
    let mine: readonly BreakMark[] = own;
    let joined = false;
    if (own.length === 0) {
      // The leases were already marked by an earlier breaker: it waited on those still breaking.
      const onIno = byIno.get(e.ino) ?? [];
      const found: BreakMark[] = [];
      for (let i = after(onIno, index) - 1, seen = 0; i >= 0 && seen < JOIN_WINDOW; i--, seen++) {
        const m = onIno[i]!;
        if (m.breaker !== e.breaker && m.t <= e.startedAt && (m.release === null || m.release.t >= e.startedAt)) found.push(m);
      }
      mine = found.reverse();
      joined = mine.length > 0;
    }
    return { index, breaker: e.breaker, ino: e.ino, startNs: e.startedAt, endNs: e.t, result: e.result, marks: mine, joined };
  });
  return { marks, waits };
}

const clamp = (x: number, lo: number, hi: number): number => Math.min(Math.max(x, lo), hi);

/**
 * notify = the holder took the signal − break start; holder = the lease left breaking − signal;
 * wake = the breaker resumed − release. Of several leases the one released last decides (the
 * breaker waits for all). Times are clamped into [start, end] so the phases add up to the total
 * exactly; a missing signal counts as taken at the release, a missing release as at the resume.
 */
export function breakPhases(w: BreakWait): BreakPhasesNs {
  const start = w.startNs;
  const end = Math.max(w.endNs, start);
  let via: BreakMark | null = null;
  let relAt = -Infinity;
  for (const m of w.marks) {
    const r = m.release === null ? end : clamp(m.release.t, start, end);
    if (r > relAt) {
      relAt = r;
      via = m;
    }
  }
  if (via === null) return { notify: 0, holder: 0, wake: end - start, via: null };
  const rel = relAt;
  const sig = via.signal === null ? rel : clamp(via.signal.t, start, rel);
  return { notify: sig - start, holder: rel - sig, wake: end - rel, via };
}
