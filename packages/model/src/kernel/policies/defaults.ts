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

export interface Policy {
  readonly name: PolicyName;
  /** One line: which kernel and what it does. */
  readonly summary: string;
  readonly knobs: KernelKnobValues;
  /** F_SETLEASE accepts F_LAYOUT (and F_UNBREAK where the design has it). */
  readonly layoutLeasesFcntl: boolean;
  readonly fallocateModeCheck: FallocateModeCheck;
}

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

