import { EXT4_419_BEHAVIOUR, LINUX_DEFAULT_KNOBS, type Policy } from './defaults.js';

/** Linux 6.15+: FOLL_LONGTERM on fsdax refused (EOPNOTSUPP); transient pins waited for; idle refcount 0; unmapped pins seen. */
export const mainline: Policy = {
  name: 'mainline',
  summary:
    "Linux 6.15+: FOLL_LONGTERM on fsdax refused (EOPNOTSUPP); transient pins waited for; idle refcount 0; unmapped pins seen.",
  knobs: { ...LINUX_DEFAULT_KNOBS, idleRefcount: 0, skipWaitWhenUnmapped: false },
  layoutLeasesFcntl: false,
  ...EXT4_419_BEHAVIOUR,
  fallocateModeCheck: 'v6.12',
};
