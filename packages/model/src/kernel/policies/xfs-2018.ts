import { BREAK_ALL_XFS, EXT4_419_BEHAVIOUR, LINUX_DEFAULT_KNOBS, type Policy } from './defaults.js';

/** XFS from v4.18: BREAK_UNMAP on truncate and every fallocate mode, pNFS-style layout leases with no deadline. */
export const xfs2018: Policy = {
  name: 'xfs-2018',
  summary:
    "XFS from v4.18: BREAK_UNMAP on truncate and every fallocate mode, pNFS-style layout leases with no deadline.",
  knobs: { ...LINUX_DEFAULT_KNOBS },
  // A layout lease stands for a pNFS client's layout (nfsd4_layout_setlease): no deadline.
  layoutLeasesFcntl: true,
  ...EXT4_419_BEHAVIOUR, fs: 'xfs', breakLayoutsOn: BREAK_ALL_XFS, layoutLeaseBreak: 'pnfs',
  fallocateModeCheck: 'v4',
};
