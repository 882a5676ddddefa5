/** The `nats` section of the run config (zod only; composed in src/core/config.ts). */
import { z } from 'zod';

/** NATS URL for events and the compression work queue. */
export const natsSchema = z.object({ url: z.string().min(1) }).strict();
