/**
 * Built-in scenarios (`builtin:NAME`, architecture.md §7), as scenario YAML text: load one with
 * `loadScenario(builtinScenario(name)!, `builtin:${name}`, { workloads: WORKLOAD_VALIDATORS })`.
 * `leasebreak scenarios` lists BUILTIN_DESCRIPTIONS, one line each.
 *
 * The lease-latency one, the transient-pin races (direct I/O into a DAX mapping) and the
 * long-term-pin races (an RDMA MR through the NIC daemon).
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

// ---- transient pins: direct I/O into a DAX-mapped buffer (kernel-semantics §3.3–§3.5, §7) --------
// Small device (4 MiB = 1024 blocks) and short runs, so freed blocks are handed out again at once.

const TRUNCATE_VS_DIO = `# The 2018 transient-pin race: truncate down while direct I/O is in flight (kernel-semantics §3.5).
name: truncate-vs-dio
description: >-
  A dio-reader keeps /pmem/a's pages pinned 2 ms at a time (direct I/O into a DAX mapping of it)
  while a truncator cuts the file down and grows it back, and a file-writer allocates blocks for
  /pmem/b and /pmem/c. Without a layout break (no-break) the freed blocks go to the writer's files
  while still under DMA: corruption, or a lost write into a free block. ext4 and XFS since 4.18
  wait for the pin first: delayed-ok.
policy: [no-break, ext4-v3-2018, ext4-4.19, xfs-2018, mainline]
kernel: { pmem: 4MiB }
files:
  - { path: /pmem/a, size: 64KiB }
  - { path: /pmem/b, size: 64KiB }
  - { path: /pmem/c, size: 64KiB }
processes:
  - name: reader
    workload: dio-reader
    with: { file: /pmem/a, inFlight: 2ms }
  - name: truncator
    workload: truncator
    with: { file: /pmem/a, ops: [truncate-down], rate: 1000 }
  - name: writer
    workload: file-writer
    with: { files: [/pmem/b, /pmem/c], pages: 16 }
duration: 300ms
mode: deterministic
`;

const INSERT_VS_DIO = `# Dave Chinner's insert-range case (July 2018): the shift moves a block under DMA (kernel-semantics §3.4).
name: insert-vs-dio
description: >-
  A dio-reader keeps /pmem/a's pages pinned 2 ms at a time while a truncator inserts ranges
  (FALLOC_FL_INSERT_RANGE) into the file and cuts it back, and a file-writer allocates blocks
  elsewhere. Ross Zwisler's v3 ext4 patch did not break layouts for insert range: the pinned
  block moves to offset+len and the DMA lands at the shifted offset (staleOffset). ext4 as merged
  in 4.19 waits first, as XFS does.
policy: [no-break, ext4-v3-2018, ext4-4.19, xfs-2018, mainline]
kernel: { pmem: 4MiB }
files:
  - { path: /pmem/a, size: 64KiB }
  - { path: /pmem/b, size: 64KiB }
processes:
  - name: reader
    workload: dio-reader
    with: { file: /pmem/a, inFlight: 2ms }
  - name: truncator
    workload: truncator
    with: { file: /pmem/a, ops: [insert], rate: 1000 }
  - name: writer
    workload: file-writer
    with: { files: [/pmem/b], pages: 16 }
duration: 300ms
mode: deterministic
`;

const PIN_THEN_MUNMAP = `# Pinned, then unmapped: the hole Alistair Popple's v6.15 rework closed (kernel-semantics §3.6).
name: pin-then-munmap
description: >-
  A dio-reader submits each direct-I/O read asynchronously (io_submit: the pages stay pinned by
  the I/O for 5 ms) and munmaps its buffer while the DMA is in flight. Before v6.15
  (skipWaitWhenUnmapped) dax_layout_busy_page returns at once for a file nobody maps, so the
  truncator frees the pinned blocks and the file-writer gets them: corruption or lost writes even
  under ext4-4.19. mainline (6.15+) scans the file's pages anyway and waits: delayed-ok.
policy: [no-break, ext4-4.19, xfs-2018, mainline]
kernel: { pmem: 4MiB }
files:
  - { path: /pmem/a, size: 64KiB }
  - { path: /pmem/b, size: 64KiB }
processes:
  - name: reader
    workload: dio-reader
    with: { file: /pmem/a, inFlight: 5ms, munmap: true }
  - name: truncator
    workload: truncator
    with: { file: /pmem/a, ops: [truncate-down], rate: 1000 }
  - name: writer
    workload: file-writer
    with: { files: [/pmem/b], pages: 16 }
duration: 300ms
mode: deterministic
`;

const REUSE_AFTER_TRUNCATE = `# Use after free of a block: truncated, reallocated to another file, still pinned (kernel-semantics §3.1).
name: reuse-after-truncate
description: >-
  A dio-reader reads into all of /pmem/a, back to back, each read keeping the pages pinned for
  50 ms; four times a scripted truncater empties the file (truncate to 0) in the middle of a read
  and grows it back, while a file-writer keeps allocating blocks for /pmem/b. Where the truncate
  does not wait for the pin, /pmem/a's blocks belong to /pmem/b when the DMA lands: cross-file
  corruption (or a lost write into a block still free). Where it waits, it returns after the DMA.
policy: [no-break, ext4-4.19, mainline]
kernel: { pmem: 4MiB }
files:
  - { path: /pmem/a, size: 64KiB }
  - { path: /pmem/b, size: 64KiB }
processes:
  - name: reader
    workload: dio-reader
    with: { file: /pmem/a, inFlight: 50ms }
  - name: truncater
    steps:
      - repeat: 4
        steps:
          - { sleep: 10ms }
          - { truncate: /pmem/a, length: 0, expect: ok }
          - { sleep: 20ms }
          - { truncate: /pmem/a, length: 64KiB, expect: ok }
          - { sleep: 10ms }
  - name: writer
    workload: file-writer
    with: { files: [/pmem/b], pages: 16 }
duration: 400ms
mode: deterministic
`;

// ---- long-term pins: an RDMA MR over a DAX mapping (kernel-semantics §6, §7) ---------------------
// rdma-writer registers /pmem/a's mapping (a FOLL_LONGTERM pin, where the policy grants one; with a
// layout lease under the 2019 RFCs) and keeps RDMA WRITEs in flight through the NIC; on a lease
// break it deregisters, releases, takes the lease again and registers again. A truncator changes
// /pmem/a's layout; a file-writer takes the blocks freed.

function pinRace(name: string, op: string, comment: string, description: string): string {
  return `# ${comment}
name: ${name}
description: >-
  ${description}
policy: [no-break, ext4-4.19, xfs-2018, ira-rfc-2019, lease-proposal-2019, jan-keep-lease, mainline, odp]
# The NIC streams for 400 ms; a layout change stuck behind its pin for 200 ms is a hang (with
# --kernel allowLongtermPin=true, the 2018 kernels wait on the long-term pin for ever).
kernel: { pmem: 4MiB, leaseBreakTime: 100ms, hungTaskTimeout: 200ms }
files:
  - { path: /pmem/a, size: 64KiB }
  - { path: /pmem/b, size: 64KiB }
processes:
  - name: rdma
    workload: rdma-writer
    with: { file: /pmem/a, pages: 16, onSigio: dereg-release-retake }
  - name: truncator
    workload: truncator
    with: { file: /pmem/a, ops: [${op}], rate: 200 }
  - name: writer
    workload: file-writer
    with: { files: [/pmem/b] }
duration: 400ms
mode: threads
`;
}

const PIN_OUTCOMES =
  'No layout break and plain GUP (no-break): the NIC writes into freed blocks of another file. 4.15+ and mainline refuse the registration (EOPNOTSUPP); the 2019 RFCs grant it under a layout lease and fail the change ETXTBSY while the page is pinned; ODP pins nothing.';

const TRUNCATE_VS_PIN = pinRace(
  'truncate-vs-pin',
  'truncate-down',
  'truncate(2) down under a long-term RDMA pin (kernel-semantics §3.5, §7).',
  `An RDMA MR over /pmem/a while a truncator cuts the file down (and grows it back). ${PIN_OUTCOMES}`,
);
const PUNCH_VS_PIN = pinRace(
  'punch-vs-pin',
  'punch',
  'FALLOC_FL_PUNCH_HOLE under a long-term RDMA pin (kernel-semantics §3.5, §7).',
  `An RDMA MR over /pmem/a while a truncator punches holes in it (and fills them again). ${PIN_OUTCOMES}`,
);
const COLLAPSE_VS_PIN = pinRace(
  'collapse-vs-pin',
  'collapse',
  'FALLOC_FL_COLLAPSE_RANGE under a long-term RDMA pin: freed blocks and a shifted tail (kernel-semantics §3.5).',
  `An RDMA MR over /pmem/a while a truncator collapses ranges out of it: the removed blocks are freed, the tail shifts down (stale offsets). ${PIN_OUTCOMES}`,
);
const INSERT_VS_PIN = pinRace(
  'insert-vs-pin',
  'insert',
  'FALLOC_FL_INSERT_RANGE under a long-term RDMA pin: blocks shift, none is freed (kernel-semantics §3.4).',
  `An RDMA MR over /pmem/a while a truncator inserts ranges (and cuts the file back): pinned blocks move to a higher offset, so the NIC writes land at shifted offsets (staleOffset). ${PIN_OUTCOMES}`,
);

const HOLDER_IGNORES_BREAK = `# A layout-lease holder that ignores the break (kernel-semantics §1.5, §4.1).
name: holder-ignores-break
description: >-
  rdma-writer takes F_RDLCK|F_LAYOUT on /pmem/a, registers it and catches SIGIO without doing
  anything about it; once its ibv_reg_mr has returned (barrier "registered"), a scripted truncater
  truncates the file to 0 while the NIC streams. The truncate's layout break waits the whole
  lease-break-time (100 ms); then the lease is removed (or, with Jan Kara's design, kept) and the
  pinned pages make the truncate fail ETXTBSY instead of freeing them.
policy: [ira-rfc-2019, lease-proposal-2019, jan-keep-lease]
kernel: { pmem: 4MiB, leaseBreakTime: 100ms }
files:
  - { path: /pmem/a, size: 64KiB }
processes:
  - name: rdma
    workload: rdma-writer
    with: { file: /pmem/a, pages: 16, onSigio: ignore, layoutLease: always, barrier: registered }
  - name: truncater
    steps:
      # The MR exists (or was refused) before the truncate: no sleep that a loaded machine outlasts.
      - { barrier: registered }
      - { truncate: /pmem/a, length: 0 }
duration: 300ms
mode: threads
`;

const BUILTINS: Readonly<Record<string, string>> = {
  'lease-break-latency': LEASE_BREAK_LATENCY,
  'truncate-vs-dio': TRUNCATE_VS_DIO,
  'insert-vs-dio': INSERT_VS_DIO,
  'pin-then-munmap': PIN_THEN_MUNMAP,
  'reuse-after-truncate': REUSE_AFTER_TRUNCATE,
  'truncate-vs-pin': TRUNCATE_VS_PIN,
  'punch-vs-pin': PUNCH_VS_PIN,
  'collapse-vs-pin': COLLAPSE_VS_PIN,
  'insert-vs-pin': INSERT_VS_PIN,
  'holder-ignores-break': HOLDER_IGNORES_BREAK,
};

/** One line per built-in scenario, for `leasebreak scenarios`. */
export const BUILTIN_DESCRIPTIONS: Readonly<Record<string, string>> = {
  'lease-break-latency': 'two holders release and re-take read leases on every break while two closed-loop breakers open for write: break round-trip latency',
  'truncate-vs-dio': 'truncate down while direct I/O into a DAX mapping is in flight (transient pin), freed blocks reused by a file-writer: corruption without a layout break, delayed-ok with one',
  'insert-vs-dio': "insert range while direct I/O is in flight: the 2018 ext4 v3 patch did not wait and the DMA lands at the shifted offset (staleOffset); 4.19 waits",
  'pin-then-munmap': 'asynchronous direct I/O whose buffer is munmapped while in flight: before v6.15 the layout break skips unmapped files and the truncate frees pinned blocks; mainline waits',
  'reuse-after-truncate': "50 ms direct-I/O pins on a file truncated to 0 mid-read while a file-writer allocates: the file's blocks go to another file under DMA unless the truncate waits",
  'truncate-vs-pin': 'truncate down under an RDMA MR (long-term pin): corruption with plain GUP, EOPNOTSUPP at registration since 4.15, ETXTBSY under the 2019 layout-lease RFCs, nothing pinned with ODP',
  'punch-vs-pin': 'punch holes under an RDMA MR (long-term pin): freed blocks reused by another file unless registration is refused or the punch fails ETXTBSY',
  'collapse-vs-pin': 'collapse ranges under an RDMA MR: freed blocks and a tail shifted under the NIC (corruption, staleOffset) unless refused or ETXTBSY',
  'insert-vs-pin': 'insert ranges under an RDMA MR: pinned blocks shift to higher offsets, NIC writes land stale (staleOffset) unless refused or ETXTBSY',
  'holder-ignores-break': "an RDMA layout-lease holder that ignores SIGIO: the truncate's break waits lease-break-time, then the pinned pages fail it ETXTBSY",
};

/** Names of the built-in scenarios, in listing order. */
export const BUILTIN_NAMES: readonly string[] = Object.keys(BUILTINS);

/** The YAML text of built-in scenario `name` (without the `builtin:` prefix), or undefined. */
export function builtinScenario(name: string): string | undefined {
  const n = name.startsWith('builtin:') ? name.slice('builtin:'.length) : name;
  return Object.hasOwn(BUILTINS, n) ? BUILTINS[n] : undefined;
}
