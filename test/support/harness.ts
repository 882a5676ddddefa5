/**
 * Test harness for runtime tests: temporary run directories, small configs, the real `metatrain` CLI as child
 * processes, free loopback ports, and reading the final parameters of a run. Cleanup is registered per test.
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { RunConfigInput } from '../../src/core/config';
import { packageFile } from '../../src/core/package-root';

/** Directories of {@link tempDir}, removed when the process exits (one `exit` listener for them all). */
const tempDirs: string[] = [];
process.on('exit', () => tempDirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

/** A fresh directory removed when the process exits. */
export function tempDir(prefix = 'metatrain-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  tempDirs.push(dir);
  return dir;
}

/** A short sinusoid run (second-order MAML) that finishes in a few seconds; `overrides` are merged per section. */
export function sinusoidConfig(dir: string, overrides: Partial<Record<keyof RunConfigInput, unknown>> = {}): RunConfigInput {
  const base: Record<string, unknown> = {
    name: 'test-run',
    seed: 3,
    task: { family: 'sinusoid', shots: 5, queryShots: 10 },
    model: { kind: 'sinusoid-mlp', hidden: [40, 40] },
    algorithm: { name: 'maml', innerSteps: 1, innerLr: 0.01, outerLr: 0.001, metaBatchSize: 6 },
    training: { maxSteps: 12, evalEverySteps: 4, evalTasks: 6, checkpointEverySteps: 4, patience: 100 },
    evaluation: { testTasks: 8, adaptSteps: 2, baselines: ['random'] },
    runtime: { workers: 2, outDir: join(dir, 'run'), leaseTimeoutMs: 20_000, maxAttempts: 4, keepaliveMs: 1000 },
  };
  for (const [k, v] of Object.entries(overrides)) {
    base[k] = typeof v === 'object' && v !== null && !Array.isArray(v) ? { ...(base[k] as object), ...v } : v;
  }
  return base as unknown as RunConfigInput;
}

/** Writes a config as YAML; returns its path. */
export function writeConfig(dir: string, config: RunConfigInput, name = 'run.yaml'): string {
  const path = join(dir, name);
  writeFileSync(path, stringify(config));
  return path;
}

/** Result of a finished child process. */
export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * Starts `metatrain ARGS` (the built CLI), in `cwd` (default: this process's directory). With `shell`, `args` are
 * words of a bash command line, written as they are (`<(cat run.yaml)`: a config read from a pipe, as README
 * suggests), and bash `exec`s the CLI: the child is still the CLI's process.
 */
export function startCli(args: string[], env: Record<string, string> = {}, cwd?: string, shell = false): ChildProcess & { output: { stdout: string; stderr: string } } {
  const cli = packageFile('bin/metatrain.js');
  const options = { cwd, env: { ...process.env, METATRAIN_LOG_LEVEL: 'warn', ...env }, stdio: ['ignore', 'pipe', 'pipe'] } satisfies SpawnOptions;
  const child = (shell ? spawn('bash', ['-c', `exec "$0" "$1" ${args.join(' ')}`, process.execPath, cli], options) : spawn(process.execPath, [cli, ...args], options)) as ChildProcess & {
    output: { stdout: string; stderr: string };
  };
  child.output = { stdout: '', stderr: '' };
  child.stdout!.on('data', (d: Buffer) => (child.output.stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (child.output.stderr += d.toString()));
  return child;
}

/** Waits for a child to exit (killing it after `timeoutMs`). */
export function waitExit(child: ReturnType<typeof startCli>, timeoutMs = 120_000): Promise<CliResult> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    const done = (code: number | null, signal: NodeJS.Signals | null) => {
      clearTimeout(timer);
      resolve({ code, signal, ...child.output });
    };
    if (child.exitCode !== null || child.signalCode !== null) done(child.exitCode, child.signalCode as NodeJS.Signals | null);
    else child.once('exit', done);
  });
}

/** Runs `metatrain ARGS` to completion, in `cwd` (default: this process's directory). */
export function runCli(args: string[], env: Record<string, string> = {}, timeoutMs = 120_000, cwd?: string): Promise<CliResult> {
  return waitExit(startCli(args, env, cwd), timeoutMs);
}

/** Resolves when `predicate(stdout + stderr)` holds (polling), rejects after `timeoutMs`. */
export async function waitForOutput(child: ReturnType<typeof startCli>, predicate: (text: string) => boolean, timeoutMs = 60_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!predicate(child.output.stdout + child.output.stderr)) {
    if (Date.now() > end) throw new Error(`timed out waiting for output; got:\n${child.output.stdout}\n${child.output.stderr}`);
    if (child.exitCode !== null) throw new Error(`process exited (${child.exitCode}) before the expected output:\n${child.output.stdout}\n${child.output.stderr}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** Bytes of the parameters of the checkpoint of `step` in a run directory. */
export function finalParamsBytes(runDir: string, step: number): Buffer {
  return readFileSync(join(runDir, 'checkpoints', `step-${String(step).padStart(8, '0')}`, 'params.safetensors'));
}

/** Steps of the checkpoints in a run directory (`checkpoints/step-N`), in directory order. */
export function checkpointSteps(runDir: string): number[] {
  const dir = join(runDir, 'checkpoints');
  return existsSync(dir) ? readdirSync(dir).filter((n) => n.startsWith('step-')).map((n) => Number(n.slice(5))) : [];
}

/** Resolves once `runDir` holds the checkpoint of `step` (any checkpoint when omitted); rejects if `child` exits first. */
export async function untilCheckpoint(child: ReturnType<typeof startCli>, runDir: string, step?: number): Promise<void> {
  for (;;) {
    const steps = checkpointSteps(runDir);
    if (step === undefined ? steps.length > 0 : steps.includes(step)) return;
    if (child.exitCode !== null) throw new Error(`process exited (${child.exitCode}) before checkpoint ${step ?? 'any'}:\n${child.output.stderr}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
