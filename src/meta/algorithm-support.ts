/**
 * Whether a model can give the exact gradients an algorithm needs. Second-order algorithms (MAML, Meta-SGD)
 * differentiate the inner-loop gradient itself; tfjs gets that wrong, silently, for ops whose gradient reuses
 * their saved output (see src/model/exact-grad-ops.ts), and a model lists such ops in `secondOrderBlockers`.
 * A second-order config that would pass through one is refused — never downgraded to first order.
 *
 * Where a blocker matters (the decision, tested in test/meta/algorithm-support.test.ts):
 * - The outer gradient differentiates the *backward pass* of the inner gradient, i.e. the ops between the
 *   adapted parameters and the loss, and the *forward pass* of everything (first order, always exact).
 * - `adapt: head` (ANIL): the inner backward runs through the head and the loss only; ops below the head reach
 *   the meta-gradient through their forward pass alone. So a blocker below the head does not matter, and a
 *   blocker in the head or the loss does.
 * - `adapt: all` or `head+layernorm`: LayerNorms sit throughout the body, so the inner backward runs through
 *   (nearly) the whole network; every blocker matters.
 * A blocker's location is read from its text, `op (location)` as in `'softmax (attention)'`. A blocker with no
 * location, or whose location mentions `head` or `loss`, counts as being in the head or loss (refused even
 * with `adapt: head`): the check errs toward refusing.
 */
import { UnsupportedGradientError } from '../core/errors';
import { orList } from '../core/registry';
import type { Model } from '../model/model';
import { algorithms } from './algorithm';
import type { AlgorithmConfig } from './meta-params';

/** True for algorithms that differentiate through the inner loop (`secondOrder` in ./algorithm.ts: `maml`, `metasgd`). */
export function isSecondOrder(algorithm: Pick<AlgorithmConfig, 'name'>): boolean {
  return algorithms.get(algorithm.name).secondOrder;
}

/**
 * The blockers of `model` that lie on the differentiated path of `algorithm` (empty when the config is
 * supported): none for first-order algorithms; with `adapt: head` the blockers located in the head or loss (or
 * with no location); otherwise all of them.
 */
export function blockingOps(model: Pick<Model, 'secondOrderBlockers'>, algorithm: Pick<AlgorithmConfig, 'name' | 'adapt'>): string[] {
  if (!isSecondOrder(algorithm)) return [];
  const blockers = [...model.secondOrderBlockers];
  return algorithm.adapt === 'head' ? blockers.filter(inHeadOrLoss) : blockers;
}

/**
 * Checks up front (coordinator at start, worker on join) that `model` gives exact gradients for `algorithm`.
 * @throws UnsupportedGradientError naming the blocking ops, the algorithm and adapt mode, and what to use
 *   instead (`fomaml`/`reptile`, or `adapt: head` when all blockers lie below the head).
 */
export function checkAlgorithmSupported(model: Pick<Model, 'secondOrderBlockers'>, algorithm: Pick<AlgorithmConfig, 'name' | 'adapt'>): void {
  const blocking = blockingOps(model, algorithm);
  if (blocking.length === 0) return;
  const headWorks = algorithm.adapt !== 'head' && model.secondOrderBlockers.every((b) => !inHeadOrLoss(b));
  const [first, ...others] = algorithms.all().filter((a) => !a.secondOrder).map((a) => a.name);
  const firstOrder = `use algorithm.name: ${first}${others.length > 0 ? ` (or ${orList(others)})` : ''}`;
  const suggestion = headWorks ? `${firstOrder}, or keep ${algorithm.name} with algorithm.adapt: head (ANIL), whose inner loop does not differentiate through these ops` : firstOrder;
  throw new UnsupportedGradientError(
    `algorithm ${algorithm.name} with adapt: ${algorithm.adapt} needs exact second-order gradients, which tfjs cannot give through ${blocking
      .map((b) => JSON.stringify(b))
      .join(', ')}; ${suggestion}`,
  );
}

function inHeadOrLoss(blocker: string): boolean {
  const location = /\(([^()]*)\)\s*$/.exec(blocker)?.[1];
  return location === undefined || /\b(head|loss)\b/i.test(location);
}
