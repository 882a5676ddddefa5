/**
 * The coordinator of one run: serves the Coordinator gRPC service, meta-trains through its workers, trains the
 * baselines and evaluates on meta-test tasks (./evaluation-phase.ts), and writes the summary (and, through
 * `writeReport`, the report) before the run enters its final phase. Plain `Float32Array` math only: no tfjs here.
 * Lifecycle: `start()` (listen) → `run()` (phases; see run-phase.ts) → `stop()` (graceful: the current step is
 * abandoned, the last completed step checkpointed, the server closed).
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Registry } from 'prom-client';
import { checkpointsDir, compressedDir, configHash, runDir, type RunConfig } from '../core/config';
import type { Logger } from '../core/logger';
import { assertMatchesSpec, type ParamSet, type ParamSpec } from '../core/param-set';
import { architectureOf } from '../model/architecture';
import { metaParamSpec } from '../meta/meta-params';
import { taskMetric } from '../tasks/family';
import { taskFamilyFor } from '../tasks/task-family';
import type { TaskFamily } from '../tasks/task';
import type { TlsFiles } from '../wire/credentials';
import { RECENT_STEPS, type PhaseEntry, type RunStatus, type StepEntry } from '../wire/proto';
import { CheckpointStore } from '../checkpoint';
import { DivergedError, NonFiniteError, RunFailedError } from '../core/errors';
import { CoordinatorServer } from './grpc-server';
import { emptyHistory, metaTrain, trainingStateOf, type MetaTrainResult } from './meta-train';
import { evaluateRun } from './evaluation-phase';
import { CoordinatorMetrics } from './metrics';
import { ParamVersions } from './param-versions';
import { rejectionOf, type ResultRejection } from './result-rejection';
import type { RunContext } from './run-context';
import { RunEvents } from './run-events';
import { assertTransition, isFinal, type RunPhase } from './run-phase';
import { isFinishedRun, readSummary, SUMMARY_FILE, writeSummary, type RunSummary } from '../summary';
import { TaskDispatcher } from './task-dispatcher';
import type { PretrainedBody } from '../pretrain/pretrained-body';
import type { WorkItem, WorkMetrics } from './work-item';
import { runCompressionJobId, type JobQueue } from '../bus/job-queue';
import { foundByJob } from '../compress/other-compression';
import { startCompressorAdvice } from './compressor-advice';
import { assertWelcomeFits } from './message-size';

/** Coordinator settings beyond the run config. */
export interface CoordinatorOptions {
  config: RunConfig;
  /** Shared run token workers must present. */
  token: string;
  tls?: TlsFiles;
  /** Continue from the newest valid checkpoint. */
  resume: boolean;
  log: Logger;
  /** Why no worker has joined yet (cluster mode: pod states); shown in the status while there are none. */
  waitingForWorkers?: () => string;
  /** Registry of the coordinator's Prometheus metrics (default label `run`); omitted = no metrics. */
  registry?: Registry;
  /**
   * Queue of compression jobs (src/bus: JetStream when `nats.url` is configured, else in-process), used when
   * `compression.enabled`: after evaluation the run enters phase `compressing`, enqueues the best checkpoint's job
   * and waits for its outcome. Omitted = compression is not scheduled.
   */
  compressionQueue?: JobQueue;
  /**
   * Writes the run's report into the run directory from its `summary.json` (the callers pass `writeRunReport` of
   * src/report, so this tfjs-free layer does not import the report). Called after `summary.json` is written and
   * before the run enters `succeeded` or `failed`: a failure here fails the run. Omitted = no report.
   */
  writeReport?: (runDir: string) => Promise<unknown>;
  /**
   * The task family of `config`, when the caller built it first (`taskFamilyFor(config)`, src/tasks/task-family.ts)
   * to check the data before it creates anything (the local cluster, before its log directory). @default built here
   */
  family?: TaskFamily;
  /**
   * The body of the `model.init` checkpoint, when the caller read it first to check it before creating anything
   * (`loadModelInitBeforeStart`, src/pretrain/pretrained-body.ts). @default read when meta-training starts
   */
  pretrained?: PretrainedBody;
}

/**
 * The run config as workers get it in `Welcome.config_json` (docs/wire.md): everything but the `kubernetes` and
 * `nats` sections, which workers never read (the NATS URL may carry credentials).
 */
export function workerConfig(config: RunConfig): Omit<RunConfig, 'kubernetes' | 'nats'> {
  const { kubernetes: _k, nats: _n, ...rest } = config;
  return rest;
}

/** One run's coordinator. */
export class Coordinator {
  readonly events = new RunEvents();
  readonly dispatcher: TaskDispatcher;
  private readonly versions = new ParamVersions();
  private readonly family: TaskFamily;
  private readonly metaSpec: ParamSpec;
  private readonly jointSpec: ParamSpec;
  private readonly server: CoordinatorServer;
  private readonly dir: string;
  /** Absolute path of `summary.json` once written (the `finished` event names it). */
  private summaryFile?: string;
  private phase: RunPhase = 'pending';
  /** Every phase entered after `pending`, in order, with its message: the status's `phases`. */
  private readonly phases: PhaseEntry[] = [];
  /** The last {@link RECENT_STEPS} steps done, oldest first: the status's `recentSteps`. */
  private readonly recentSteps: StepEntry[] = [];
  private stopRequested = false;
  private readonly stopSignal = new AbortController();
  private last = { step: 0, metaLoss: NaN, valLoss: NaN, valMetric: NaN, tasksPerSecond: 0, checkpoint: '', message: '' };

  /**
   * @throws ConfigError / DatasetError when the task family cannot be built from the config; ConfigError when the
   *   config is too large for the message that gives it to workers (./message-size).
   */
  constructor(private readonly o: CoordinatorOptions) {
    const { config } = o;
    assertWelcomeFits(config.name, workerConfig(config));
    this.dir = runDir(config);
    this.family = o.family ?? taskFamilyFor(config);
    this.metaSpec = metaSpecOf(config, this.family);
    this.jointSpec = architectureOf(config.model, Math.max(1, this.family.classCount('train'))).spec;
    this.dispatcher = new TaskDispatcher({ leaseTimeoutMs: config.runtime.leaseTimeoutMs, maxAttempts: config.runtime.maxAttempts, speculateAfter: config.runtime.speculativeAfter });
    // Every warning of the run in the log once, at warn level (JSON, like the rest: a pod's log collector parses it).
    this.events.on('warning', (message: string) => o.log.warn(message));
    const metrics = o.registry && new CoordinatorMetrics(o.registry, config, this);
    this.server = new CoordinatorServer({
      token: o.token,
      tls: o.tls,
      keepaliveMs: config.runtime.keepaliveMs,
      runName: config.name,
      configJson: JSON.stringify(workerConfig(config)),
      dispatcher: this.dispatcher,
      versions: this.versions,
      tasksPerAssignment: config.runtime.aggregation === 'per-worker' ? config.runtime.aggregationGroup : 1,
      validateResult: (item, gradient, metrics) => this.validateResult(item, gradient, metrics),
      status: () => this.status(),
      log: o.log,
      onMembership: (n) => this.events.emit('workers', n),
      inlineParametersMaxBytes: config.runtime.inlineParametersMaxBytes,
      onParametersSent: (bytes, via) => metrics?.parametersSent(bytes, via),
      onResultRejected: (item, rejection) => metrics?.resultRejected(item.kind, rejection.reason),
    });
    this.events.on('step', (e) => {
      Object.assign(this.last, { step: e.step, metaLoss: e.metaLoss, tasksPerSecond: e.tasksPerSecond });
      this.recentSteps.push({ step: e.step, metaLoss: e.metaLoss, tasksPerSecond: e.tasksPerSecond, workers: e.workers });
      if (this.recentSteps.length > RECENT_STEPS) this.recentSteps.shift();
    });
    this.events.on('validation', (e) => Object.assign(this.last, { valLoss: e.loss, valMetric: e.metric }));
    this.events.on('checkpoint', (e) => Object.assign(this.last, { checkpoint: e.path }));
  }

  /** Binds the gRPC server; resolves with the port. */
  start(address = this.o.config.runtime.listen): Promise<number> {
    return this.server.listen(address);
  }

  /** Current phase. */
  get currentPhase(): RunPhase {
    return this.phase;
  }

  /** Status as served by GetStatus. */
  status(): RunStatus {
    return {
      run: this.o.config.name,
      phase: this.phase,
      step: this.last.step,
      maxSteps: this.o.config.training.maxSteps,
      metaLoss: this.last.metaLoss,
      metaValLoss: this.last.valLoss,
      metaValMetric: this.last.valMetric,
      workers: this.dispatcher.workerCount,
      lastCheckpoint: this.last.checkpoint,
      tasksPerSecond: this.last.tasksPerSecond,
      message: this.dispatcher.workerCount === 0 && this.o.waitingForWorkers && (this.phase === 'pending' || this.phase === 'training') ? this.o.waitingForWorkers() : this.last.message,
      phases: [...this.phases],
      recentSteps: [...this.recentSteps],
    };
  }

  /**
   * Runs every phase, then writes `summary.json` and the report (`writeReport`), and only then enters the final
   * phase: a run is never `succeeded` with its results unwritten.
   * @throws RunFailedError when a task exhausts its attempts or training diverges (phase `failed`, checkpoints
   *   intact); CheckpointError when resuming a different run; WriteError naming the file when a checkpoint, the
   *   summary or the report cannot be written (disk full …; phase `failed`, earlier checkpoints intact).
   */
  async run(): Promise<RunSummary> {
    const started = performance.now();
    const ctx: RunContext = {
      config: this.o.config,
      configHash: configHash(this.o.config),
      family: this.family,
      dispatcher: this.dispatcher,
      versions: this.versions,
      store: new CheckpointStore(checkpointsDir(this.o.config), { keep: this.o.config.training.keepCheckpoints }),
      log: this.o.log,
      events: this.events,
      stopping: () => this.stopRequested,
    };
    try {
      this.setPhase('training', 'meta-training');
      const trained = await metaTrain(ctx, this.o.resume, this.o.pretrained);
      const trainedAt = performance.now();
      if (trained.reason === 'converged') this.events.emit('converged', { step: trained.step, bestStep: trained.bestStep });
      const checkpoint = trained.bestCheckpoint || this.last.checkpoint;
      if (trained.reason === 'stopped') {
        const checkpointed = (await ctx.store.list()).length > 0;
        return await this.stopped(trained, checkpoint, { training: (trainedAt - started) / 1000, baselines: 0, evaluation: 0, total: (trainedAt - started) / 1000 }, checkpointed ? `meta-training interrupted at step ${trained.step} by a graceful stop (its checkpoints kept); resume with --resume` : `meta-training stopped by a graceful stop before its first step completed: no checkpoint was written; start the run again without --resume`);
      }
      this.setPhase('evaluating', `meta-training ${trained.reason} at step ${trained.step}; evaluating`);
      // A graceful stop rejects the outstanding evaluation tasks (dispatcher.abortAll): not a failure. One that came
      // while meta-training wrote its last checkpoint stops the run before the evaluation starts.
      const evaluated = this.stopRequested
        ? undefined
        : await evaluateRun(ctx, trained).catch((err: unknown) => {
            if (!this.stopRequested) throw err;
            return undefined;
          });
      if (!evaluated) {
        const stoppedAt = performance.now();
        return await this.stopped(trained, checkpoint, { training: (trainedAt - started) / 1000, baselines: 0, evaluation: (stoppedAt - trainedAt) / 1000, total: (stoppedAt - started) / 1000 }, `evaluation after meta-training step ${trained.step} interrupted by a graceful stop (the checkpoints kept); resume with --resume`);
      }
      const { results, classical, baselinesAt } = evaluated;
      const evaluatedAt = performance.now();
      const compression = await this.compress(checkpoint, trained.bestStep);
      const done = performance.now();
      const summary = await this.summarize(trained, checkpoint, results, classical, {
        training: (trainedAt - started) / 1000,
        baselines: (baselinesAt - trainedAt) / 1000,
        evaluation: (evaluatedAt - baselinesAt) / 1000,
        compression: (done - evaluatedAt) / 1000,
        total: (done - started) / 1000,
      }, compression);
      if (!compression || compression.status === 'succeeded') this.setPhase('succeeded', 'run complete');
      else if (compression.status === 'queued') this.setPhase('stopped', 'compression interrupted by a graceful stop (the job stays queued); resume with --resume');
      else this.setPhase('failed', `compression ${compression.status}: ${compression.error ?? 'no reason given'}`);
      this.events.emit('finished', { phase: this.phase, reason: this.phase === 'succeeded' ? trained.reason : this.last.message, steps: trained.step, ...this.summaryField() });
      return summary;
    } catch (err) {
      if (!isFinal(this.phase)) this.setPhase('failed', (err as Error).message);
      if (err instanceof RunFailedError || err instanceof NonFiniteError) {
        await this.failed(ctx, err, started).catch((e: unknown) => this.o.log.warn({ err: (e as Error).message }, 'the summary of the failed run could not be written'));
      }
      this.events.emit('finished', { phase: 'failed', reason: (err as Error).message, steps: this.last.step, ...this.summaryField() });
      throw err;
    }
  }

  /** Graceful stop: abandons the current step (the run checkpoints the last completed one), then closes the server. */
  async stop(): Promise<void> {
    this.stopRequested = true;
    this.stopSignal.abort();
    this.dispatcher.abortAll('coordinator stopping');
  }

  /** Closes the gRPC server (workers see their stream end and reconnect or exit). */
  close(): Promise<void> {
    return this.server.stop();
  }

  /**
   * Ends a run that a graceful stop interrupted (during meta-training or evaluation): writes its summary (reason
   * `stopped`, no meta-test results) and enters phase `stopped` with `message` (how to go on).
   */
  private async stopped(trained: MetaTrainResult, checkpoint: string, seconds: RunSummary['seconds'], message: string): Promise<RunSummary> {
    const summary = await this.summarize({ ...trained, reason: 'stopped' }, checkpoint, [], [], seconds);
    this.setPhase('stopped', message);
    this.events.emit('finished', { phase: 'stopped', reason: 'stopped', steps: trained.step, ...this.summaryField() });
    return summary;
  }

  /**
   * Writes the summary (and report) of a run that failed for good (reason `failed`, `error`, `divergence` when it
   * diverged, no meta-test results), with the history and best step of its newest checkpoint (later steps are in the
   * logs), so that a failed run leaves something to inspect. The summary of an earlier, finished end of the run (a
   * converged or max-steps run resumed, then failed) is kept, not replaced: it holds the meta-test results. One of a
   * stop or an earlier failure is replaced, so that the summary says how the run ended last (a rerun is told whether
   * `--resume` would diverge again from it: src/coordinator/earlier-checkpoints.ts).
   */
  private async failed(ctx: RunContext, err: Error, started: number): Promise<void> {
    const earlier = existsSync(join(this.dir, SUMMARY_FILE)) ? await readSummary(this.dir).catch(() => undefined) : undefined;
    if (earlier && isFinishedRun(earlier)) {
      this.o.log.warn(`${SUMMARY_FILE} of an earlier end of this run (${earlier.reason}) is kept (not replaced by this failure)`);
      return;
    }
    const latest = await ctx.store.loadLatest().catch(() => undefined);
    const state = latest && trainingStateOf(latest.checkpoint.extra, latest.checkpoint.path);
    const seconds = (performance.now() - started) / 1000;
    const divergence = err instanceof DivergedError ? { divergence: err.divergence } : {};
    const outcome = { reason: 'failed', error: err.message, ...divergence, step: this.last.step, bestStep: state?.convergence.bestStep ?? 0, history: state?.history ?? emptyHistory() } as const;
    await this.summarize(outcome, latest?.checkpoint.path ?? '', [], [], { training: seconds, baselines: 0, evaluation: 0, total: seconds });
  }

  /**
   * Schedules compression of the best checkpoint (when enabled and a queue is configured) and waits for its
   * outcome; undefined when not scheduled. A graceful stop ends the wait (status `queued`: the job stays queued).
   */
  private async compress(checkpoint: string, step: number): Promise<RunSummary['compression']> {
    const queue = this.o.compressionQueue;
    const { config } = this.o;
    if (!config.compression.enabled || !queue) return undefined;
    const outDir = compressedDir(config);
    const job = { jobId: runCompressionJobId(config, step, outDir), run: config.name, checkpoint, config, outDir };
    // A resumed run replaces its own earlier compression, or reuses its own result (src/compress/other-compression.ts): said.
    const found = await foundByJob(job);
    const note = !found ? '' : 'own' in found ? `; ${job.outDir} already holds its result, reused once its files check out` : `; it replaces ${found.replaces} in ${job.outDir}`;
    this.setPhase('compressing', `compressing checkpoint ${checkpoint} (job ${job.jobId}, ${queue.kind} queue)${note}`);
    const { duplicate } = await queue.enqueue(job);
    this.events.emit('compression.queued', { jobId: job.jobId, checkpoint, outDir: job.outDir, queue: queue.kind, duplicate });
    try {
      const outcome = await queue.waitForOutcome(job.jobId, this.stopSignal.signal, (untaken) => this.events.emit('warning', `${untaken}. ${startCompressorAdvice(config, job.outDir)}`));
      return { jobId: job.jobId, outDir: job.outDir, status: outcome.status, attempts: outcome.attempts, report: outcome.report, error: outcome.error };
    } catch (err) {
      if (!this.stopRequested) throw err;
      return { jobId: job.jobId, outDir: job.outDir, status: 'queued', attempts: 0 };
    }
  }

  /**
   * Enters phase `to`. A final phase reached for good (not by a graceful stop, after which the run resumes and its
   * workers rejoin) tells the workers to leave: `Finished` on their Join streams (docs/wire.md).
   */
  private setPhase(to: RunPhase, message: string): void {
    assertTransition(this.phase, to);
    this.phase = to;
    this.last.message = message;
    this.phases.push({ phase: to, message });
    this.o.log.info({ phase: to }, message);
    this.events.emit('phase', to, message);
    if (isFinal(to) && !this.stopRequested) this.server.finish(to, message);
  }

  /** `{ summaryFile }` of the `finished` event once `summary.json` is written, else nothing. */
  private summaryField(): { summaryFile?: string } {
    return this.summaryFile ? { summaryFile: this.summaryFile } : {};
  }

  private async summarize(
    trained: Pick<MetaTrainResult, 'step' | 'bestStep' | 'history' | 'pretrained'> & Pick<RunSummary, 'reason' | 'error' | 'divergence'>,
    checkpoint: string,
    results: RunSummary['results'],
    classical: RunSummary['classical'],
    seconds: RunSummary['seconds'],
    compression?: RunSummary['compression'],
  ): Promise<RunSummary> {
    const summary: RunSummary = {
      run: this.o.config.name,
      reason: trained.reason,
      ...(trained.error === undefined ? {} : { error: trained.error }),
      ...(trained.divergence === undefined ? {} : { divergence: trained.divergence }),
      steps: trained.step,
      bestStep: trained.bestStep,
      checkpoint,
      metricName: taskMetric(this.o.config),
      results,
      classical,
      history: trained.history,
      ...(trained.pretrained ? { pretraining: { checkpoint: trained.pretrained.path, step: trained.pretrained.step, history: trained.pretrained.history ?? { steps: [], loss: [], accuracy: [] } } } : {}),
      seconds,
      ...(compression ? { compression } : {}),
    };
    this.summaryFile = resolve(await writeSummary(this.dir, summary));
    await this.o.writeReport?.(this.dir);
    return summary;
  }

  private validateResult(item: WorkItem, gradient: ParamSet | undefined, metrics: WorkMetrics): ResultRejection | undefined {
    try {
      if (item.kind === 'eval') {
        const n = (item.evalSteps ?? 0) + 1;
        if (metrics.evalLoss.length !== n || metrics.evalMetric.length !== n) {
          return { reason: 'shape', message: `evaluation curve has ${metrics.evalLoss.length} losses and ${metrics.evalMetric.length} metrics, expected ${n} each` };
        }
        const chosen = metrics.chosenSteps;
        if (chosen !== undefined && !(Number.isInteger(chosen) && chosen >= 0 && chosen < n)) return { reason: 'malformed', message: `chosen step count ${chosen} is outside [0, ${n - 1}]` };
        const bad = [...metrics.evalLoss, ...metrics.evalMetric].find((v) => !Number.isFinite(v));
        return bad === undefined ? undefined : { reason: 'non_finite', message: `evaluation curve holds ${bad}` };
      }
      if (!gradient) return { reason: 'shape', message: 'result has no gradient' };
      assertMatchesSpec(gradient, item.kind === 'train' ? this.metaSpec : this.jointSpec, `gradient of ${item.key}`);
      if (!Number.isFinite(metrics.queryLoss)) return { reason: 'non_finite', message: `query loss is ${metrics.queryLoss}` };
      return undefined;
    } catch (err) {
      return rejectionOf(err);
    }
  }
}

/**
 * The meta-parameters' names and shapes of a run: the model's parameters for `family`'s outputs, with Meta-SGD's
 * per-parameter rates (src/meta/meta-params.ts). What a worker's meta-gradient must match.
 */
export function metaSpecOf(config: RunConfig, family: TaskFamily): ParamSpec {
  return metaParamSpec(architectureOf(config.model, family.outputs), config.algorithm);
}
