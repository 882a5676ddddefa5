/** Converts task specs (src/tasks/task.ts) to and from their protobuf form (`metatrain.v1.TaskSpec`). */
import { ProtocolError } from '../core/errors';
import type { Split, TaskSpec } from '../tasks/task';
import type { TaskSpecMessage, TaskSpecMessageOutput } from './proto';

const SPLITS: readonly Split[] = ['train', 'val', 'test'];

/** TaskSpec → message. */
export function taskSpecToMessage(spec: TaskSpec): TaskSpecMessage {
  return {
    family: spec.family,
    split: spec.split,
    seed: spec.seed,
    classes: (spec.classes ?? []).map((classIndex, c) => ({
      classIndex,
      support: [...(spec.support?.[c] ?? [])],
      query: [...(spec.query?.[c] ?? [])],
    })),
  };
}

/** Message → TaskSpec. @throws ProtocolError on a missing spec or an unknown split. */
export function taskSpecFromMessage(message: TaskSpecMessageOutput | null): TaskSpec {
  if (!message) throw new ProtocolError('assignment without a task spec');
  if (!SPLITS.includes(message.split as Split)) throw new ProtocolError(`task spec has unknown split ${JSON.stringify(message.split)}`);
  const base = { family: message.family, split: message.split as Split, seed: message.seed };
  if (message.classes.length === 0) return base;
  return {
    ...base,
    classes: message.classes.map((c) => c.classIndex),
    support: message.classes.map((c) => [...c.support]),
    query: message.classes.map((c) => [...c.query]),
  };
}
