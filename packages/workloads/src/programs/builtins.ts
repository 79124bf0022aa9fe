/**
 * Built-in scenarios (`builtin:NAME`, architecture.md §7), as scenario YAML text: load one with
 * `loadScenario(builtinScenario(name)!, `builtin:${name}`, { workloads: WORKLOAD_VALIDATORS })`.
 * `leasebreak scenarios` lists BUILTIN_DESCRIPTIONS, one line each.
 *
 * Only the built-ins whose programs exist are here; the pin races (truncate-vs-pin, …) come with
 * the RDMA and DIO workloads.
 */

const LEASE_BREAK_LATENCY = `# Lease-break round trip under load (architecture.md §7, report leaseBreaks).
name: lease-break-latency
description: >-
  Two lease holders (one per file) release their read lease on every break and take it again,
  while two closed-loop breakers open the files for write; measures the break round trip
  (signal, holder's F_UNLCK, breaker's wake-up).
policy: mainline
kernel: { pmem: 64MiB, leaseBreakTime: 200ms }
files:
  - { path: /pmem/a, size: 1MiB }
  - { path: /pmem/b, size: 1MiB }
processes:
  - name: holder-a
    workload: lease-holder
    with: { file: /pmem/a, lease: F_RDLCK, onSigio: release, retake: true }
  - name: holder-b
    workload: lease-holder
    with: { file: /pmem/b, lease: F_RDLCK, onSigio: release, retake: true }
  - name: breaker-a
    workload: lease-breaker
    with: { file: /pmem/a, op: open-write }
  - name: breaker-b
    workload: lease-breaker
    with: { file: /pmem/b, op: open-write }
duration: 2s
mode: threads
`;

const BUILTINS: Readonly<Record<string, string>> = {
  'lease-break-latency': LEASE_BREAK_LATENCY,
};

/** One line per built-in scenario, for `leasebreak scenarios`. */
export const BUILTIN_DESCRIPTIONS: Readonly<Record<string, string>> = {
  'lease-break-latency': 'two holders release and re-take read leases on every break while two closed-loop breakers open for write: break round-trip latency',
};

/** Names of the built-in scenarios, in listing order. */
export const BUILTIN_NAMES: readonly string[] = Object.keys(BUILTINS);

/** The YAML text of built-in scenario `name` (without the `builtin:` prefix), or undefined. */
export function builtinScenario(name: string): string | undefined {
  const n = name.startsWith('builtin:') ? name.slice('builtin:'.length) : name;
  return Object.hasOwn(BUILTINS, n) ? BUILTINS[n] : undefined;
}
