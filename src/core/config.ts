/**
 * Run configuration: raw YAML/object → defaults → validated, frozen `RunConfig`.
 * Every field has its default documented here; units are in the names. A validation error names the field
 * path and the bad value (ConfigError). Schema: zod.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { ConfigError } from './errors';

/**
 * Largest run config file {@link loadRunConfig} reads: 1 MiB. A run config is a few KB; a larger file is a mistake,
 * and parsing it whole would take seconds and gigabytes, so it is refused before it is parsed.
 */
export const MAX_CONFIG_FILE_BYTES = 1 << 20;

/** Longest bad value a ConfigError echoes, in characters (of its JSON); a longer one is cut there and ends in `…`. */
export const MAX_ECHOED_VALUE_CHARS = 80;

/**
 * Smallest `runtime.keepaliveMs`: 1000 ms. The coordinator pings every worker at this interval and drops one that
 * has not answered within the same time (keepalive timeout = interval), so it must leave a worker busy with a task
 * time to answer. How often pings may come is no limit here: gRPC core servers refuse client pings more often than
 * every 5 min by default, and grpc-js clients back off on `too_many_pings`, but the coordinator's grpc-js server sets
 * `grpc.keepalive_permit_without_calls` and `grpc.http2.min_ping_interval_without_data_ms` (half the interval) and
 * workers ping every 5 s (src/coordinator/grpc-server.ts, src/worker/worker.ts).
 */
export const MIN_KEEPALIVE_MS = 1000;

/** Smallest `runtime.leaseTimeoutMs`: 1000 ms (a lease must outlast the round trip of one task; a task usually takes seconds). */
export const MIN_LEASE_TIMEOUT_MS = 1000;

/**
 * Smallest `kubernetes.terminationGracePeriodSeconds`: 10 s (after SIGTERM the coordinator closes its gRPC server,
 * up to 2 s, and writes its last checkpoint; the compressor's `--grace-ms` defaults to 10 s too).
 */
export const MIN_TERMINATION_GRACE_SECONDS = 10;

/** A timing field: an integer of at least `min` `unit`s, whose error names the minimum and `why`. */
const timing = (min: number, unit: 'ms' | 's', why: string) => z.number().int().min(min, `must be at least ${min} ${unit}: ${why}`);

const positiveInt = z.number().int().positive();
const nonNegativeInt = z.number().int().nonnegative();
const positive = z.number().positive();

/** Task family: which tasks are sampled. */
const taskSchema = z
  .object({
    /** `sinusoid` (Finn et al. 2017 regression), `sotu` (State of the Union authorship), `jsonl` (labelled text file). */
    family: z.enum(['sinusoid', 'sotu', 'jsonl']),
    /** N of N-way (classification only), at least 2. @default 5 */
    ways: z.number().int().min(2).default(5),
    /** K of K-shot: support examples per class (per task for sinusoid). @default 5 */
    shots: positiveInt.default(5),
    /** Query examples per class (per task for sinusoid). @default 10 */
    queryShots: positiveInt.default(10),
    /**
     * Path of the JSONL corpus (`{"text","label"}` per line), family `jsonl` only. A relative path is resolved
     * against `runtime.baseDir`: in a config file, against the file's directory (see {@link taskDataPath}).
     */
    path: z.string().min(1).optional(),
    /** Fractions of classes in meta-train / meta-val / meta-test (disjoint). @default [0.6, 0.2, 0.2] */
    classSplit: z.tuple([positive, positive, positive]).default([0.6, 0.2, 0.2]),
    /** Characters per text example (passages are cut to this length). @default 256 */
    passageChars: positiveInt.default(256),
  })
  .strict();

/** Model architecture (the `model` section; also validates the model config an adapted model records). */
export const modelSchema = z
  .object({
    /**
     * `sinusoid-mlp` (1-40-40-1 ReLU), `transformer` (pre-LayerNorm encoder classifier) or `bert` (the Hugging
     * Face `BertModel` layout, Devlin et al. 2019: post-LayerNorm, GELU, token-type embeddings; what
     * `metatrain import-hf` writes; needs `tokenizer: hf`, `tokenizerPath` and `vocabSize`).
     */
    kind: z.enum(['sinusoid-mlp', 'transformer', 'bert']),
    /** Hidden widths of the MLP. @default [40, 40] */
    hidden: z.array(positiveInt).min(1).default([40, 40]),
    /**
     * Transformer encoder layers; 0 = no attention layer (token embeddings, final LayerNorm, mean pooling: a
     * bag of embeddings, as fastText). @default 1
     */
    layers: nonNegativeInt.max(64).default(1),
    /**
     * Transformer tokens: `bytes` (UTF-8 bytes, 258 ids, src/model/tokenizer.ts), `hashed-words` (words and word
     * bigrams hashed into `hashBuckets` ids, src/model/word-hash-tokenizer.ts) or `hf` (a Hugging Face
     * `tokenizer.json` at `tokenizerPath`, read with `@huggingface/tokenizers`, src/model/hf-tokenizer.ts; model
     * `bert` only, which needs it). @default bytes
     */
    tokenizer: z.enum(['bytes', 'hashed-words', 'hf']).default('bytes'),
    /**
     * `tokenizer: hf`: path of the `tokenizer.json` (a relative path resolved against `runtime.baseDir`, as
     * `task.path`: {@link runModelConfig}). No default.
     */
    tokenizerPath: z.string().min(1).optional(),
    /**
     * `bert`: rows of the word embedding (`vocab_size` of the Hugging Face config.json; at least the tokenizer's
     * vocabulary). No default. Optional in the schema so that other kinds' configs (and their hashes) are unchanged.
     */
    vocabSize: z.number().int().min(2).max(1 << 20).optional(),
    /** `bert`: rows of the token-type embedding (`type_vocab_size`); inputs use type 0 only. @default 2 (for bert) */
    typeVocabSize: positiveInt.max(1024).optional(),
    /** `bert`: LayerNorm variance epsilon (`layer_norm_eps`). @default 1e-12 (for bert) */
    layerNormEps: z.number().positive().max(0.1).optional(),
    /** Embedding rows of the `hashed-words` tokenizer (ids 0 and 1 are PAD and CLS). @default 16384 */
    hashBuckets: z.number().int().min(3).max(1 << 20).default(16384),
    /** `hashed-words`: also a token per pair of neighbouring words. @default true */
    wordBigrams: z.boolean().default(true),
    /** Transformer model width. @default 32 */
    dModel: positiveInt.max(4096).default(32),
    /** Attention heads; must divide dModel. @default 2 */
    heads: positiveInt.max(64).default(2),
    /** Feed-forward width. @default 64 */
    dFf: positiveInt.max(16384).default(64),
    /** Maximum tokens per example (longer inputs are truncated). @default 64 */
    maxLength: positiveInt.max(4096).default(64),
    /**
     * Rank r of the low-rank adapters (LoRA, Hu et al. 2021) on every attention and feed-forward weight of a
     * Transformer with layers ≥ 1; 0 = none. Needs `algorithm.adapt: lora`. @default 0
     */
    loraRank: nonNegativeInt.max(256).default(0),
    /** LoRA scale numerator α: an adapted weight is W + (α / r)·A·B. @default 8 (as Hugging Face PEFT) */
    loraAlpha: z.number().positive().max(1e4).default(8),
    /**
     * Where meta-training (and the transfer baseline) starts: `random` (seeded initialization), `pretrained` (the
     * run's own masked-language-model pretraining, `<run dir>/pretrained`, written by `metatrain pretrain` or by
     * `metatrain run` before meta-training; needs the `pretraining` section), or the path of a pretrained
     * checkpoint directory (a relative path resolved against `runtime.baseDir`, see {@link modelInitDir}). The
     * body is taken from the checkpoint; the head (and LoRA adapters, Meta-SGD learning rates) start as with
     * `random`. @default random
     */
    init: z.string().min(1).default('random'),
  })
  .strict()
  .refine((m) => m.dModel % m.heads === 0, { message: 'dModel must be divisible by heads', path: ['heads'] });

/** Meta-learning algorithm. */
const algorithmSchema = z
  .object({
    /** `maml` (second order), `fomaml`, `reptile`, `metasgd` (second order, learned per-parameter inner lrs). @default fomaml */
    name: z.enum(['maml', 'fomaml', 'reptile', 'metasgd']).default('fomaml'),
    /**
     * Which parameters the inner loop adapts: `all`, `head` (ANIL), `head+layernorm`, or `lora`: the head and
     * the low-rank adapters (`model.loraRank`), the body frozen in the outer loop too. @default all
     */
    adapt: z.enum(['all', 'head', 'head+layernorm', 'lora']).default('all'),
    /**
     * Where each task's head starts: `learned` (the meta-learned `head.*`) or `prototypes` (Proto-MAML: set from
     * the class means of the support set's features, src/meta/prototype-head.ts; classification only; not with
     * `reptile`). @default learned
     */
    headInit: z.enum(['learned', 'prototypes']).default('learned'),
    /** Inner-loop SGD steps during meta-training. @default 1 */
    innerSteps: positiveInt.default(1),
    /** Inner-loop learning rate (initial value for Meta-SGD). @default 0.01 */
    innerLr: positive.default(0.01),
    /** Outer-loop Adam learning rate. @default 0.001 */
    outerLr: positive.default(0.001),
    /** Tasks per meta-batch (independent of the number of workers). @default 4 */
    metaBatchSize: positiveInt.default(4),
  })
  .strict();

/** Outer loop, validation, convergence and checkpoints. */
const trainingSchema = z
  .object({
    /** Hard limit on outer steps. @default 1000 */
    maxSteps: positiveInt.default(1000),
    /** Validate on meta-val tasks every this many steps. @default 50 */
    evalEverySteps: positiveInt.default(50),
    /** Meta-val tasks per validation. @default 20 */
    evalTasks: positiveInt.default(20),
    /** Stop after this many validations without improvement of at least minDelta. @default 5 */
    patience: positiveInt.default(5),
    /** Minimum decrease of meta-val loss that counts as improvement. @default 0.001 */
    minDelta: z.number().nonnegative().default(0.001),
    /** Checkpoint every this many steps. @default 50 */
    checkpointEverySteps: positiveInt.default(50),
    /** Checkpoints kept (the best one is kept in addition). @default 3 */
    keepCheckpoints: positiveInt.default(3),
  })
  .strict();

/** Final few-shot evaluation on meta-test tasks. */
const evaluationSchema = z
  .object({
    /** Meta-test tasks. @default 100 */
    testTasks: positiveInt.default(100),
    /** Fine-tuning steps S at test time; results are reported for 0..S. @default 10 */
    adaptSteps: nonNegativeInt.default(10),
    /**
     * Baselines evaluated in the same run, on the same meta-test tasks: `random` (a fresh initialization) and
     * `transfer` (joint training on meta-train classes, new head) are fine-tuned like the meta-learned one;
     * `tfidf-char` and `tfidf-word` are classical TF-IDF nearest-centroid classifiers, `tfidf-char-lr` and
     * `tfidf-word-lr` TF-IDF logistic regressions fitted on each task's support set (text families only,
     * src/baselines/classical-eval.ts). @default ['random', 'transfer']
     */
    baselines: z.array(z.enum(['random', 'transfer', 'tfidf-char', 'tfidf-word', 'tfidf-char-lr', 'tfidf-word-lr'])).default(['random', 'transfer']),
    /** Outer steps of joint training for the transfer baseline. @default 200 */
    transferSteps: positiveInt.default(200),
  })
  .strict();

/**
 * Masked-language-model pretraining of the Transformer's body (BERT, Devlin et al. 2019, §3.1) on unlabelled
 * text: the meta-train classes' text and the files in `texts` — never meta-val or meta-test text. Run by
 * `metatrain pretrain` (src/pretrain), used with `model.init: pretrained`.
 */
const pretrainingSchema = z
  .object({
    /** Adam steps. @default 300 */
    steps: positiveInt.max(10_000_000).default(300),
    /** Texts per step. @default 32 */
    batchSize: positiveInt.max(65_536).default(32),
    /** Adam learning rate. @default 0.001 */
    lr: positive.max(1).default(0.001),
    /** Fraction of a text's tokens (CLS and padding excepted) that are predicted; at least one per text. @default 0.15 */
    maskRate: z.number().gt(0).max(0.5).default(0.15),
    /**
     * More unlabelled text: UTF-8 files, cut into passages of `task.passageChars` characters (relative paths
     * resolved against `runtime.baseDir`). @default []
     */
    texts: z.array(z.string().min(1)).max(1000).default([]),
    /** Steps between checkpoints (the last step is always checkpointed). @default 100 */
    checkpointEverySteps: positiveInt.default(100),
  })
  .strict();

/** Processes, network and storage. */
const runtimeSchema = z
  .object({
    /** Local worker processes started by `metatrain run`. @default 2 */
    workers: positiveInt.default(2),
    /** tfjs backend of the workers: `wasm`, `cpu`, `tensorflow` (tfjs-node[-gpu], loaded only when chosen). @default wasm */
    backend: z.enum(['wasm', 'cpu', 'tensorflow']).default('wasm'),
    /** Tasks a worker runs at once. @default 1 */
    workerConcurrency: positiveInt.default(1),
    /** A task not answered within this deadline is re-dispatched; at least {@link MIN_LEASE_TIMEOUT_MS}. @default 120000 */
    leaseTimeoutMs: timing(MIN_LEASE_TIMEOUT_MS, 'ms', 'a shorter lease expires before the result of a task can arrive').default(120_000),
    /** Attempts per task before the run fails. @default 3 */
    maxAttempts: positiveInt.default(3),
    /**
     * Straggler mitigation: once this fraction of a step's tasks is done, each outstanding task gets one backup
     * attempt on another free worker; the first valid result wins (src/coordinator/task-dispatcher.ts). The
     * parameters are the same with or without. Omitted = no backups.
     */
    speculativeAfter: z.number().gt(0).max(1).optional(),
    /** gRPC listen address of the coordinator (port 0 = any free port). @default 127.0.0.1:0 */
    listen: z.string().default('127.0.0.1:0'),
    /** gRPC keepalive ping interval and timeout of the coordinator; at least {@link MIN_KEEPALIVE_MS}. @default 5000 */
    keepaliveMs: timing(MIN_KEEPALIVE_MS, 'ms', 'the coordinator drops a worker that has not answered a keepalive ping within this time').default(5000),
    /** Directory for checkpoints, report and artifacts (relative: to the current directory). @default runs/<name> */
    outDir: z.string().optional(),
    /**
     * Directory a relative `task.path` is resolved against. {@link loadRunConfig} sets it to the config file's
     * directory (a relative value in the file is taken relative to that directory); `metatrain launch` sets it
     * to the images' working directory. Not part of {@link configHash}: moving a run's files keeps its checkpoints
     * resumable. Omitted (a config given as an object) = the current directory.
     */
    baseDir: z.string().min(1).optional(),
    /** Prometheus `/metrics` port of the coordinator (0 = any free port; omitted = no metrics server). */
    metricsPort: nonNegativeInt.optional(),
  })
  .strict();

/** Compression after convergence. */
const compressionSchema = z
  .object({
    /** Run compression after convergence. @default true */
    enabled: z.boolean().default(true),
    /** Target fraction of zero weights after pruning (of each pruned tensor). @default 0.75 */
    sparsity: z.number().min(0).max(0.99).default(0.75),
    /** Student width as a fraction of the teacher's dModel/dFf (1 = no distillation). @default 0.5 */
    studentWidth: z.number().gt(0).max(1).default(0.5),
    /** Distillation temperature (Hinton et al. 2015). @default 2 */
    temperature: positive.default(2),
    /** Distillation steps of the dense student, one meta-train task each. @default 300 */
    distillSteps: nonNegativeInt.default(300),
    /** Steps of gradual magnitude pruning up to `sparsity` (Zhu & Gupta 2017 cubic schedule). @default 200 */
    pruneSteps: nonNegativeInt.default(200),
    /** Recovery steps after pruning, masks fixed. @default 100 */
    recoverySteps: nonNegativeInt.default(100),
    /** Adam learning rate of distillation, pruning and recovery. @default 0.003 */
    learningRate: positive.default(0.003),
    /** Meta-test tasks of the before/after few-shot evaluation (the run's first `evalTasks` test tasks). @default 50 */
    evalTasks: positiveInt.default(50),
  })
  .strict();

/** A Kubernetes resource quantity such as `500m`, `2`, `4Gi`. */
const quantity = z.string().regex(/^[0-9]+(\.[0-9]+)?(m|k|Ki|M|Mi|G|Gi|T|Ti)?$/, 'must be a Kubernetes quantity such as 500m, 2 or 4Gi');

/** A toleration of worker pods (Kubernetes `core/v1` Toleration). */
const tolerationSchema = z
  .object({
    key: z.string().optional(),
    operator: z.enum(['Exists', 'Equal']).optional(),
    value: z.string().optional(),
    effect: z.enum(['NoSchedule', 'PreferNoSchedule', 'NoExecute']).optional(),
    /** As in Kubernetes (0 = evict at once), so without a minimum. */
    tolerationSeconds: nonNegativeInt.optional(),
  })
  .strict();

/**
 * Kubernetes deployment of the run (`metatrain launch`, deploy/k8s). Only read by src/k8s; image tags default to
 * the package version there.
 */
const kubernetesSchema = z
  .object({
    /** Namespace of the run's objects (`--namespace` overrides it). @default metatrain */
    namespace: z.string().regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, 'must be a DNS label').default('metatrain'),
    /** Images. Omitted ones default to `metatrain/<image>:<package version>`. */
    images: z
      .object({
        /** Coordinator and compressor (Node LTS slim). @default metatrain/metatrain:<version> */
        coordinator: z.string().min(1).optional(),
        /** Workers on GPU nodes (CUDA 11.2, tfjs-node-gpu). @default metatrain/metatrain-worker-gpu:<version> */
        workerGpu: z.string().min(1).optional(),
        /** Workers on CPU-only nodes (wasm backend). @default metatrain/metatrain-worker-cpu:<version> */
        workerCpu: z.string().min(1).optional(),
      })
      .strict()
      .prefault({}),
    /** Image pull policy of every container. @default IfNotPresent */
    imagePullPolicy: z.enum(['Always', 'IfNotPresent', 'Never']).default('IfNotPresent'),
    /** CPU and memory of one worker container. @default requests 1 CPU / 2Gi, limits 2 CPU / 4Gi */
    workerResources: z
      .object({
        requests: z.object({ cpu: quantity.default('1'), memory: quantity.default('2Gi') }).strict().prefault({}),
        limits: z.object({ cpu: quantity.default('2'), memory: quantity.default('4Gi') }).strict().prefault({}),
      })
      .strict()
      .prefault({}),
    /** GPUs of the workers. */
    gpu: z
      .object({
        /** GPUs per worker; 0 = CPU-only workers (wasm backend, CPU image). @default 1 */
        count: nonNegativeInt.default(1),
        /** Extended resource name of the device plugin. @default nvidia.com/gpu */
        resourceName: z.string().min(1).default('nvidia.com/gpu'),
        /** Node selector of GPU worker pods. @default {} */
        nodeSelector: z.record(z.string(), z.string()).default({}),
        /** Tolerations of GPU worker pods. @default [{ key: nvidia.com/gpu, operator: Exists, effect: NoSchedule }] */
        tolerations: z.array(tolerationSchema).default([{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }]),
      })
      .strict()
      .prefault({}),
    /** The PersistentVolumeClaim holding checkpoints and artifacts. */
    storage: z
      .object({
        /** Requested size. @default 10Gi */
        size: quantity.default('10Gi'),
        /** StorageClass; omitted = the cluster's default class. */
        className: z.string().min(1).optional(),
        /** `ReadWriteOnce` keeps the compressor on the coordinator's node; `ReadWriteMany` lets it run anywhere. @default ReadWriteOnce */
        accessMode: z.enum(['ReadWriteOnce', 'ReadWriteMany']).default('ReadWriteOnce'),
      })
      .strict()
      .prefault({}),
    /** Prometheus Operator ServiceMonitor/PodMonitor. */
    monitoring: z
      .object({
        /** Render the monitors (needs the monitoring.coreos.com CRDs). @default true */
        enabled: z.boolean().default(true),
        /** Value of the `release` label that kube-prometheus-stack selects monitors by. @default kube-prometheus-stack */
        release: z.string().min(1).default('kube-prometheus-stack'),
      })
      .strict()
      .prefault({}),
    /** Seconds the coordinator gets after SIGTERM to write its last checkpoint; at least {@link MIN_TERMINATION_GRACE_SECONDS}. @default 120 */
    terminationGracePeriodSeconds: timing(MIN_TERMINATION_GRACE_SECONDS, 's', 'the coordinator needs the time to close its server and write its last checkpoint').default(120),
  })
  .strict();

/** The whole run config. */
export const runConfigSchema = z
  .object({
    /** Run name: lowercase DNS label (used in Kubernetes object names and metric labels). */
    name: z.string().regex(/^[a-z0-9]([-a-z0-9]{0,38}[a-z0-9])?$/, 'must be a DNS label: lowercase letters, digits and -, at most 40 characters'),
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
    nats: z.object({ url: z.string().min(1) }).strict().optional(),
    /** Kubernetes deployment (`metatrain launch`); every field has a default. */
    kubernetes: kubernetesSchema.prefault({}),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.task.family === 'sinusoid' && c.model.kind !== 'sinusoid-mlp') {
      ctx.addIssue({ code: 'custom', path: ['model', 'kind'], message: `family sinusoid needs model sinusoid-mlp, got ${c.model.kind}` });
    }
    if (c.task.family !== 'sinusoid' && !isTextModelKind(c.model.kind)) {
      ctx.addIssue({ code: 'custom', path: ['model', 'kind'], message: `family ${c.task.family} needs model transformer or bert, got ${c.model.kind}` });
    }
    if (c.model.kind === 'bert') {
      if (c.model.tokenizer !== 'hf') ctx.addIssue({ code: 'custom', path: ['model', 'tokenizer'], message: `model bert needs tokenizer hf (its tokenizer.json), got ${c.model.tokenizer}` });
      if (c.model.vocabSize === undefined) ctx.addIssue({ code: 'custom', path: ['model', 'vocabSize'], message: 'model bert needs vocabSize (vocab_size of its config.json; metatrain import-hf prints it)' });
      if (c.compression.enabled) {
        ctx.addIssue({ code: 'custom', path: ['compression', 'enabled'], message: 'compression of a bert model is not supported yet (distillation and the ONNX export know the transformer layout only): set compression.enabled: false' });
      }
    }
    if (c.model.tokenizer === 'hf' && c.model.kind !== 'bert') {
      ctx.addIssue({ code: 'custom', path: ['model', 'tokenizer'], message: `tokenizer hf is for model bert, got model ${c.model.kind}` });
    }
    if (c.model.tokenizer === 'hf' && !c.model.tokenizerPath) {
      ctx.addIssue({ code: 'custom', path: ['model', 'tokenizerPath'], message: 'tokenizer hf needs tokenizerPath (the tokenizer.json)' });
    }
    if (c.algorithm.headInit === 'prototypes' && c.task.family === 'sinusoid') {
      ctx.addIssue({ code: 'custom', path: ['algorithm', 'headInit'], message: 'prototypes needs a classification family (the sinusoid head is a regression output)' });
    }
    if (c.algorithm.headInit === 'prototypes' && c.algorithm.name === 'reptile') {
      ctx.addIssue({ code: 'custom', path: ['algorithm', 'headInit'], message: 'prototypes does not work with reptile (it moves θ toward the adapted φ, and a prototype head is not a meta-parameter): use maml, fomaml or metasgd' });
    }
    c.evaluation.baselines.forEach((b, i) => {
      if (b.startsWith('tfidf') && c.task.family === 'sinusoid') {
        ctx.addIssue({ code: 'custom', path: ['evaluation', 'baselines', i], message: `${b} is a text classifier; family sinusoid has no text` });
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
    if (c.model.init === 'pretrained' && !c.pretraining) {
      ctx.addIssue({ code: 'custom', path: ['model', 'init'], message: 'pretrained needs a pretraining section (or give the path of a pretrained checkpoint directory)' });
    }
    if (c.model.init !== 'random' && !isTextModelKind(c.model.kind)) {
      ctx.addIssue({ code: 'custom', path: ['model', 'init'], message: `only a transformer or bert starts from a pretrained body, got model.kind ${c.model.kind}` });
    }
    if (c.task.family === 'jsonl' && !c.task.path) {
      ctx.addIssue({ code: 'custom', path: ['task', 'path'], message: 'family jsonl needs task.path' });
    }
  });

/** Whether `kind` is a text classifier (`transformer`, `bert`): what the text families, adapt and predict need. */
export function isTextModelKind(kind: string): boolean {
  return kind === 'transformer' || kind === 'bert';
}

/** A validated run config with every default filled in. */
export type RunConfig = z.infer<typeof runConfigSchema>;
/** A run config as written by a user (defaults optional). */
export type RunConfigInput = z.input<typeof runConfigSchema>;

/**
 * Validates a raw config object.
 * @throws ConfigError naming the first failing field path (`path`) and the bad value, then every other failing field.
 */
export function parseRunConfig(raw: unknown): RunConfig {
  const result = runConfigSchema.safeParse(raw);
  if (!result.success) {
    const [first, ...rest] = result.error.issues.flatMap((issue) => {
      const at = issue.path.map(String);
      // An unknown key is reported at the key itself, not at its parent with the whole parent object as the value.
      if (issue.code === 'unrecognized_keys') return issue.keys.map((key) => ({ path: [...at, truncated(key)].join('.'), detail: 'unknown field (check its spelling and level)' }));
      const bad = valueAt(raw, issue.path);
      // A cross-field message already says what it got (and the value at its path may not be the culprit).
      const shown = bad === undefined || (issue.code === 'custom' && /\bgot\b/.test(issue.message)) ? '' : ` (got ${typeof bad === 'number' && !Number.isFinite(bad) ? String(bad) : truncated(JSON.stringify(bad))})`;
      return [{ path: at.join('.'), detail: `${issue.message}${shown}` }];
    });
    const more = rest.map((r) => `; and at ${r.path || '(root)'}: ${r.detail}`).join('');
    throw new ConfigError(first!.path, `${first!.detail}${more}`);
  }
  return Object.freeze(result.data) as RunConfig;
}

/** `text` cut to {@link MAX_ECHOED_VALUE_CHARS} characters, ending in `…` (with the full length) when it was longer. */
function truncated(text: string): string {
  return text.length <= MAX_ECHOED_VALUE_CHARS ? text : `${text.slice(0, MAX_ECHOED_VALUE_CHARS - 1)}… (${text.length} characters)`;
}

/**
 * Reads and validates a YAML run config file. Sets `runtime.baseDir` to the file's directory (a `runtime.baseDir`
 * written in the file is resolved against it), so that a relative `task.path` names a file beside the config,
 * wherever the command runs.
 * @throws ConfigError when the file cannot be read, is larger than {@link MAX_CONFIG_FILE_BYTES} (naming the file
 *   and its size, before anything is parsed), is not YAML, or fails validation.
 */
export function loadRunConfig(file: string): RunConfig {
  const text = readConfigText(file);
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (err) {
    throw new ConfigError('', `${file} is not valid YAML: ${(err as Error).message}`, { cause: err });
  }
  return parseRunConfig(withBaseDir(raw, dirname(resolve(file))));
}

/**
 * The text of a config file, read up to {@link MAX_CONFIG_FILE_BYTES} + 1 bytes (so that neither a huge file nor an
 * endless one such as a pipe or a device is read whole).
 * @throws ConfigError when the file cannot be read or is larger than the limit.
 */
function readConfigText(file: string): string {
  const tooLarge = (size: string) =>
    new ConfigError('', `${file} is ${size}, more than the ${MAX_CONFIG_FILE_BYTES} bytes (1 MiB) a config file may have; a run config is a few KB`);
  let fd: number | undefined;
  try {
    fd = openSync(file, 'r');
    const { size } = fstatSync(fd);
    if (size > MAX_CONFIG_FILE_BYTES) throw tooLarge(`${size} bytes`);
    const buffer = Buffer.alloc(MAX_CONFIG_FILE_BYTES + 1);
    let length = 0;
    let read: number;
    do {
      read = readSync(fd, buffer, length, buffer.length - length, null);
      length += read;
    } while (read > 0 && length < buffer.length);
    if (length > MAX_CONFIG_FILE_BYTES) throw tooLarge(`more than ${MAX_CONFIG_FILE_BYTES} bytes`);
    return buffer.toString('utf8', 0, length);
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    throw new ConfigError('', `cannot read ${file}: ${(err as Error).message}`, { cause: err });
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
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
  const out: string[] = [];
  const walk = (x: unknown, y: unknown, path: string): void => {
    if (isPlainObject(x) && isPlainObject(y)) {
      for (const key of [...new Set([...Object.keys(x), ...Object.keys(y)])].sort()) walk(x[key], y[key], path ? `${path}.${key}` : key);
    } else if (JSON.stringify(x) !== JSON.stringify(y)) {
      out.push(`${path}: ${JSON.stringify(x) ?? 'absent'} → ${JSON.stringify(y) ?? 'absent'}`);
    }
  };
  walk(hashedFields(a), hashedFields(b), '');
  return out;
}

function hashedFields(config: RunConfig): Record<string, unknown> {
  const { seed, task, model, algorithm, pretraining } = config;
  const { maxSteps: _stop, ...training } = config.training;
  return { seed, task, model, algorithm, training, pretraining };
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

/** Directory of a run's own pretraining checkpoints: `<run dir>/pretrained`. */
export function pretrainedDir(config: RunConfig): string {
  return join(runDir(config), 'pretrained');
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
 * that a worker, `adapt` and an adapted model's `adapted.json` find the tokenizer wherever they run. Other fields as is.
 */
export function runModelConfig(config: RunConfig): RunConfig['model'] {
  const { tokenizerPath } = config.model;
  return tokenizerPath === undefined ? config.model : { ...config.model, tokenizerPath: resolvedPath(config, tokenizerPath) };
}

/** A path of the config, absolute or resolved against `runtime.baseDir` (the config file's directory) or the current directory. */
export function resolvedPath(config: RunConfig, path: string): string {
  return isAbsolute(path) ? path : resolve(config.runtime.baseDir ?? '.', path);
}

function valueAt(raw: unknown, path: ReadonlyArray<PropertyKey>): unknown {
  let cur: unknown = raw;
  for (const key of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[key];
  }
  return cur;
}
