import { EXT4_419_BEHAVIOUR, LINUX_DEFAULT_KNOBS, type Policy } from './defaults.js';

/** Ira Weiny's RFC (June 2019): F_SETLEASE F_LAYOUT; long-term pins need a layout lease (EPERM); truncating a pinned page fails ETXTBSY after the break. */
export const iraRfc2019: Policy = {
  name: 'ira-rfc-2019',
  summary:
    "Ira Weiny's RFC (June 2019): F_SETLEASE F_LAYOUT; long-term pins need a layout lease (EPERM); truncating a pinned page fails ETXTBSY after the break.",
  knobs: { ...LINUX_DEFAULT_KNOBS },
  layoutLeasesFcntl: true,
  ...EXT4_419_BEHAVIOUR, longtermPin: 'needs-layout-lease', pinnedBusy: 'ETXTBSY', layoutLeaseBreak: 'before-wait',
  fallocateModeCheck: 'v4',
};
