/**
 * Exit codes of the long-running commands (`run`, `pretrain`, `coordinator`, `worker`, `compress`, `compressor`, `watch`), one table for
 * all of them (README "Exit codes"):
 * - 0: finished normally (the run succeeded; a worker or compressor whose parent went away);
 * - 1: failed, including a bad config or bad options (commander's own usage errors exit 1 too);
 * - 128 + signal number: stopped by a signal after a graceful shutdown — 130 for SIGINT (Ctrl-C), 143 for SIGTERM.
 * A second signal during the graceful shutdown exits at once with the same code.
 */
import { constants } from 'node:os';

/** Finished normally. */
export const EXIT_OK = 0;
/** Failed (or refused a bad config / bad options). */
export const EXIT_FAILURE = 1;

/** The signals that stop a long-running command gracefully. */
export type StopSignal = 'SIGINT' | 'SIGTERM';

/** 128 + the signal's number: 130 for SIGINT, 143 for SIGTERM (the shell's convention for a signalled process). */
export function signalExitCode(signal: StopSignal): number {
  return 128 + constants.signals[signal];
}

/** Exits with the signal's code (128 + its number) at once. */
function exitAtOnce(signal: NodeJS.Signals): void {
  process.exit(signalExitCode(signal as StopSignal));
}

/**
 * From the start of the process until a command installs its own handling ({@link onStopSignals}), a stop signal
 * exits at once with its code (130 / 143) instead of killing the process by the signal: `bin/metatrain.js` calls
 * this before loading the command, which takes about half a second. A signal that arrives while it loads is handled
 * once it has loaded (by the command's own handling if it is installed by then).
 */
export function exitOnStopSignalsUntilHandled(): void {
  process.on('SIGINT', exitAtOnce);
  process.on('SIGTERM', exitAtOnce);
}

/** What {@link onStopSignals} returns: the first stop signal received, if any. */
export interface StopSignals {
  readonly received: StopSignal | undefined;
}

/** Options of {@link onStopSignals}. */
export interface StopSignalOptions {
  /** A second signal exits at once with the first one's code, after calling this (e.g. to say so). @default unset: later signals call `stop` again */
  readonly forceOnSecond?: () => void;
}

/**
 * Calls `stop(signal)` on every SIGINT or SIGTERM (`stop` must be idempotent), or, with `forceOnSecond`, exits at
 * once on the second; replaces {@link exitOnStopSignalsUntilHandled}. `received` is the first signal: read it after
 * the graceful shutdown to pick the exit code.
 */
export function onStopSignals(stop: (signal: StopSignal) => void, options: StopSignalOptions = {}): StopSignals {
  const state: { received: StopSignal | undefined } = { received: undefined };
  const handle = (signal: StopSignal) => {
    if (state.received && options.forceOnSecond) {
      options.forceOnSecond();
      process.exit(signalExitCode(state.received));
    }
    state.received ??= signal;
    stop(signal);
  };
  process.on('SIGINT', () => handle('SIGINT'));
  process.on('SIGTERM', () => handle('SIGTERM'));
  // Removed after adding: a signal without listeners closes Node's watcher of it, dropping one already received.
  process.off('SIGINT', exitAtOnce);
  process.off('SIGTERM', exitAtOnce);
  return state;
}

/**
 * {@link onStopSignals} for a command that checkpoints its last completed step when stopped (`run`, `pretrain`,
 * `coordinator`): the first signal prints `stopping: checkpointing the last completed step …` to stderr when
 * `stepCompleted()` says a step completed in this process, else only `stopping …` (there is nothing to checkpoint),
 * or, when `lingering()` says the run is over and the command only lingers (`--linger-seconds`), `ending the linger:
 * the run is over` (the command then exits as the run ended, 0 when it succeeded); then calls `stop`; a second
 * signal exits at once.
 */
export function onCheckpointingStop(stepCompleted: () => boolean, stop: (signal: StopSignal) => void, lingering: () => boolean = () => false): StopSignals {
  let checkpointing = false;
  return onStopSignals(
    (signal) => {
      if (lingering()) process.stderr.write('\nending the linger: the run is over\n');
      else {
        checkpointing = stepCompleted();
        process.stderr.write(`\nstopping${checkpointing ? ': checkpointing the last completed step' : ''} (a second Ctrl-C or SIGTERM exits at once)\n`);
      }
      stop(signal);
    },
    { forceOnSecond: () => process.stderr.write(`forced: exiting${checkpointing ? ' without waiting for the checkpoint' : ' at once'}\n`) },
  );
}
