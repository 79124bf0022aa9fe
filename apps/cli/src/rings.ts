/**
 * `--ring-mib`: the size of the threads runtime's per-thread event rings (trace/src/ring.ts), and
 * the advice the drop warning gives. `--ring-mib N` sizes every ring; `--ring-mib RING=N` one kind
 * (kernel, process — each process thread, the NIC included — or lifecycle); repeatable, later
 * wins. Only what is written takes memory, so a large ring costs nothing until it fills.
 */
import { DEFAULT_RING_BYTES, MAX_EVENTS, RING_MAX_BYTES } from '@leasebreak/trace';
import type { Report } from '@leasebreak/workloads';

export const MIB = 1024 * 1024;
export const RING_KINDS = ['kernel', 'process', 'lifecycle'] as const;
export type RingKind = (typeof RING_KINDS)[number];
export type RingBytes = Record<RingKind, number>;
/** The largest ring, in MiB (a ring's offsets are Int32). */
export const RING_MIB_MAX = RING_MAX_BYTES / MIB;

/** Thrown for a bad value; the caller turns it into its usage error (exit 2). */
export class RingMibError extends Error {}

/** `--ring-mib` values → bytes per ring kind (only the kinds given), or undefined when none. */
export function parseRingMib(values: readonly string[] | undefined): Partial<RingBytes> | undefined {
  if (values === undefined || values.length === 0) return undefined;
  const out: Partial<RingBytes> = {};
  const range = `a whole number of MiB from 1 to ${RING_MIB_MAX}`;
  for (const v of values) {
    const m = /^(?:([a-z]+)=)?(\d+)$/.exec(v.trim());
    const kind = m?.[1];
    if (m === null || (kind !== undefined && !(RING_KINDS as readonly string[]).includes(kind))) {
      throw new RingMibError(`--ring-mib: expected N or RING=N (RING: ${RING_KINDS.join(', ')}; N ${range}), got "${v}"`);
    }
    const n = Number(m[2]);
    if (n < 1 || n > RING_MIB_MAX) throw new RingMibError(`--ring-mib: N is ${range} (the default: kernel ${DEFAULT_RING_BYTES.kernel / MIB}, each process ${DEFAULT_RING_BYTES.process / MIB}, lifecycle ${DEFAULT_RING_BYTES.lifecycle / MIB}), got "${v}"`);
    for (const k of kind === undefined ? RING_KINDS : [kind as RingKind]) out[k] = n * MIB;
  }
  return out;
}

/** The ring sizes a run used: the defaults with `--ring-mib` on top. */
export function ringBytes(given: Partial<RingBytes> | undefined): RingBytes {
  return { ...DEFAULT_RING_BYTES, ...given };
}

/** Which kind of ring a `droppedBy` key names (null: the deterministic runtime's one buffer). */
function kindOf(key: string): RingKind | null {
  if (key === 'all') return null;
  return key === 'kernel' || key === 'lifecycle' ? key : 'process';
}

/**
 * What to do about the drops in these runs, one line each: threads runs name the rings to raise
 * with --ring-mib (twice their size now, at most RING_MIB_MAX); deterministic runs keep their first
 * MAX_EVENTS events whatever the rings.
 */
export function ringAdvice(reports: readonly Report[], rings: RingBytes): string[] {
  const kinds = new Set<RingKind>();
  let threads = false;
  let deterministic = false;
  for (const r of reports) {
    if ((r.events.dropped ?? 0) === 0) continue;
    if (r.mode === 'deterministic') deterministic = true;
    else threads = true;
    for (const [k, n] of Object.entries(r.events.droppedBy ?? {})) {
      const kind = kindOf(k);
      if (n > 0 && kind !== null) kinds.add(kind);
    }
  }
  const out: string[] = [];
  if (threads) {
    const now = RING_KINDS.map((k) => `${k} ${rings[k] / MIB}`).join(', ');
    const full = RING_KINDS.filter((k) => kinds.has(k));
    const raise = full.filter((k) => rings[k] < RING_MAX_BYTES).map((k) => `--ring-mib ${k}=${Math.min(RING_MIB_MAX, (2 * rings[k]) / MIB)}`);
    if (full.length === 0) out.push(`raise the event rings with --ring-mib N (MiB now: ${now})`);
    else if (raise.length > 0) out.push(`raise the full ring${full.length === 1 ? '' : 's'} with --ring-mib (MiB now: ${now}), e.g. ${raise.join(' ')}`);
    else out.push(`the full rings are at their largest (--ring-mib ${RING_MIB_MAX}): shorten the run (--duration)`);
  }
  if (deterministic) out.push(`deterministic runs keep their first ${MAX_EVENTS} events (--ring-mib sizes the threads runtime's rings)`);
  return out;
}
