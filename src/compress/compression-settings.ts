/**
 * The settings a committed compression was made with, as its `compression.json` records them, compared with a run
 * config: says why a result directory holds "another" compression of the same checkpoint.
 */
import type { RunConfig } from '../core/config';
import type { CompressionReport } from './compression-report';

/** A run config's `compression` section. */
type CompressionSettings = RunConfig['compression'];

/**
 * The settings `report` records, by config path (`compression.sparsity`, `evaluation.adaptSteps` …): the whole
 * `compression` section when the report has `settings`, else the ones its numbers show (sparsity target, training
 * steps per phase, evaluation tasks); `evaluation.adaptSteps` from its accuracy.
 */
function recordedSettings(report: CompressionReport): Record<string, unknown> {
  const shown: Partial<CompressionSettings> = report.settings ?? {
    sparsity: report.sparsity?.target,
    distillSteps: report.training?.steps?.distill,
    pruneSteps: report.training?.steps?.prune,
    recoverySteps: report.training?.steps?.recover,
    evalTasks: report.accuracy?.tasks,
  };
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(shown)) if (value !== undefined) out[`compression.${key}`] = value;
  if (report.accuracy?.adaptSteps !== undefined) out['evaluation.adaptSteps'] = report.accuracy.adaptSteps;
  return out;
}

/**
 * The recorded settings of `report` that `config` sets otherwise, as `path: recorded → config` (JSON values, in the
 * order of {@link recordedSettings}); empty when every recorded setting agrees.
 */
export function settingDifferences(report: CompressionReport, config: RunConfig): string[] {
  const current: Record<string, unknown> = { ...prefixed('compression', config.compression), 'evaluation.adaptSteps': config.evaluation.adaptSteps };
  return Object.entries(recordedSettings(report))
    .filter(([path, value]) => JSON.stringify(value) !== JSON.stringify(current[path]))
    .map(([path, value]) => `${path}: ${JSON.stringify(value)} → ${JSON.stringify(current[path]) ?? 'absent'}`);
}

function prefixed(prefix: string, section: object): Record<string, unknown> {
  return Object.fromEntries(Object.entries(section).map(([key, value]) => [`${prefix}.${key}`, value]));
}
