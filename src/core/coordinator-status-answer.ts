/**
 * Whether an answer is a coordinator's run status: the JSON its `/status` endpoint serves (src/core/http-endpoints.ts,
 * the coordinator's `status()`), read by `metatrain status` through the Kubernetes service proxy (src/k8s/status.ts)
 * and by `metatrain watch --coordinator http://…` (src/watch/status-client.ts). One schema, so both take the same
 * answers for a status and say the same of those they refuse.
 */
import { z } from 'zod';

const loss = z.number().nullable().optional();

/** The `/status` JSON: `run` and `phase` always, and the fields metatrain reads (NaN is `null` in JSON); others are dropped. */
const coordinatorStatusSchema = z.object({
  phase: z.string(),
  run: z.string(),
  step: z.number().int().nonnegative().optional(),
  maxSteps: z.number().int().positive().optional(),
  metaLoss: loss,
  metaValLoss: loss,
  metaValMetric: loss,
  workers: z.number().int().nonnegative().optional(),
  lastCheckpoint: z.string().nullable().optional(),
  tasksPerSecond: loss,
  message: z.string().optional(),
  phases: z.array(z.object({ phase: z.string(), message: z.string() })).optional(),
  // Informational (watch shows the steps between two reads): an entry of another shape drops the list, not the status.
  recentSteps: z
    .array(z.object({ step: z.number().int().nonnegative(), metaLoss: loss, tasksPerSecond: loss, workers: z.number().int().nonnegative() }))
    .optional()
    .catch(undefined),
});

/** A coordinator's `/status` answer, read. */
export type CoordinatorStatusAnswer = z.infer<typeof coordinatorStatusSchema>;

/** Where the first problem of an answer is: `missing "phase"`, `"step": expected number, received string`. */
function schemaProblem(issue: z.core.$ZodIssue, answer: unknown): string {
  const field = JSON.stringify(issue.path.join('.'));
  let at: unknown = answer;
  for (const key of issue.path) at = typeof at === 'object' && at !== null ? (at as Record<PropertyKey, unknown>)[key] : undefined;
  if (issue.path.length === 0) return issue.message;
  return at === undefined ? `missing ${field}` : `${field}: ${issue.message}`;
}

/**
 * `value` (parsed JSON) as a coordinator's run status, or why it is none, in words to follow "something that is not
 * a metatrain status (…)": `missing "phase"`, `missing "run"`, `"step": Invalid input: expected number, received string`.
 */
export function readCoordinatorStatusAnswer(value: unknown): CoordinatorStatusAnswer | { problem: string } {
  const parsed = coordinatorStatusSchema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  return { problem: issue !== undefined ? schemaProblem(issue, value) : 'not an object' };
}
