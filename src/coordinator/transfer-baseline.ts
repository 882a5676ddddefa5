/**
 * The transfer baseline (Chen et al. 2019, "A Closer Look at Few-shot Classification": "Baseline"): the same
 * architecture trained jointly, as an ordinary classifier with one output per meta-train class, on batches drawn
 * from all meta-train classes; at test time its head is replaced by a zero head of the task's N ways and the
 * network fine-tuned on the support set like the meta-learned one. Distributed like meta-training: each step's
 * batch gradients are computed by workers and averaged in index order. With `model.init` it starts from the same
 * pretrained body as meta-training (fine-tuning a pretrained encoder: the strongest transfer baseline).
 */
import { deriveSeed } from '../core/rng';
import { specOf, type ParamSet } from '../core/param-set';
import { initParams } from '../model/architecture';
import { Adam } from '../meta/adam';
import { withPretrainedBody, type PretrainedBody } from '../pretrain/pretrained-body';
import { meanGradient } from './aggregate';
import type { RunContext } from './run-context';
import type { WorkItem } from './work-item';

/** Examples per joint batch: as many as one task's support and query sets. */
export function jointBatchSize(ctx: RunContext): number {
  const t = ctx.config.task;
  return t.ways * (t.shots + t.queryShots);
}

/** Version name of the transfer baseline's parameters after `step` steps. */
export function transferVersion(step: number): string {
  return `transfer/${step}`;
}

/**
 * Trains the transfer baseline for `evaluation.transferSteps` steps of `algorithm.metaBatchSize` batches.
 * @returns the final parameters (head: one output per meta-train class) and their version name.
 * @param pretrained the `model.init` body meta-training started from (MetaTrainResult.pretrained), undefined for
 *   `model.init: random`.
 * @throws RunFailedError when a batch fails `maxAttempts` times.
 */
export async function trainTransferBaseline(ctx: RunContext, pretrained: PretrainedBody | undefined): Promise<{ params: ParamSet; version: string }> {
  const { config, family, dispatcher, versions, events } = ctx;
  const classes = family.classCount('train');
  const seeded = initParams(config.model, classes, deriveSeed(config.seed, 'transfer-init'));
  let params = pretrained ? withPretrainedBody(seeded, pretrained) : seeded;
  const adam = new Adam(specOf(params), { lr: config.algorithm.outerLr });
  const total = config.evaluation.transferSteps;
  const size = jointBatchSize(ctx);
  for (let step = 1; step <= total; step++) {
    versions.publish(transferVersion(step - 1), params);
    const items: WorkItem[] = Array.from({ length: config.algorithm.metaBatchSize }, (_, i) => ({
      key: `joint/${step}/${i}`,
      kind: 'joint',
      step,
      index: i,
      paramVersion: transferVersion(step - 1),
      paramKind: 'joint',
      batchSeed: deriveSeed(config.seed, 'joint', step, i),
      batchSize: size,
    }));
    const results = await dispatcher.runBatch(items);
    params = adam.step(params, meanGradient(results.map((r) => r.gradient!)));
    events.emit('progress', 'transfer baseline', step, total);
  }
  const version = transferVersion(total);
  versions.publish(version, params);
  return { params, version };
}
