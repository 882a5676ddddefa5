/**
 * The meta-learning algorithms: one record each, in its own file (./algorithm-maml.ts, ./algorithm-fomaml.ts,
 * ./algorithm-reptile.ts, ./algorithm-metasgd.ts), registered below. Everything that depends on the algorithm reads
 * its record: the `algorithm.name` enum and the config rules (src/core/config.ts), the meta-parameter layout
 * (./meta-params.ts), the second-order support check (./algorithm-support.ts) and the gradient (./meta-gradient.ts).
 *
 * Records load no tfjs (the config and the coordinator read them): a record's `gradient` requires its
 * implementation (./maml.ts, …, which use tfjs) on first call. A new algorithm is its record file (with its
 * gradient file) and one line in {@link algorithms}; docs/architecture.md lists what else it may touch.
 */
import type { ParamSet } from '../core/param-set';
import { Registry } from '../core/registry';
import type { Model } from '../model/model';
import type { Task } from '../tasks/task';
import { fomaml } from './algorithm-fomaml';
import { maml } from './algorithm-maml';
import { metasgd } from './algorithm-metasgd';
import { reptile } from './algorithm-reptile';
import type { MetaGradient } from './meta-gradient';
import type { AlgorithmConfig } from './meta-params';

/** One meta-learning algorithm. */
export interface MetaAlgorithm {
  /** Value of `algorithm.name`. */
  readonly name: string;
  /** One line: what it computes and the paper. */
  readonly summary: string;
  /** Differentiates through the inner loop, so needs exact second-order gradients (./algorithm-support.ts). */
  readonly secondOrder: boolean;
  /**
   * Learns one inner learning rate per adaptable parameter element, stored as meta-parameters `lr/<name>`
   * (./meta-params.ts); an adapted model of it cannot change its number of classes.
   */
  readonly learnsInnerLr: boolean;
  /** Why `algorithm.headInit: prototypes` does not work with it (a config error says so); absent when it does. */
  readonly prototypeHeadRefusal?: string;
  /**
   * The per-task meta-gradient at `metaParams` (spec `metaParamSpec(model, algorithm)`), without the support
   * check: callers go through `computeMetaGradient` (./meta-gradient.ts).
   * @throws ShapeError when `metaParams` does not match the spec.
   */
  gradient(model: Model, metaParams: ParamSet, task: Task, algorithm: AlgorithmConfig): MetaGradient;
}

/**
 * Every algorithm, by name, in the order `algorithm.name` lists them (one registration each). `algorithms.get(name)`
 * throws UnknownNameError listing the known names. (Names are plain strings in `RunConfig`: a literal union derived
 * from the records would make the config's type depend on itself, as records take the algorithm section.)
 */
export const algorithms: Registry<MetaAlgorithm> = new Registry<MetaAlgorithm>('algorithm').register(maml).register(fomaml).register(reptile).register(metasgd);
