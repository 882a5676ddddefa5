/**
 * The lifecycle of a Worker (src/worker/worker.ts), with its legal transitions in one place:
 * - `idle`: constructed, `run()` not called yet;
 * - `joining`: dialing the coordinator, `hello` sent, waiting for `welcome`;
 * - `joined`: welcomed; executing assignments until the Join stream ends;
 * - `backing-off`: the session ended or could not start; waiting (exponential backoff with jitter) to rejoin;
 * - `stopped`: `stop()` was called (terminal);
 * - `finished`: the coordinator said the run is over (`Finished`, docs/wire.md) and the worker left it (terminal;
 *   `run()` resolves); not reached with `stayAfterRun`, which stays joined;
 * - `failed`: a permanent error, one that a reconnect cannot fix (terminal; `run()` rejects with it).
 */
import type { Transitions } from '../core/lifecycle';

/** State of a Worker. */
export type WorkerState = 'idle' | 'joining' | 'joined' | 'backing-off' | 'stopped' | 'finished' | 'failed';

/** Legal transitions of a Worker. */
export const WORKER_TRANSITIONS: Transitions<WorkerState> = {
  idle: ['joining', 'stopped'],
  joining: ['joined', 'backing-off', 'stopped', 'failed'],
  joined: ['backing-off', 'stopped', 'finished', 'failed'],
  'backing-off': ['joining', 'stopped'],
  stopped: [],
  finished: [],
  failed: [],
};
