/**
 * Loading scenario files: YAML or JSON text → a normalised Scenario, or errors that name the file,
 * the line, the key path, what is wrong and what is allowed (exit code 2 material).
 */
import { readFileSync } from 'node:fs';
import { basename, extname } from 'node:path';
import { LineCounter, isMap, isScalar, isSeq, parseDocument, type Document, type Node, type ScalarTag } from 'yaml';
import { MISSING, ScenarioSchema, issueKey, scenarioErrorMap } from './schema.js';
import { pathText } from './check.js';
import type { LoadOptions, LoadResult, ProcessSpec, Scenario, ScenarioError, Step } from './types.js';

type Path = readonly (string | number)[];

/**
 * `0644` is octal, as in C and YAML 1.1 (YAML 1.2's core schema would read 644): file modes are
 * the one place scenarios write leading zeros. `0o644` works too (core schema).
 */
const LEADING_ZERO_OCTAL: ScalarTag = {
  identify: () => false,
  default: true,
  tag: 'tag:yaml.org,2002:int',
  format: 'OCT',
  test: /^0[0-7]+$/,
  resolve: (s) => parseInt(s, 8),
};

/** Where a key path points in a YAML document. */
class Locator {
  constructor(
    private readonly doc: Document.Parsed,
    private readonly lines: LineCounter,
  ) {}

  /** Line/column of the node at `path` (or of `key` inside it); the nearest existing ancestor otherwise. */
  locate(path: Path, key?: string): { line: number; column: number } | undefined {
    let node: unknown = this.doc.contents;
    let at: Node | undefined = isNodeLike(node) ? node : undefined;
    const segs: (string | number)[] = [...path];
    if (key !== undefined) segs.push(key);
    for (let i = 0; i < segs.length; i++) {
      const seg = segs[i];
      const isKey = key !== undefined && i === segs.length - 1;
      if (isMap(node)) {
        const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(seg));
        if (pair === undefined) break;
        if (isKey) {
          at = isNodeLike(pair.key) ? pair.key : at;
          break;
        }
        node = pair.value;
        if (isNodeLike(node)) at = node;
        else break;
      } else if (isSeq(node) && typeof seg === 'number') {
        node = node.items[seg];
        if (isNodeLike(node)) at = node;
        else break;
      } else break;
    }
    const offset = at?.range?.[0];
    if (offset === undefined) return undefined;
    const pos = this.lines.linePos(offset);
    return { line: pos.line, column: pos.col };
  }
}

function isNodeLike(v: unknown): v is Node {
  return typeof v === 'object' && v !== null && 'range' in v;
}

/** `scenarios/race.yaml` → `race`; `builtin:truncate-vs-pin` → `truncate-vs-pin`. */
function nameFromSource(source: string): string {
  if (source.startsWith('builtin:')) return source.slice('builtin:'.length);
  const base = basename(source);
  return base.slice(0, base.length - extname(base).length) || base || 'scenario';
}

/**
 * Parse and validate a scenario (YAML or JSON text). `source` names the file in messages.
 * Errors come sorted by line; each names a key path and, where there is a choice, what is allowed.
 */
export function loadScenario(text: string, source: string, options: LoadOptions = {}): LoadResult {
  const lines = new LineCounter();
  const doc = parseDocument(text, {
    lineCounter: lines,
    prettyErrors: false,
    uniqueKeys: true,
    customTags: (tags) => [LEADING_ZERO_OCTAL, ...tags],
  });
  if (doc.errors.length > 0) {
    return {
      ok: false,
      errors: doc.errors.map((e) => {
        const pos = lines.linePos(e.pos[0]);
        return { source, path: '', message: `not valid YAML/JSON: ${e.message.split('\n')[0]}`, line: pos.line, column: pos.col };
      }),
    };
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 1000 });
  } catch (e) {
    return { ok: false, errors: [{ source, path: '', message: `not valid YAML/JSON: ${(e as Error).message}` }] };
  }
  if (data === null || data === undefined) {
    return { ok: false, errors: [{ source, path: '', message: 'empty scenario: expected a mapping with at least "processes"' }] };
  }
  const locator = new Locator(doc, lines);
  return validate(data, source, options, locator);
}

/**
 * Validate a scenario given as data (a built-in scenario written in TypeScript, or parsed JSON):
 * the same checks and errors as `loadScenario`, without line numbers.
 */
export function scenarioFromData(data: unknown, source: string, options: LoadOptions = {}): LoadResult {
  return validate(data, source, options, undefined);
}

/** Read and load a scenario file. A file that cannot be read is one error. */
export function loadScenarioFile(path: string, options: LoadOptions = {}): LoadResult {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    return { ok: false, errors: [{ source: path, path: '', message: `cannot read the scenario file: ${err.code ?? ''} ${err.message}`.trim() }] };
  }
  return loadScenario(text, path, options);
}

function validate(data: unknown, source: string, options: LoadOptions, locator: Locator | undefined): LoadResult {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    const got = Array.isArray(data) ? 'a list' : typeof data;
    const where = locator?.locate([]);
    return { ok: false, errors: [{ source, path: '', message: `expected a mapping (name, policy, kernel, files, processes, …), got ${got}`, ...where }] };
  }
  const errors: ScenarioError[] = [];
  const add = (path: Path, message: string, key?: string) => {
    const where = locator?.locate(path, key);
    errors.push({ source, path: pathText(path), message, ...(where ? { line: where.line, column: where.column } : {}) });
  };

  const r = ScenarioSchema.safeParse(data, { error: scenarioErrorMap });
  if (!r.success) {
    for (const iss of r.error.issues) {
      const path = iss.path.filter((p): p is string | number => typeof p !== 'symbol');
      const last = path[path.length - 1];
      const message = iss.message === MISSING ? `missing required key${typeof last === 'string' ? ` "${last}"` : ''}` : iss.message;
      add(path, message, issueKey(iss));
    }
    return { ok: false, errors: sortErrors(errors) };
  }

  const parsed = r.data;
  const processes: ProcessSpec[] = parsed.processes.map((p, i) => {
    if (p.kind !== 'workload') return p;
    const validator = options.workloads?.[p.workload];
    if (validator === undefined) return p;
    const v = validator(p.with, { scenarioFiles: parsed.files, processName: p.name });
    if (v.ok) return { ...p, with: v.value };
    for (const iss of v.issues) add(['processes', i, 'with', ...iss.path], `${p.workload}: ${iss.message}`);
    return p;
  });
  if (errors.length > 0) return { ok: false, errors: sortErrors(errors) };

  if (locator !== undefined) {
    processes.forEach((p, i) => {
      if (p.kind === 'steps') placeLines(p.steps, ['processes', i, 'steps'], locator);
    });
  }
  const scenario: Scenario = { ...parsed, name: parsed.name ?? nameFromSource(source), source, processes };
  return { ok: true, scenario };
}

function placeLines(steps: readonly Step[], path: Path, locator: Locator): void {
  steps.forEach((s, i) => {
    const where = locator.locate([...path, i]);
    if (where) s.line = where.line;
    if (s.op === 'repeat' || s.op === 'signal') placeLines(s.steps, [...path, i, 'steps'], locator);
  });
}

function sortErrors(errors: ScenarioError[]): ScenarioError[] {
  const seen = new Set<string>();
  const unique = errors.filter((e) => {
    const k = `${e.path}\0${e.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
  return unique
    .map((e, i) => ({ e, i }))
    .sort((a, b) => (a.e.line ?? Infinity) - (b.e.line ?? Infinity) || (a.e.column ?? 0) - (b.e.column ?? 0) || a.i - b.i)
    .map(({ e }) => e);
}

/** One line per error: `scenario.yaml:12: processes[1].steps[3]: unknown key "flag" for open; allowed: flags, as, expect`. */
export function formatScenarioErrors(errors: readonly ScenarioError[]): string {
  return errors.map((e) => `${e.source}${e.line !== undefined ? `:${e.line}` : ''}: ${e.path ? `${e.path}: ` : ''}${e.message}`).join('\n');
}
