import { BREAK_NONE, EXT4_419_BEHAVIOUR, LINUX_DEFAULT_KNOBS, type Policy } from './defaults.js';

/** Linux ≤ 4.14: plain GUP pins fsdax pages; truncate and punch free blocks at once, no layout break. */
export const noBreak: Policy = {
  name: 'no-break',
  summary:
    "Linux ≤ 4.14: plain GUP pins fsdax pages; truncate and punch free blocks at once, no layout break.",
  knobs: { ...LINUX_DEFAULT_KNOBS },
  layoutLeasesFcntl: false,
  ...EXT4_419_BEHAVIOUR, breakLayoutsOn: BREAK_NONE, longtermPin: 'allow',
  fallocateModeCheck: 'v4',
};
