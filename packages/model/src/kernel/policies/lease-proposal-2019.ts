import { EXT4_419_BEHAVIOUR, LINUX_DEFAULT_KNOBS, type Policy } from './defaults.js';

/** The September 2019 lease-semantics proposal: F_RDLCK/F_WRLCK × F_LAYOUT × F_UNBREAK; an unbreakable lease makes breakers fail ETXTBSY. */
export const leaseProposal2019: Policy = {
  name: 'lease-proposal-2019',
  summary:
    "The September 2019 lease-semantics proposal: F_RDLCK/F_WRLCK × F_LAYOUT × F_UNBREAK; an unbreakable lease makes breakers fail ETXTBSY.",
  knobs: { ...LINUX_DEFAULT_KNOBS },
  layoutLeasesFcntl: true,
  ...EXT4_419_BEHAVIOUR, longtermPin: 'needs-layout-lease', pinnedBusy: 'ETXTBSY', layoutLeaseBreak: 'before-wait',
  fallocateModeCheck: 'v4',
};
