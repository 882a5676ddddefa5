/**
 * Preloaded into a `metatrain` process by a test (`NODE_OPTIONS=--require …/dist/test/support/pause-before-command.js`,
 * env `METATRAIN_TEST_RESUME=FILE`) to hold it at one moment of its start: when bin/metatrain.js requires the command
 * line (src/cli/main.ts), that is once it has installed its first handling of stop signals and before any command's
 * modules load, it writes `paused before loading the command` to stderr and waits until FILE exists (a minute at
 * most). A signal the test sends meanwhile surely arrives while the modules are still to load, whatever the load
 * of the machine. Without the env variable it does nothing.
 */
import { existsSync, writeSync } from 'node:fs';
import Module from 'node:module';

/** How long the process waits for the resume file at most. */
const MAX_PAUSE_MS = 60_000;

/** Polling interval of the resume file. */
const POLL_MS = 10;

const resume = process.env.METATRAIN_TEST_RESUME;
if (resume) {
  const loader = Module.prototype as unknown as { require(this: unknown, id: string): unknown };
  const load = loader.require;
  loader.require = function (this: unknown, id: string): unknown {
    if (id.endsWith('/cli/main.js')) {
      writeSync(2, 'paused before loading the command\n');
      const end = Date.now() + MAX_PAUSE_MS;
      while (!existsSync(resume) && Date.now() < end) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, POLL_MS);
    }
    return load.call(this, id);
  };
}
