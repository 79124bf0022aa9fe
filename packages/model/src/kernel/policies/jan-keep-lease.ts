import { EXT4_419_BEHAVIOUR, LINUX_DEFAULT_KNOBS, type Policy } from './defaults.js';

/** Jan Kara's variant (2019): the layout lease cannot be dropped while pins exist; close with pins kills the process. */
export const janKeepLease: Policy = {
  name: 'jan-keep-lease',
  summary:
    "Jan Kara's variant (2019): the layout lease cannot be dropped while pins exist; close with pins kills the process.",
  knobs: { ...LINUX_DEFAULT_KNOBS },
  layoutLeasesFcntl: true,
  ...EXT4_419_BEHAVIOUR, longtermPin: 'needs-layout-lease', pinnedBusy: 'ETXTBSY', layoutLeaseBreak: 'before-wait', keepLeaseWhilePinned: true,
  fallocateModeCheck: 'v4',
};
