import { EXT4_419_BEHAVIOUR, LINUX_DEFAULT_KNOBS, type Policy } from './defaults.js';

/** ext4 as merged in v4.19: ext4_break_layouts before every block-moving operation, insert range included. */
export const ext4_419: Policy = {
  name: 'ext4-4.19',
  summary:
    "ext4 as merged in v4.19: ext4_break_layouts before every block-moving operation, insert range included.",
  knobs: { ...LINUX_DEFAULT_KNOBS },
  layoutLeasesFcntl: false,
  ...EXT4_419_BEHAVIOUR,
  fallocateModeCheck: 'v4',
};
