/** State of the Union authorship: N-way K-shot over passages of `task.passageChars` characters (./sotu.ts). */
import type { FamilyDefinition } from './family';
import { sotuCorpus } from './sotu';
import { textTaskFamily } from './text-corpus';

/** The `sotu` record. */
export const sotu = {
  name: 'sotu',
  summary: 'State of the Union authorship, N-way K-shot over passages',
  metric: 'accuracy',
  text: true,
  modelKinds: ['transformer', 'bert'],
  create: ({ task, seed }) => textTaskFamily('sotu', sotuCorpus(task.passageChars), { ways: task.ways, shots: task.shots, queryShots: task.queryShots, classSplit: task.classSplit, seed }),
} satisfies FamilyDefinition;
