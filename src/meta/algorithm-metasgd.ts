/** Meta-SGD (Li et al. 2017): MAML with a learned inner learning rate per parameter element (./meta-sgd.ts). */
import type { MetaAlgorithm } from './algorithm';

/** The `metasgd` record. */
export const metasgd = {
  name: 'metasgd',
  summary: 'Meta-SGD, second order, learned per-parameter inner rates (Li et al. 2017)',
  secondOrder: true,
  learnsInnerLr: true,
  gradient: (...args) => (require('./meta-sgd') as typeof import('./meta-sgd')).metaSgdGradient(...args),
} satisfies MetaAlgorithm;
