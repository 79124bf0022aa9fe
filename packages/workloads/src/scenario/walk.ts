/**
 * Static facts about a scripted process the interpreter needs before it starts (§7): which
 * signals it blocks (every signal one of its `wait` steps names) and which barriers it counts for
 * (every barrier it names anywhere, handlers and repeat bodies included).
 */
import type { ProcessSpec, Step } from './types.js';

/** Visit every step, nested ones (repeat bodies, handlers) after their parent, in file order. */
export function walkSteps(steps: readonly Step[], visit: (step: Step, parents: readonly Step[]) => void, parents: readonly Step[] = []): void {
  for (const step of steps) {
    visit(step, parents);
    if (step.op === 'repeat' || step.op === 'signal') walkSteps(step.steps, visit, [...parents, step]);
  }
}

/** Signal numbers the process's `wait` steps name: blocked from the start, as with sigwaitinfo. */
export function waitedSignals(process: ProcessSpec): number[] {
  const out = new Set<number>();
  if (process.kind === 'steps') walkSteps(process.steps, (s) => {
    if (s.op === 'wait') out.add(s.arg.signo);
  });
  return [...out].sort((a, b) => a - b);
}

/**
 * Barrier names the process names anywhere; it counts for each of them. A stress program counts
 * for the barrier its `barrier` option names (rdma-writer, rdma-reader).
 */
export function barrierNames(process: ProcessSpec): string[] {
  const out = new Set<string>();
  if (process.kind === 'steps') walkSteps(process.steps, (s) => {
    if (s.op === 'barrier') out.add(s.arg);
  });
  else if (typeof process.with['barrier'] === 'string') out.add(process.with['barrier']);
  return [...out];
}

/** For each barrier, the processes (by name) that count for it. */
export function barrierParties(processes: readonly ProcessSpec[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const p of processes) for (const b of barrierNames(p)) out.set(b, [...(out.get(b) ?? []), p.name]);
  return out;
}
