/**
 * Ctrl-C and SIGTERM for the commands that publish one result directory in a single rename at the end (`adapt`,
 * `import-hf`; src/core/durable-fs.ts): the first signal removes what this process was staging, says that nothing was
 * written, and exits 130 / 143 (src/cli/exit-codes.ts). Their work is short and holds nothing worth keeping until it is
 * published, so there is no graceful stop to wait for.
 */
import { removeStagedNow } from '../core/durable-fs';
import { entryAt } from '../core/entry-at';
import { onStopSignals, signalExitCode } from './exit-codes';

/** The identity (device, inode) of what is at `path` (the rename publishes it there), or undefined when nothing is. */
function identityOf(path: string): string | undefined {
  const s = entryAt(path);
  return s && `${s.dev}:${s.ino}`;
}

/**
 * Installs the handling (replacing `exitOnStopSignalsUntilHandled`); call it first in the command's action.
 * On SIGINT or SIGTERM: removes this process's staging entries ({@link removeStagedNow}), prints to stderr
 * `<command> interrupted (SIGINT); nothing was written to <out>` — or `… interrupted (SIGINT) after writing <out>`
 * when the result was published just before — and exits 130 (SIGINT) or 143 (SIGTERM).
 * @param command the command's name, for the message (`adapt`).
 * @param out the result directory (absolute).
 */
export function onStopWritingNothing(command: string, out: string): void {
  const before = identityOf(out);
  onStopSignals((signal) => {
    removeStagedNow();
    const now = identityOf(out);
    const written = now !== undefined && now !== before;
    process.stderr.write(`\n${command} interrupted (${signal}); ${written ? `it had already written ${out}` : `nothing was written to ${out}`}\n`);
    process.exit(signalExitCode(signal));
  });
}

