/** Shared types and Linux's default knobs for the policies (one file each beside this one). */
import type { FallocateModeCheck } from '../../fs/fallocate.js';

export interface KernelKnobValues {
  /** lease-break-time in ns (Linux: seconds, default 45). 0 = no deadline. */
  readonly leaseBreakTimeNs: number;
  readonly leasesEnable: boolean;
  /** Force a FOLL_LONGTERM pin where the policy would refuse it. */
  readonly allowLongtermPin: boolean;
  /** 1 before v6.15 (ZONE_DEVICE pages idle at 1), 0 after. */
  readonly idleRefcount: 0 | 1;
  /** dax_layout_busy_page skips the wait when the file has no mappings (true before v6.15). */
  readonly skipWaitWhenUnmapped: boolean;
  /** The hung-task watchdog's limit, ns (default 2 s). */
  readonly hungTaskTimeoutNs: number;
}

/** Which operations wait for busy DAX pages before changing the layout (break layouts). */
export interface BreakLayoutsOn {
  /** setattr with a smaller size. */
  readonly truncateDown: boolean;
  /** setattr with a larger size (ext4 and XFS break on any size change). */
  readonly truncateUp: boolean;
  readonly punch: boolean;
  readonly collapse: boolean;
  readonly insert: boolean;
  /** ZERO_RANGE (ext4 before 2024: only its block-aligned interior). */
  readonly zero: boolean;
  /** Plain allocate / KEEP_SIZE (XFS breaks before every fallocate mode). */
  readonly allocate: boolean;
}

export interface Policy {
  readonly name: PolicyName;
  /** One line: which kernel and what it does. */
  readonly summary: string;
  readonly knobs: KernelKnobValues;
  /** F_SETLEASE accepts F_LAYOUT (and F_UNBREAK where the design has it). */
  readonly layoutLeasesFcntl: boolean;
  readonly fallocateModeCheck: FallocateModeCheck;
  /** The filesystem whose layout-break code runs (names in the trace; XFS also recalls layout leases). */
  readonly fs: 'ext4' | 'xfs';
  readonly breakLayoutsOn: BreakLayoutsOn;
  /**
   * FOLL_LONGTERM on an fsdax VMA: allowed (plain GUP before 4.15), refused with EOPNOTSUPP
   * (4.15+, mainline), or allowed only while the inode has a layout lease, else EPERM (2019 RFCs).
   */
  readonly longtermPin: 'allow' | 'EOPNOTSUPP' | 'needs-layout-lease';
  /** A busy page held by a long-term pin: wait for it (2018 code) or fail ETXTBSY (2019 RFCs). */
  readonly pinnedBusy: 'wait' | 'ETXTBSY';
  /**
   * Layout leases in the break: 'none'; 'before-wait' (Ira's RFC: a blocking break_layout with
   * lease-break-time, then the busy-page check); 'pnfs' (XFS: recall FL_LAYOUT leases, no deadline).
   */
  readonly layoutLeaseBreak: 'none' | 'before-wait' | 'pnfs';
  /** MRs are on-demand paging: no pins; layout changes invalidate the NIC's translations. */
  readonly odp: boolean;
  /** Jan Kara: F_UNLCK of a layout lease waits while pins exist; closing it with pins kills the process. */
  readonly keepLeaseWhilePinned: boolean;
}

const ALL = { truncateDown: true, truncateUp: true, punch: true, collapse: true, insert: true, zero: true, allocate: false };
const NONE = { truncateDown: false, truncateUp: false, punch: false, collapse: false, insert: false, zero: false, allocate: false };

/** Behaviour shared by most policies (ext4 as merged in 4.19); each policy states its differences. */
export const EXT4_419_BEHAVIOUR = {
  fs: 'ext4',
  breakLayoutsOn: ALL,
  longtermPin: 'EOPNOTSUPP',
  pinnedBusy: 'wait',
  layoutLeaseBreak: 'none',
  odp: false,
  keepLeaseWhilePinned: false,
} as const satisfies Partial<Policy>;

export const BREAK_NONE: BreakLayoutsOn = NONE;
export const BREAK_ALL_XFS: BreakLayoutsOn = { ...ALL, allocate: true };
export const BREAK_EXT4_V3: BreakLayoutsOn = { ...ALL, insert: false };

export const POLICY_NAMES = ['no-break', 'ext4-v3-2018', 'ext4-4.19', 'xfs-2018', 'ira-rfc-2019', 'jan-keep-lease', 'lease-proposal-2019', 'mainline', 'odp'] as const;
export type PolicyName = (typeof POLICY_NAMES)[number];

/** Linux's defaults, shared by every policy unless it says otherwise. */
export const LINUX_DEFAULT_KNOBS: KernelKnobValues = {
  leaseBreakTimeNs: 45e9,
  leasesEnable: true,
  allowLongtermPin: false,
  idleRefcount: 1,
  skipWaitWhenUnmapped: true,
  hungTaskTimeoutNs: 2e9,
};

