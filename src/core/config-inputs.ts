/**
 * The files and directories a run config reads (`task.path`, `model.init` DIR, `model.tokenizerPath`,
 * `pretraining.texts`), checked before `run`, `pretrain` and `coordinator` start any process or long work, so
 * that a mistyped path fails in a second, naming its field, not after pretraining or in a worker.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { modelInitDir, resolvedPath, taskDataPath, type RunConfig } from './config';
import { echoJson } from './echo-value';
import { ConfigError } from './errors';
import { fileIdentity, realPathOr } from './file-identity';

/** An input of the config: its field path, the path as the process opens it, and whether it is a directory. */
interface ConfigInput {
  readonly field: string;
  readonly path: string;
  readonly directory: boolean;
}

/**
 * The field path of entry `index` (0-based) of `pretraining.texts`, as every config error names a list entry:
 * keys and indexes joined by dots, like zod's issue paths (`pretraining.texts.0`).
 */
export function pretrainingTextField(index: number): string {
  return `pretraining.texts.${index}`;
}

function inputsOf(config: RunConfig): ConfigInput[] {
  const inputs: ConfigInput[] = [];
  const data = taskDataPath(config);
  if (data !== undefined) inputs.push({ field: 'task.path', path: data, directory: false });
  const { init, tokenizerPath } = config.model;
  if (init !== 'random' && init !== 'pretrained') inputs.push({ field: 'model.init', path: modelInitDir(config)!, directory: true });
  if (tokenizerPath !== undefined) inputs.push({ field: 'model.tokenizerPath', path: resolvedPath(config, tokenizerPath), directory: false });
  config.pretraining?.texts.forEach((text, i) => inputs.push({ field: pretrainingTextField(i), path: resolvedPath(config, text), directory: false }));
  return inputs;
}

/**
 * Checks that every input of `config` exists, is a file (a directory for `model.init`) and is readable, and that
 * no two entries of `pretraining.texts` name one file (the schema refuses only a literal repeat).
 * @throws ConfigError naming the field and the path (cut to 80 characters) and what is wrong, e.g.
 *   `invalid config at task.path: "/data/user.jsonl" does not exist`, or
 *   `invalid config at pretraining.texts.1: duplicate entry: "./big.txt" is the same file as "big.txt" (index 0), …`
 *   (a hard link: `…, "/data/copy.txt", a hard link to "/data/big.txt": list it once`).
 */
export function assertConfigInputsReadable(config: RunConfig): void {
  for (const { field, path, directory } of inputsOf(config)) {
    const shown = echoJson(path);
    let isDirectory: boolean;
    try {
      isDirectory = statSync(path).isDirectory();
      accessSync(path, constants.R_OK | (isDirectory ? constants.X_OK : 0));
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const why = code === 'ENOENT' ? 'does not exist' : code === 'EACCES' ? 'is not readable (permission denied)' : `cannot be read (${code ?? (err as Error).message})`;
      throw new ConfigError(field, `${shown} ${why}`, { cause: err });
    }
    if (isDirectory !== directory) throw new ConfigError(field, `${shown} is ${isDirectory ? 'a directory' : 'a file'}, expected ${directory ? 'a checkpoint directory' : 'a file'}`);
  }
  assertTextsDistinct(config);
}

/**
 * Refuses two entries of `pretraining.texts` that are one file written two ways (`big.txt`, `./big.txt`, a symbolic
 * or hard link to it): its passages would be read twice. Baselines are names of a fixed list, refused when repeated
 * by the schema.
 */
function assertTextsDistinct(config: RunConfig): void {
  const first = new Map<string, number>();
  const texts = config.pretraining?.texts ?? [];
  texts.forEach((text, i) => {
    const path = resolvedPath(config, text);
    const identity = fileIdentity(path);
    const at = first.get(identity);
    if (at === undefined) {
      first.set(identity, i);
      return;
    }
    const real = realPathOr(path);
    const firstReal = realPathOr(resolvedPath(config, texts[at]!));
    // A hard link has a real path of its own: both are named.
    const where = real === firstReal ? echoJson(real) : `${echoJson(real)}, a hard link to ${echoJson(firstReal)}`;
    throw new ConfigError(pretrainingTextField(i), `duplicate entry: ${echoJson(text)} is the same file as ${echoJson(texts[at]!)} (index ${at}), ${where}: list it once`);
  });
}
