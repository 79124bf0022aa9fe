/**
 * The injected clock and the transition report shared by every machine's actor helper.
 *
 * Machines never read wall time: their `after` timers go through the clock handed to
 * createActor (xstate's Clock interface), so the deterministic runtime can drive them with a
 * SimulatedClock and the threads runtime with real timers.
 */
import type { InspectionEvent, StateValue } from 'xstate';

/** xstate's Clock, spelled out so callers need not import xstate. */
export interface ActorClock {
  setTimeout(fn: (...args: any[]) => void, ms: number): any;
  clearTimeout(id: any): void;
}

/** One visible state change: dotted state names, the event type that caused it, clock time. */
export interface TransitionReport {
  from: string;
  to: string;
  event: string;
  atMs: number;
}

/** Options common to every createXActor helper. */
export interface ActorHelperOptions {
  /** Names the object (e.g. `inode:12/file:3`); becomes context.id and the actor's systemId. */
  id: string;
  clock: ActorClock;
  /** Called once per change of state value (not for the initial state). */
  onTransition?: (t: TransitionReport) => void;
  /** Clock time stamped on each report. */
  now: () => number;
}

/**
 * stateString - flatten a state value: `{ breaking: 'overdue' }` → `'breaking.overdue'`.
 * Parallel states (none in this package) are joined with `,`.
 */
export function stateString(value: StateValue): string {
  if (typeof value === 'string') return value;
  return Object.entries(value)
    .map(([key, child]) => (child === undefined ? key : `${key}.${stateString(child)}`))
    .join(',');
}

/**
 * transitionReporter - an xstate `inspect` callback that reports the root actor's state changes.
 *
 * Uses `@xstate.snapshot` inspection events because they carry both the new snapshot and the
 * event that produced it (a plain subscription sees only the snapshot). Snapshots whose state
 * value did not change (targetless transitions, re-entries) are not reported.
 */
export function transitionReporter(
  onTransition: (t: TransitionReport) => void,
  now: () => number,
): (ev: InspectionEvent) => void {
  let prev: string | undefined;
  return (ev) => {
    if (ev.type !== '@xstate.snapshot' || ev.actorRef.sessionId !== ev.rootId) return;
    const snap = ev.snapshot as { value?: StateValue };
    if (snap.value === undefined) return;
    const to = stateString(snap.value);
    if (prev !== undefined && prev !== to) {
      onTransition({ from: prev, to, event: ev.event.type, atMs: now() });
    }
    prev = to;
  };
}
