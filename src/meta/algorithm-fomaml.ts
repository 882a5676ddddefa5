/** First-order MAML (Finn et al. 2017, §5.2): the query gradient at the adapted parameters (./fomaml.ts). */
import type { MetaAlgorithm } from './algorithm';

/** The `fomaml` record. */
export const fomaml = {
  name: 'fomaml',
  summary: 'first-order MAML (Finn et al. 2017, §5.2)',
  secondOrder: false,
  learnsInnerLr: false,
  gradient: (...args) => (require('./fomaml') as typeof import('./fomaml')).fomamlGradient(...args),
} satisfies MetaAlgorithm;
