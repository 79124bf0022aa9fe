import { expect } from 'vitest';
import { loadScenario, type Scenario, type ScenarioError } from '../src/index.js';

export function ok(text: string, source = 'scenario.yaml'): Scenario {
  const r = loadScenario(text, source);
  if (!r.ok) throw new Error(`expected a valid scenario, got:\n${r.errors.map((e) => `${e.line ?? '?'}: ${e.path}: ${e.message}`).join('\n')}`);
  return r.scenario;
}

export function errors(text: string, source = 'scenario.yaml'): readonly ScenarioError[] {
  const r = loadScenario(text, source);
  if (r.ok) throw new Error('expected errors, the scenario loaded');
  return r.errors;
}

/** The only error (fails if there are several), checked for its path, line and message parts. */
export function oneError(text: string, want: { path: string; line?: number; includes: readonly string[] }): ScenarioError {
  const errs = errors(text);
  expect(errs.map((e) => `${e.path}: ${e.message}`)).toHaveLength(1);
  const e = errs[0]!;
  expect(e.path).toBe(want.path);
  if (want.line !== undefined) expect(e.line).toBe(want.line);
  for (const part of want.includes) expect(e.message).toContain(part);
  return e;
}

/** A one-process scenario around the given step lines (YAML flow mappings, 6-space indented). */
export function withSteps(...steps: string[]): string {
  return ['processes:', '  - name: p', '    steps:', ...steps.map((s) => `      - ${s}`), ''].join('\n');
}
