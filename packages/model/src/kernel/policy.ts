/**
 * Kernel policies: which historical design of the FS-DAX / lease / pin story a run models.
 * A policy is data plus (later) a few hooks, one file each under policies/, easy to diff.
 * Knobs given by a scenario or `--kernel KEY=VALUE` override the policy's defaults.
 * Expected outcomes per policy: docs in kernel-semantics §7 (see README).
 */
import type { Policy, PolicyName } from './policies/defaults.js';
import { ext4_419 } from './policies/ext4-4.19.js';
import { ext4_v3_2018 } from './policies/ext4-v3-2018.js';
import { iraRfc2019 } from './policies/ira-rfc-2019.js';
import { janKeepLease } from './policies/jan-keep-lease.js';
import { leaseProposal2019 } from './policies/lease-proposal-2019.js';
import { mainline } from './policies/mainline.js';
import { noBreak } from './policies/no-break.js';
import { odp } from './policies/odp.js';
import { xfs2018 } from './policies/xfs-2018.js';

export { POLICY_NAMES, LINUX_DEFAULT_KNOBS } from './policies/defaults.js';
export type { KernelKnobValues, Policy, PolicyName } from './policies/defaults.js';

export const POLICIES: Readonly<Record<PolicyName, Policy>> = {
  'no-break': noBreak,
  'ext4-v3-2018': ext4_v3_2018,
  'ext4-4.19': ext4_419,
  'xfs-2018': xfs2018,
  'ira-rfc-2019': iraRfc2019,
  'jan-keep-lease': janKeepLease,
  'lease-proposal-2019': leaseProposal2019,
  mainline,
  odp,
};

export function policyByName(name: string): Policy | undefined {
  return (POLICIES as Record<string, Policy>)[name];
}
