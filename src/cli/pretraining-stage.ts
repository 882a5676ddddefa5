/**
 * The pretraining stage of `metatrain pretrain` and `metatrain run` (`model.init: pretrained`): gathers the
 * texts, pretrains or resumes (src/pretrain; a resume is said before its first step), shows a progress bar
 * (cli-progress) on a terminal and plain lines otherwise (a warning while the bar is drawn is printed once it
 * stops), and prints where the checkpoint went.
 */
import { SingleBar, Presets } from 'cli-progress';
import type { RunConfig } from '../core/config';
import { ConfigError } from '../core/errors';
import { isTextFamily } from '../baselines/classical-eval';
import { pretrain, type PretrainResult } from '../pretrain/pretrain';
import { pretrainingTexts } from '../pretrain/pretraining-texts';
import { taskFamilyFor } from '../tasks/task-family';

/** How the caller steers {@link runPretrainingStage}. */
export interface PretrainingStageControl {
  /** Read before each step: true ends the stage after checkpointing the last completed step. */
  readonly stopping: () => boolean;
  /** Called after each step completed in this process. @default nothing */
  readonly onStep?: () => void;
}

/**
 * Pretrains the body of `config.model` (the tfjs backend must be initialized), resuming from
 * `<run dir>/pretrained`; returns at once when that already holds the finished pretraining.
 * @throws ConfigError when the config has no `pretraining` section or its family has no text; as `pretrain`.
 */
export async function runPretrainingStage(config: RunConfig, control: PretrainingStageControl, out: NodeJS.WriteStream = process.stderr): Promise<PretrainResult> {
  const settings = config.pretraining;
  if (!settings) throw new ConfigError('pretraining', 'the config has no pretraining section');
  const family = taskFamilyFor(config);
  if (!isTextFamily(family)) throw new ConfigError('pretraining', `family ${config.task.family} has no text to pretrain on`);
  const corpus = await pretrainingTexts(config, family);
  const files = corpus.files.map((f) => `, ${f.passages} from ${f.path}`).join('');
  for (const f of corpus.files) {
    if (f.passages === 0) out.write(`warning: pretraining.texts ${f.path} gives no passage (it is empty, shorter than half of task.passageChars ${config.task.passageChars}, or has no token the ${config.model.tokenizer} tokenizer reads)\n`);
  }
  out.write(`pretraining ${config.model.layers}-layer encoder on ${corpus.texts.length} passages (${corpus.metaTrain} from the meta-train classes${files}), ${settings.steps} steps of ${settings.batchSize}\n`);
  const bar = out.isTTY ? new SingleBar({ format: 'pretraining (MLM)    |{bar}| {value}/{total} | loss {loss} | masked acc {acc}', stream: out, hideCursor: true }, Presets.shades_classic) : undefined;
  let started = false;
  // Warnings while the bar is drawn, printed once it stops: written meanwhile, the next redraw would overwrite them.
  const held: string[] = [];
  const warn = (line: string) => out.write(`warning: ${line}\n`);
  const every = Math.max(1, Math.floor(settings.steps / 4));
  let result: PretrainResult;
  try {
    result = await pretrain({
      config,
      texts: corpus.texts,
      stopping: control.stopping,
      onResume: (r) => out.write(`pretraining: resuming from step ${r.step}/${r.steps} (checkpoint ${r.path})\n`),
      onWarning: (line) => (bar && started ? held.push(line) : warn(line)),
      onStep: (s) => {
        control.onStep?.();
        const values = { loss: s.loss.toFixed(4), acc: s.accuracy.toFixed(4) };
        if (bar && !started) bar.start(s.steps, s.step, values);
        started = true;
        if (bar) bar.update(s.step, values);
        else if (s.step % every === 0 || s.step === s.steps) out.write(`pretraining: step ${s.step}/${s.steps}, MLM loss ${values.loss}, masked-token accuracy ${values.acc}\n`);
      },
    });
  } finally {
    bar?.stop();
    for (const line of held) warn(line);
  }
  // Stopped by a signal before the last step: not "done" (the caller says how to continue). A resume was said up front.
  const how = result.resumedFrom === settings.steps ? 'already finished' : result.step < settings.steps ? 'stopped' : 'done';
  out.write(`pretraining ${how}: step ${result.step}/${settings.steps}, ${result.path ? `checkpoint ${result.path}` : 'nothing checkpointed (no step completed)'}\n`);
  return result;
}
