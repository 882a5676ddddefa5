/** The sinusoid regression family (Finn et al. 2017, §5.1): ./sinusoid.ts, with `task.shots` / `task.queryShots`. */
import type { FamilyDefinition } from './family';
import { sinusoidFamily } from './sinusoid';

/** The `sinusoid` record. */
export const sinusoid = {
  name: 'sinusoid',
  summary: 'sinusoid regression (Finn et al. 2017)',
  metric: 'mse',
  text: false,
  modelKinds: ['sinusoid-mlp'],
  create: ({ task }) => sinusoidFamily({ shots: task.shots, queryShots: task.queryShots }),
} satisfies FamilyDefinition;
