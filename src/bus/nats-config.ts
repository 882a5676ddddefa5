/** The `nats` section of the run config (zod only; composed in src/core/config.ts). */
import { z } from 'zod';
import { NAMES_ITS_VALUE } from '../core/config-fields';
import { natsUrlProblem } from './nats-servers';

/**
 * The `nats` section as a checkpoint records it (`checkpoint.extra.config`, a compression job's config): a non-empty
 * `url`, its syntax unchecked. A run before the check of {@link natsSchema} may have recorded one it now refuses
 * (`http://h:4222`, which the client dialed as `h:4222`); adapt, predict and compress never dial it.
 */
export const recordedNatsSchema = z.object({ url: z.string().min(1) }).strict();

/**
 * NATS URL for events and the compression work queue: servers separated by commas, each `nats://HOST:PORT`,
 * `tls://HOST:PORT` or `HOST:PORT` ({@link natsUrlProblem} says what else is refused, and why), checked as the config
 * is read, so that a command refuses it before it writes to its run directory.
 */
export const natsSchema = recordedNatsSchema.extend({
  url: recordedNatsSchema.shape.url.superRefine((url, ctx) => {
    const problem = natsUrlProblem(url);
    if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem, params: NAMES_ITS_VALUE });
  }),
});
