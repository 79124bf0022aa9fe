/**
 * Checks that need the whole scenario: unique names, `kill` targets, and `as` references (a name
 * a step uses must be bound by an earlier `as` in the same process, and be the right kind of
 * thing: an fd, a mapping or an MR).
 *
 * Scope: steps run in order; a `repeat` body shares its process's names (a name bound inside it
 * is visible after it); a handler sees the names bound before its `signal` step, and names it
 * binds stay inside it (it may never run).
 */
import { suggest } from './names.js';
import type { ProcessSpec, Step, StepOp } from './types.js';

export interface CheckIssue {
  readonly path: readonly (string | number)[];
  readonly message: string;
  /** The key the issue is about when `path` is its object (for the line number). */
  readonly key?: string;
}

/** What a name bound by `as` refers to, from the op that bound it. */
export type BindingKind = 'fd' | 'mapping' | 'mr' | 'value';

const BINDS: Partial<Record<StepOp, BindingKind>> = { open: 'fd', dup: 'fd', mmap: 'mapping', ibv_reg_mr: 'mr' };

/** Ops whose first argument refers to an earlier result, and which kind it must be. */
export const REF_KIND: Partial<Record<StepOp, BindingKind>> = {
  close: 'fd',
  dup: 'fd',
  read: 'fd',
  pread: 'fd',
  write: 'fd',
  pwrite: 'fd',
  ftruncate: 'fd',
  fallocate: 'fd',
  fcntl: 'fd',
  mmap: 'fd',
  munmap: 'mapping',
  load: 'mapping',
  store: 'mapping',
  ibv_reg_mr: 'mapping',
  ibv_dereg_mr: 'mr',
  rdma_write: 'mr',
  rdma_read: 'mr',
};

const KIND_TEXT: Record<BindingKind, string> = { fd: 'an fd', mapping: 'a mapping', mr: 'an MR', value: 'a plain result' };
const KIND_SOURCE: Record<BindingKind, string> = { fd: 'open or dup', mapping: 'mmap', mr: 'ibv_reg_mr', value: '' };

interface Binding {
  readonly kind: BindingKind;
  readonly op: StepOp;
  readonly path: string;
}

interface ScenarioLike {
  readonly processes: readonly ProcessSpec[];
  readonly files: readonly { readonly path: string }[];
}

export function checkScenario(s: ScenarioLike): CheckIssue[] {
  const issues: CheckIssue[] = [];
  const names = [...new Set(s.processes.map((p) => p.name))];

  const seenProc = new Map<string, number>();
  s.processes.forEach((p, i) => {
    const first = seenProc.get(p.name);
    if (first !== undefined) issues.push({ path: ['processes', i, 'name'], message: `process name "${p.name}" is already used by processes[${first}]; names must be unique` });
    else seenProc.set(p.name, i);
  });
  const seenFile = new Map<string, number>();
  s.files.forEach((f, i) => {
    const first = seenFile.get(f.path);
    if (first !== undefined) issues.push({ path: ['files', i, 'path'], message: `file "${f.path}" is already declared by files[${first}]` });
    else seenFile.set(f.path, i);
  });

  s.processes.forEach((p, i) => {
    if (p.kind !== 'steps') return;
    walk(p.steps, ['processes', i, 'steps'], new Map(), p.name, names, issues);
  });
  return issues;
}

function walk(
  steps: readonly Step[],
  path: readonly (string | number)[],
  bound: Map<string, Binding>,
  proc: string,
  processNames: readonly string[],
  issues: CheckIssue[],
): void {
  steps.forEach((step, i) => {
    const here = [...path, i];
    const want = REF_KIND[step.op];
    if (want !== undefined && typeof step.arg === 'string') {
      const name = step.arg;
      const b = bound.get(name);
      if (b === undefined) {
        const known = [...bound.keys()];
        const near = suggest(name, known);
        issues.push({
          path: [...here, step.op],
          message:
            `"${name}" is not bound by an earlier "as" in process "${proc}"${near ? ` (did you mean ${near}?)` : ''}; ` +
            (known.length ? `names bound before this step: ${known.join(', ')}` : 'no names are bound before this step') +
            ' (or use a number)',
        });
      } else if (b.kind !== want) {
        issues.push({
          path: [...here, step.op],
          message: `"${name}" is ${KIND_TEXT[b.kind]} (bound by ${b.op} at ${b.path}); ${step.op} takes ${KIND_TEXT[want]} (bound by ${KIND_SOURCE[want]}) or a number`,
        });
      }
    }
    if (step.op === 'kill' && !processNames.includes(step.arg)) {
      const near = suggest(step.arg, processNames);
      issues.push({
        path: [...here, 'kill'],
        message: `no process named "${step.arg}"${near ? ` (did you mean ${near}?)` : ''}; processes: ${processNames.join(', ')}`,
      });
    }
    if (step.op === 'repeat') walk(step.steps, [...here, 'steps'], bound, proc, processNames, issues);
    if (step.op === 'signal') walk(step.steps, [...here, 'steps'], new Map(bound), proc, processNames, issues);
    if (step.as !== undefined) bound.set(step.as, { kind: BINDS[step.op] ?? 'value', op: step.op, path: pathText(here) });
  });
}

/** `['processes', 1, 'steps', 3]` → `processes[1].steps[3]`. */
export function pathText(path: readonly (string | number | symbol)[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (typeof seg === 'symbol') out += `[${String(seg)}]`;
    else if (/^[A-Za-z_$][\w$-]*$/.test(seg)) out += out === '' ? seg : `.${seg}`;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out;
}
