/** Whether a process of this host is still running, for entries that name their writer's pid (lock files, `.tmp-` names). */

/**
 * Whether process `pid` of this host exists: kill(pid, 0) succeeds, or fails with EPERM (it exists as another
 * user's). A pid of another host cannot be checked this way.
 */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
