/**
 * The lifecycle of a LocalCluster (src/local/local-cluster.ts), with its legal transitions in one place:
 * - `created`: constructed, nothing started;
 * - `starting`: `start()` is bringing up the coordinator, the metrics endpoint and the worker processes;
 * - `running`: started; the run goes on;
 * - `lingering`: the run has ended (succeeded or failed; a stopped run does not linger) and every process stays up
 *   `lingerMs` for Prometheus and `metatrain watch`; `stop()` (Ctrl-C) ends the linger at once, checkpointing nothing;
 * - `stopping`: a graceful stop was asked for (Ctrl-C) during the run: the coordinator checkpoints, nothing lingers;
 * - `closing`: the workers, servers and compressor are being shut down; a worker that exits is not restarted;
 * - `closed`: everything is down (terminal).
 */
import type { Transitions } from '../core/lifecycle';

/** State of a LocalCluster. */
export type LocalClusterState = 'created' | 'starting' | 'running' | 'lingering' | 'stopping' | 'closing' | 'closed';

/** Legal transitions of a LocalCluster. */
export const LOCAL_CLUSTER_TRANSITIONS: Transitions<LocalClusterState> = {
  created: ['starting', 'stopping', 'closing'],
  starting: ['running', 'stopping', 'closing'],
  running: ['lingering', 'stopping', 'closing'],
  lingering: ['closing'],
  stopping: ['closing'],
  closing: ['closed'],
  closed: [],
};
