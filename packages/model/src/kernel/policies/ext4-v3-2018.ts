import { BREAK_EXT4_V3, EXT4_419_BEHAVIOUR, LINUX_DEFAULT_KNOBS, type Policy } from './defaults.js';

/** Ross Zwisler's v3 ext4 patch (July 2018): wait for busy DAX pages on truncate, punch, collapse, zero — but not on insert range. */
export const ext4_v3_2018: Policy = {
  name: 'ext4-v3-2018',
  summary:
    "Ross Zwisler's v3 ext4 patch (July 2018): wait for busy DAX pages on truncate, punch, collapse, zero — but not on insert range.",
  knobs: { ...LINUX_DEFAULT_KNOBS },
  layoutLeasesFcntl: false,
  ...EXT4_419_BEHAVIOUR, breakLayoutsOn: BREAK_EXT4_V3,
  fallocateModeCheck: 'v4',
};
