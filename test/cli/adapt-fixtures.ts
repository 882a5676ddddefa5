/** Fixtures of the adapt and predict tests: a small text-classifier checkpoint and labelled JSONL files. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseRunConfig } from '../../src/core/config';
import { specOf, zerosFromSpec } from '../../src/core/param-set';
import { CheckpointStore } from '../../src/checkpoint';
import { initMetaParams } from '../../src/meta/meta-params';

/**
 * A small transformer checkpoint as `metatrain run` writes it (params from the seeded init, config recorded);
 * `model` overrides fields of the model section (e.g. `{ tokenizer: 'hashed-words' }`).
 */
export async function checkpoint(dir: string, model: Record<string, unknown> = {}): Promise<string> {
  const config = parseRunConfig({
    name: 'adapt-test',
    seed: 1,
    task: { family: 'sotu', ways: 3, shots: 2, queryShots: 2 },
    model: { kind: 'transformer', layers: 1, dModel: 8, heads: 2, dFf: 16, maxLength: 24, ...model },
    algorithm: { name: 'maml', adapt: 'head', innerLr: 0.5 },
  });
  const params = initMetaParams(config, 3, 5);
  const zeros = zerosFromSpec(specOf(params));
  const saved = await new CheckpointStore(join(dir, 'checkpoints'), { keep: 1 }).save({
    step: 1,
    params,
    optimizer: { step: 1, m: zeros, v: zeros },
    configHash: 'test',
    rng: {},
    metrics: {},
    extra: { config },
  });
  return saved.path;
}

/** A JSONL file of `perLabel` examples per label (texts of at most 26 bytes). */
export function jsonl(dir: string, name: string, labels: string[], perLabel: number): string {
  const lines = labels.flatMap((label, c) => Array.from({ length: perLabel }, (_, i) => JSON.stringify({ text: `${label} says ${'ab'.repeat(c + 1)} number ${i}`, label })));
  const path = join(dir, name);
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

