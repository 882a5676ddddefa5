/** MAML (Finn et al. 2017): exact second-order meta-gradient through the inner loop (./maml.ts). */
import type { MetaAlgorithm } from './algorithm';

/** The `maml` record. */
export const maml = {
  name: 'maml',
  summary: 'MAML, second order (Finn et al. 2017)',
  secondOrder: true,
  learnsInnerLr: false,
  gradient: (...args) => (require('./maml') as typeof import('./maml')).mamlGradient(...args),
} satisfies MetaAlgorithm;
