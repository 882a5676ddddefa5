/** Reptile (Nichol et al. 2018): θ moves toward the adapted φ; the "gradient" is θ − φ (./reptile.ts). */
import type { MetaAlgorithm } from './algorithm';

/** The `reptile` record. */
export const reptile = {
  name: 'reptile',
  summary: 'Reptile (Nichol, Achiam & Schulman 2018)',
  secondOrder: false,
  learnsInnerLr: false,
  prototypeHeadRefusal: 'it moves θ toward the adapted φ, and a prototype head is not a meta-parameter',
  gradient: (...args) => (require('./reptile') as typeof import('./reptile')).reptileGradient(...args),
} satisfies MetaAlgorithm;
