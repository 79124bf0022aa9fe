import { LINUX_DEFAULT_KNOBS, type Policy } from './defaults.js';

/** XFS from v4.18: BREAK_UNMAP on truncate and every fallocate mode, pNFS-style layout leases with no deadline. */
export const xfs2018: Policy = {
  name: 'xfs-2018',
  summary:
    "XFS from v4.18: BREAK_UNMAP on truncate and every fallocate mode, pNFS-style layout leases with no deadline.",
  knobs: { ...LINUX_DEFAULT_KNOBS },
  layoutLeasesFcntl: false,
  fallocateModeCheck: 'v4',
};
