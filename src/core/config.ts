/**
 * Run configuration: raw YAML/object → defaults → validated, frozen `RunConfig`.
 * Each section's schema lives beside the code that owns it, in a zod-only file (`task`: src/tasks/task-config.ts,
 * `model`: src/model/model-config.ts, `algorithm`: src/meta/meta-learning-config.ts, `training`, `evaluation`,
 * `runtime`: src/coordinator/*-config.ts, `pretraining`: src/pretrain/pretraining-config.ts, `compression`:
 * src/compress/compression-config.ts, `nats`: src/bus/nats-config.ts, `kubernetes`: src/k8s/kubernetes-config.ts),
 * with every field's default documented there; units are in the names. This file composes them, checks the rules
 * across sections (reading the algorithm and task-family records), and loads, hashes and resolves configs. None of
 * these files loads tfjs, gRPC, NATS or a Kubernetes client (test/core/core-imports.test.ts). A validation error
 * names the field path and the bad value (ConfigError).
 */
import { createHash } from 'node:crypto';
import { statSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { z } from 'zod';
import { natsSchema, recordedNatsSchema } from '../bus/nats-config';
import { natsUrlShown } from '../bus/nats-servers';
import { compressionSchema } from '../compress/compression-config';
import { compressionRefusal } from '../compress/compressible-model';
import { evaluationSchema } from '../coordinator/evaluation-config';
import { runtimeSchema } from '../coordinator/runtime-config';
import { trainingSchema } from '../coordinator/training-config';
import { kubernetesSchema } from '../k8s/kubernetes-config';
import { algorithmSchema } from '../meta/meta-learning-config';
import { algorithms } from '../meta/algorithm';
import { isTextModelKind, modelSchema } from '../model/model-config';
import { pretrainingSchema } from '../pretrain/pretraining-config';
import { taskFamilies } from '../tasks/family';
import { taskSchema } from '../tasks/task-config';
import { integerFieldMessage, NAMES_ITS_VALUE, nonFiniteNumberMessage, nonNegativeInt, numberBoundMessage, shapeMessage, tightestBounds } from './config-fields';
import { parseConfigYaml } from './config-yaml';
import { writtenAt, type WrittenScalar } from './config-yaml-values';
import { echoJson, echoValue, echoWritten } from './echo-value';
import { isIntegerField } from './integer-field';
import { writtenIntegerProblem } from './written-integer';
import { ConfigError, type FileReadError } from './errors';
import { readBoundedFileAsync } from './bounded-file';
import { decodeTextFile } from './utf8-text';
import { orList } from './registry';
import { RUN_NAME_PATTERN, RUN_NAME_RULE } from './run-name';

export { MIN_KEEPALIVE_MS, MIN_LEASE_TIMEOUT_MS } from '../coordinator/runtime-config';
export { MIN_TERMINATION_GRACE_SECONDS } from '../k8s/kubernetes-config';
export { isTextModelKind, modelSchema } from '../model/model-config';

/**
 * Largest run config file {@link loadRunConfig} reads: 1 MiB. A run config is a few KB; a larger file is a mistake,
 * and parsing it whole would take seconds and gigabytes, so it is refused before it is parsed.
 */
export const MAX_CONFIG_FILE_BYTES = 1 << 20;

export { MAX_ECHOED_VALUE_CHARS } from './echo-value';

/**
 * Most problems one config error lists: 20. The rest are counted (`; and 89,980 more problems`), so that a config
 * with a bad entry repeated 90,000 times gets an error of a few lines, not one of megabytes.
 */
export const MAX_LISTED_PROBLEMS = 20;

/**
 * The whole run config, its `nats` section checked by `nats` ({@link natsSchema} as a config is read,
 * {@link recordedNatsSchema} as a checkpoint recorded it).
 */
function runConfigSchemaWith<N extends typeof recordedNatsSchema>(nats: N) {
  return z
    .object({
      /** Run name: lowercase DNS label (used in Kubernetes object names and metric labels). */
      name: z.string().regex(RUN_NAME_PATTERN, RUN_NAME_RULE),
      /** Run seed: all randomness derives from it. @default 0 */
      seed: nonNegativeInt.default(0),
      task: taskSchema,
      model: modelSchema,
      algorithm: algorithmSchema.prefault({}),
      training: trainingSchema.prefault({}),
      evaluation: evaluationSchema.prefault({}),
      runtime: runtimeSchema.prefault({}),
      compression: compressionSchema.prefault({}),
      /** Masked-language-model pretraining of the body (`metatrain pretrain`, `model.init: pretrained`); omitted = none. */
      pretraining: pretrainingSchema.optional(),
      /** NATS URL for events and the compression work queue; omitted = in-process (local embedded default). */
      nats: nats.optional(),
      /** Kubernetes deployment (`metatrain launch`); every field has a default. */
      kubernetes: kubernetesSchema.prefault({}),
    })
    .strict()
    .superRefine((c, ctx) => {
      const family = taskFamilies.get(c.task.family);
      const algorithm = algorithms.get(c.algorithm.name);
      if (!family.modelKinds.includes(c.model.kind)) {
        ctx.addIssue({ code: 'custom', path: ['model', 'kind'], message: `family ${family.name} needs model ${orList(family.modelKinds)}, got ${c.model.kind}` });
      }
      if (c.model.kind === 'bert') {
        if (c.model.tokenizer !== 'hf') ctx.addIssue({ code: 'custom', path: ['model', 'tokenizer'], message: `model bert needs tokenizer hf (its tokenizer.json), got ${c.model.tokenizer}` });
        if (c.model.vocabSize === undefined) ctx.addIssue({ code: 'custom', path: ['model', 'vocabSize'], message: 'model bert needs vocabSize (vocab_size of its config.json; metatrain import-hf prints it)' });
      }
      const refusal = compressionRefusal(c.model.kind);
      if (refusal && c.compression.enabled) {
        ctx.addIssue({ code: 'custom', path: ['compression', 'enabled'], message: `${refusal}: set compression.enabled: false` });
      }
      if (c.model.tokenizer === 'hf' && c.model.kind !== 'bert') {
        ctx.addIssue({ code: 'custom', path: ['model', 'tokenizer'], message: `tokenizer hf is for model bert, got model ${c.model.kind}` });
      }
      if (c.model.tokenizer === 'hf' && !c.model.tokenizerPath) {
        ctx.addIssue({ code: 'custom', path: ['model', 'tokenizerPath'], message: 'tokenizer hf needs tokenizerPath (the tokenizer.json)' });
      }
      if (c.algorithm.headInit === 'prototypes' && family.metric !== 'accuracy') {
        ctx.addIssue({ code: 'custom', path: ['algorithm', 'headInit'], message: `prototypes needs a classification family (the ${family.name} head is a regression output)` });
      }
      if (c.algorithm.headInit === 'prototypes' && algorithm.prototypeHeadRefusal) {
        const working = algorithms.all().filter((a) => !a.prototypeHeadRefusal).map((a) => a.name);
        ctx.addIssue({ code: 'custom', path: ['algorithm', 'headInit'], message: `prototypes does not work with ${algorithm.name} (${algorithm.prototypeHeadRefusal}): use ${orList(working)}` });
      }
      c.evaluation.baselines.forEach((b, i) => {
        if (b.startsWith('tfidf') && !family.text) {
          ctx.addIssue({ code: 'custom', path: ['evaluation', 'baselines', i], message: `${b} is a text classifier; family ${family.name} has no text` });
        }
      });
      if (c.algorithm.adapt === 'lora' && (c.model.kind !== 'transformer' || c.model.layers === 0 || c.model.loraRank === 0)) {
        ctx.addIssue({ code: 'custom', path: ['algorithm', 'adapt'], message: `lora needs a transformer with layers ≥ 1 and model.loraRank ≥ 1 (the adapters sit on attention and feed-forward weights; model bert has none yet), got model ${c.model.kind} with layers ${c.model.layers} and loraRank ${c.model.loraRank}` });
      }
      if (c.model.loraRank > 0 && c.algorithm.adapt !== 'lora') {
        ctx.addIssue({ code: 'custom', path: ['model', 'loraRank'], message: `adapters are only trained with algorithm.adapt: lora, got adapt: ${c.algorithm.adapt}` });
      }
      if (c.pretraining && c.model.kind !== 'transformer') {
        ctx.addIssue({ code: 'custom', path: ['pretraining'], message: `masked-language-model pretraining needs a transformer (family sinusoid has no text; a bert model comes pretrained: metatrain import-hf), got model ${c.model.kind}` });
      }
      // One message at model.init, the one whose fix works: a model that reads no text is not told to add a pretraining section.
      if (c.model.init !== 'random' && !isTextModelKind(c.model.kind)) {
        ctx.addIssue({ code: 'custom', path: ['model', 'init'], message: `only a transformer or bert starts from a pretrained body, got model.kind ${c.model.kind}: leave model.init out (random)` });
      } else if (c.model.init === 'pretrained' && !c.pretraining) {
        ctx.addIssue({ code: 'custom', path: ['model', 'init'], message: 'pretrained needs a pretraining section, got none (or give the path of a pretrained checkpoint directory)' });
      }
      for (const issue of family.configIssues?.(c.task) ?? []) ctx.addIssue({ code: 'custom', path: [...issue.path], message: issue.message });
    });
}

/** The whole run config. */
export const runConfigSchema = runConfigSchemaWith(natsSchema);

/** The whole run config as a checkpoint records it: its `nats.url` not checked ({@link recordedNatsSchema}). */
const recordedConfigSchema = runConfigSchemaWith(recordedNatsSchema);

/** A validated run config with every default filled in. */
export type RunConfig = z.infer<typeof runConfigSchema>;
/** A run config as written by a user (defaults optional). */
export type RunConfigInput = z.input<typeof runConfigSchema>;

/** The scalars of a config file as written ({@link loadRunConfig}), for errors to echo them as written. */
export interface ConfigSource {
  readonly file: string;
  readonly scalars: readonly WrittenScalar[];
}

/**
 * Validates a raw config object. An integer field's bad value (not a number, not whole, out of range) gets one
 * message, `must be an integer in [a, b]`, unless the field words its own; a missing field, a value of another type
 * (null included: a YAML key with nothing after it), not one of its choices or a list of the wrong length gets the
 * config's words for it ({@link shapeMessage}: `missing: this field is required (a string)`, `must be a mapping (got
 * null: the value is empty)`), and an unknown field with an empty key is named `model.""`.
 * @param source where `raw` was read from: an integer field written in another form than decimal digits (`1e3`,
 *   `0x10`, `5.0`, directly or through an alias) or with a leading zero (`010`: 10 in YAML 1.2, 8 in YAML 1.1) is then
 *   refused too (src/core/written-integer.ts), and a bad number, or any bad scalar of an integer field (`"10"`,
 *   `1_000`, `!!float 6`, `true`), is echoed as written in the file, with its `FILE:LINE:COL` (`got
 *   12345678901234567890 at run.yaml:7:13`, not the rounded 12345678901234567000; `, through the alias at
 *   FILE:LINE:COL` when an alias brought it to the field).
 * @throws ConfigError naming the first failing field path (`path`) and the bad value, then the other failing fields
 *   (the integers not in decimal digits first, one message per field), at most {@link MAX_LISTED_PROBLEMS} in all,
 *   then how many more there are.
 */
export function parseRunConfig(raw: unknown, source?: ConfigSource): RunConfig {
  return parseWith(runConfigSchema, raw, source);
}

/**
 * Validates a run config recorded by an earlier run (`checkpoint.extra.config`, the config of a compression job) or
 * sent by a coordinator (a worker's `welcome`), as {@link parseRunConfig} does but for `nats.url`, whose syntax is not
 * checked: adapt, predict, compress and workers never dial it, and a run or coordinator before that check may have
 * recorded or sent one it now refuses (`http://h:4222`).
 * @throws ConfigError as {@link parseRunConfig}.
 */
export function parseRecordedConfig(raw: unknown): RunConfig {
  return parseWith(recordedConfigSchema, raw);
}

/** {@link parseRunConfig} with `schema`. */
function parseWith(schema: typeof runConfigSchema | typeof recordedConfigSchema, raw: unknown, source?: ConfigSource): RunConfig {
  const result = schema.safeParse(raw, { error: (issue) => integerFieldMessage(schema, issue) ?? numberBoundMessage(issue) ?? nonFiniteNumberMessage(issue) ?? shapeMessage(issue) });
  const notDecimal = source ? integersNotInDecimal(source) : [];
  if (!result.success || notDecimal.length > 0) {
    const issues = result.success ? [] : tightestBounds(result.error.issues);
    const written = source && writtenScalarsByPath(source);
    const reported = new Set<string>();
    const [first, ...rest] = [...notDecimal, ...issues.flatMap((issue) => {
      // An unknown key is reported at the key itself, not at its parent with the whole parent object as the value.
      if (issue.code === 'unrecognized_keys') return issue.keys.map((key) => ({ path: fieldPath([...issue.path, key]), detail: key === '' ? EMPTY_KEY : 'unknown field (check its spelling and level)' }));
      // A bad record key (e.g. a node selector's label key): the key's own issues, not the value under it.
      if (issue.code === 'invalid_key') return [{ path: fieldPath(issue.path), detail: `invalid key: ${issue.issues.map((i) => i.message).join('; ')}` }];
      const bad = valueAt(raw, issue.path);
      // A message that already says what it got (a rule across fields: the value at its path may not be the culprit),
      // or names the value itself (NAMES_ITS_VALUE).
      const named = /\bgot\b/.test(issue.message) || (issue.code === 'custom' && issue.params?.['namesItsValue'] === NAMES_ITS_VALUE.namesItsValue);
      const shown = bad === undefined || named ? '' : ` (got ${echoBad(bad, issue.path, source, written)})`;
      return [{ path: fieldPath(issue.path), detail: `${issue.message}${shown}` }];
    })].filter((problem) => !reported.has(problem.path) && reported.add(problem.path));
    const listed = rest.slice(0, MAX_LISTED_PROBLEMS - 1).map((r) => `; and at ${r.path || '(root)'}: ${r.detail}`).join('');
    const unlisted = rest.length - (MAX_LISTED_PROBLEMS - 1);
    throw new ConfigError(first!.path, `${first!.detail}${listed}${unlisted > 0 ? `; and ${unlisted.toLocaleString('en-US')} more problems` : ''}`);
  }
  return Object.freeze(result.data) as RunConfig;
}

/**
 * The number fields of `source` whose whole number is written with a leading zero (`010`), and the integer fields
 * whose whole number is written in another form than decimal digits (`1e3`, `0x10`, `5.0`), as problems
 * ({@link writtenIntegerProblem}).
 */
function integersNotInDecimal(source: ConfigSource): Array<{ path: string; detail: string }> {
  return source.scalars.flatMap((n) => {
    const problem = Number.isInteger(n.value) ? writtenIntegerProblem(source.file, n, isIntegerField(runConfigSchema, n.path)) : undefined;
    return problem ? [{ path: fieldPath(n.path), detail: problem }] : [];
  });
}

/**
 * Reads and validates a YAML run config file. Sets `runtime.baseDir` to the file's directory (a `runtime.baseDir`
 * written in the file is resolved against it), so that a relative `task.path` names a file beside the config,
 * wherever the command runs. Top-level fields named `x-…` are left out (they hold YAML anchors, as in docker-compose).
 * @throws (rejects with) ConfigError when the path is empty, the file cannot be read, is not a regular file or a pipe (a directory, a
 *   device), is a pipe that gives no bytes (no writer had opened it), holds no fields (empty, `{}`, a list, a scalar), is larger than {@link MAX_CONFIG_FILE_BYTES} (naming the file
 *   and its size, before anything is parsed), is not YAML (YamlSyntaxError, `FILE:LINE:COL: invalid YAML: reason`),
 *   writes an integer field in another form than decimal digits (`1e3`, `0x10`, `5.0`, `010`, directly or through an
 *   alias or a merge key: naming the field, the value and where it is), or fails validation ({@link parseRunConfig}: every
 *   bad field). A pipe is read without keeping Ctrl-C or SIGTERM waiting for its producer (`run /dev/stdin`).
 */
export async function loadRunConfig(file: string): Promise<RunConfig> {
  if (file === '') throw new ConfigError('', 'no config file given (the path is empty)');
  return runConfigOfText(file, await readConfigText(file));
}

/**
 * The run config written in `text`, the text of the config file `file` (named by its errors; `runtime.baseDir` is set
 * to its directory): what {@link loadRunConfig} returns once it has read the file.
 * @throws ConfigError as {@link loadRunConfig}, for all but reading the file.
 */
export function runConfigOfText(file: string, text: string): RunConfig {
  let parsed: ReturnType<typeof parseConfigYaml>;
  try {
    parsed = parseConfigYaml(file, text);
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    throw new ConfigError('', `${file} is not valid YAML: ${(err as Error).message}`, { cause: err });
  }
  const root = rootProblem(parsed.raw);
  if (root) throw new ConfigError('', `${file} ${root}: a run config is a mapping with at least name, task (family) and model (kind)`);
  return parseRunConfig(withBaseDir(parsed.raw, dirname(resolve(file))), { file, scalars: parsed.scalars });
}

/** What is wrong with a config file's top-level value when it is not a mapping of fields (an empty file, `{}` or only `x-…` fields, a list, a scalar). */
function rootProblem(raw: unknown): string | undefined {
  if (raw === null || raw === undefined) return 'is empty (or only comments)';
  if (isPlainObject(raw) && Object.keys(raw).length === 0) return 'holds no fields (an empty mapping {}, or only x-… fields, which hold anchors for the others)';
  if (Array.isArray(raw)) return 'holds a list, not a mapping of fields';
  if (typeof raw !== 'object') return `holds a single ${typeof raw} (${echoJson(raw)}), not a mapping of fields`;
  return undefined;
}

/**
 * The text of a config file, read up to {@link MAX_CONFIG_FILE_BYTES} bytes (src/core/bounded-file.ts: neither a
 * huge file nor an endless one such as a device is read whole).
 * @throws (rejects with) ConfigError (at the root, naming the file) when the file cannot be read (`-`: the message
 *   says to give /dev/stdin), is neither a regular file nor a pipe, is a pipe that gave no bytes (no writer had
 *   opened it, or it wrote nothing), is larger than the limit, or is not text (bytes that are not UTF-8, a NUL or another control byte: naming the
 *   byte, its offset and line, never echoing the bytes).
 */
async function readConfigText(file: string): Promise<string> {
  const why = (err: FileReadError) => (err.reason === 'too-large' ? '; a run config is a few KB' : err.code === 'ENOENT' && file === '-' ? ' (to read the config from standard input, give /dev/stdin)' : '');
  const bytes = await readBoundedFileAsync(file, MAX_CONFIG_FILE_BYTES, (err) => new ConfigError('', `${err.message}${why(err)}`, { cause: err }));
  if (bytes.length === 0 && isPipe(file)) {
    throw new ConfigError('', `${file}: a pipe that gave no bytes: no writer had opened it, or its writer wrote nothing (a pipe with no writer is not waited for: start the writer first)`);
  }
  const decoded = decodeTextFile(bytes);
  if ('problem' in decoded) throw new ConfigError('', `${file}: ${decoded.problem}; a run config is YAML text`);
  return decoded.text;
}

/** Whether `file` is a pipe (a named one, or /dev/stdin given one); false when it cannot be read by `stat`. */
function isPipe(file: string): boolean {
  return statSync(file, { throwIfNoEntry: false })?.isFIFO() ?? false;
}

/** `raw` with `runtime.baseDir` resolved against `dir`; a malformed `raw` is returned as is, for validation to name. */
function withBaseDir(raw: unknown, dir: string): unknown {
  if (!isPlainObject(raw)) return raw;
  const runtime = raw.runtime === undefined ? {} : raw.runtime;
  if (!isPlainObject(runtime) || (runtime.baseDir !== undefined && typeof runtime.baseDir !== 'string')) return raw;
  return { ...raw, runtime: { ...runtime, baseDir: resolve(dir, runtime.baseDir ?? '.') } };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * sha256 of the canonical JSON of the fields that determine the trained parameters (stored in checkpoints).
 * `training.maxSteps` is left out: it only says where to stop, so a finished run can be resumed with a larger
 * budget (it continues from its last checkpoint; the validation it ran at the old last step is kept).
 */
export function configHash(config: RunConfig): string {
  return createHash('sha256').update(JSON.stringify(hashedFields(config))).digest('hex');
}

/**
 * The fields that make {@link configHash} differ between two configs, as `path: a → b` lines (JSON values), in
 * path order; empty when the hashes are equal. Says which change made a resume refuse a checkpoint.
 */
export function configDifferences(a: RunConfig, b: RunConfig): string[] {
  return fieldDifferences(hashedFields(a), hashedFields(b));
}

/** The leaves that differ between two JSON values, as `path: a → b` lines (JSON values, `absent`), in path order. */
export function fieldDifferences(a: unknown, b: unknown): string[] {
  const out: string[] = [];
  const walk = (x: unknown, y: unknown, path: string): void => {
    if (isPlainObject(x) && isPlainObject(y)) {
      for (const key of [...new Set([...Object.keys(x), ...Object.keys(y)])].sort()) walk(x[key], y[key], path ? `${path}.${key}` : key);
    } else if (JSON.stringify(x) !== JSON.stringify(y)) {
      out.push(`${path}: ${JSON.stringify(x) ?? 'absent'} → ${JSON.stringify(y) ?? 'absent'}`);
    }
  };
  walk(a, b, '');
  return out;
}

function hashedFields(config: RunConfig): Record<string, unknown> {
  const { seed, task, model, algorithm, pretraining } = config;
  const { maxSteps: _stop, ...training } = config.training;
  return { seed, task, model, algorithm, training, pretraining };
}

/**
 * `config` as checkpoints (`manifest.json`) and compression jobs on NATS record it: the password or token in
 * `nats.url` shown as `…` (`natsUrlShown`), since those records are stored and sent in plain text; no recorded
 * `nats.url` is dialed (a resumed run and a compressor take theirs from the config file and `--nats`).
 */
export function recordedRunConfig(config: RunConfig): RunConfig {
  return config.nats ? { ...config, nats: { ...config.nats, url: natsUrlShown(config.nats.url) } } : config;
}

/**
 * The JSONL file of a `jsonl` run, as the process should open it: `task.path` when absolute, else resolved against
 * `runtime.baseDir` (the config file's directory for a config loaded by {@link loadRunConfig}), or against the
 * current directory when the config has no `runtime.baseDir`. Undefined when the config has no `task.path`.
 */
export function taskDataPath(config: RunConfig): string | undefined {
  const { path } = config.task;
  return path === undefined ? undefined : resolvedPath(config, path);
}

/** Directory of a run's outputs: `runtime.outDir` or `runs/<name>`. */
export function runDir(config: RunConfig): string {
  return config.runtime.outDir ?? `runs/${config.name}`;
}

/** Name of a run's meta-training checkpoints directory in its run directory (`runs/NAME/checkpoints`). */
export const CHECKPOINTS_DIR = 'checkpoints';

/** Directory of a run's meta-training checkpoints: `<run dir>/checkpoints` ({@link CHECKPOINTS_DIR}). */
export function checkpointsDir(config: RunConfig): string {
  return join(runDir(config), CHECKPOINTS_DIR);
}

/** Directory of a run's own pretraining checkpoints: `<run dir>/pretrained`. */
export function pretrainedDir(config: RunConfig): string {
  return join(runDir(config), 'pretrained');
}

/** Directory of a run's compressed model, published by the compression stage: `<run dir>/compressed`. */
export function compressedDir(config: RunConfig): string {
  return join(runDir(config), 'compressed');
}

/**
 * The pretrained checkpoint directory meta-training starts from: undefined for `model.init: random`,
 * {@link pretrainedDir} for `pretrained`, else `model.init` (absolute, or resolved against `runtime.baseDir` or the
 * current directory, as {@link taskDataPath}).
 */
export function modelInitDir(config: RunConfig): string | undefined {
  const { init } = config.model;
  if (init === 'random') return undefined;
  if (init === 'pretrained') return pretrainedDir(config);
  return resolvedPath(config, init);
}

/**
 * The run's model section as the processes use it: `model.tokenizerPath` made absolute ({@link resolvedPath}), so
 * that a worker and `adapt` find the tokenizer wherever they run (an adapted model holds a copy: src/meta/adapted-model.ts). Other fields as is.
 */
export function runModelConfig(config: RunConfig): RunConfig['model'] {
  const { tokenizerPath } = config.model;
  return tokenizerPath === undefined ? config.model : { ...config.model, tokenizerPath: resolvedPath(config, tokenizerPath) };
}

/** A path of the config, absolute or resolved against `runtime.baseDir` (the config file's directory) or the current directory. */
export function resolvedPath(config: RunConfig, path: string): string {
  return isAbsolute(path) ? path : resolve(config.runtime.baseDir ?? '.', path);
}

/** The detail of an unknown field whose key is empty (YAML `"": 1`, or `: 1` with nothing before the colon). */
const EMPTY_KEY = 'unknown field with an empty name (a key written "" or with nothing before its colon)';

/** A key that reads as itself in a dotted field path: letters, digits, `_`, `-` and `/`. */
const PLAIN_KEY = /^[\p{L}\p{N}_\-/]+$/u;

/**
 * A field path for an error, its keys joined by dots (`model.hidden.0`); any other key (empty, holding a dot, a space
 * or a control character) is quoted as JSON, escapes included: `model.""`, `kubernetes.gpu.nodeSelector."a.b"`. Keys
 * are cut as {@link echoValue} cuts a value.
 */
function fieldPath(path: ReadonlyArray<PropertyKey>): string {
  return path.map((key) => (typeof key === 'number' || PLAIN_KEY.test(String(key)) ? echoValue(String(key)) : echoJson(String(key)))).join('.');
}

/** The scalars of `source` by field path ({@link pathKey}), the first where two share a path, for {@link echoBad}. */
function writtenScalarsByPath(source: ConfigSource): Map<string, WrittenScalar> {
  const byPath = new Map<string, WrittenScalar>();
  for (const n of source.scalars) if (!byPath.has(pathKey(n.path))) byPath.set(pathKey(n.path), n);
  return byPath;
}

/** A field path as one string, for a map key (two arrays of the same keys are different objects, one string). */
function pathKey(path: ReadonlyArray<PropertyKey>): string {
  return path.map(String).join('\0');
}

/**
 * A bad value for an error: a number, or any scalar of an integer field (`"10"`, `!!float 6`, `true`), as written in
 * the file with its `FILE:LINE:COL` where `source` has it, else as JSON.
 */
function echoBad(bad: unknown, path: ReadonlyArray<PropertyKey>, source: ConfigSource | undefined, written: ReadonlyMap<string, WrittenScalar> | undefined): string {
  const scalar = written?.get(pathKey(path));
  if (scalar && (typeof bad === 'number' || isIntegerField(runConfigSchema, path))) return `${echoWritten(scalar.source)} at ${writtenAt(source!.file, scalar)}`;
  return typeof bad === 'number' && !Number.isFinite(bad) ? String(bad) : echoJson(bad);
}

function valueAt(raw: unknown, path: ReadonlyArray<PropertyKey>): unknown {
  let cur: unknown = raw;
  for (const key of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[key];
  }
  return cur;
}
