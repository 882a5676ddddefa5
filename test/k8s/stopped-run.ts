/** The example run launched on the test API server, then stopped with its data volume kept (scale and status tests). */
import { launchRun } from '../../src/k8s/launch';
import { stopRun } from '../../src/k8s/stop';
import { exampleConfig, startHarness, type Harness } from './stub/harness';

/** What status and scale say of that stopped run (src/k8s/not-running.ts). */
export const STOPPED_EXAMPLE_RUN =
  'the run sotu-maml is not running in namespace metatrain (stopped; its data volume sotu-maml-data is kept). Launch it again with: metatrain launch CONFIG (it resumes from its last checkpoint); delete the volume with: metatrain stop sotu-maml --delete-data -n metatrain';

/** Runs `check` on a test API server where the example run was launched and then stopped; stops the server after. */
export async function withStoppedExampleRun(check: (h: Harness) => Promise<void>): Promise<void> {
  const h = await startHarness();
  try {
    await launchRun(h.cluster, exampleConfig());
    await stopRun(h.cluster, 'sotu-maml');
    await check(h);
  } finally {
    await h.stop();
  }
}
