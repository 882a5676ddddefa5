/**
 * A real Prometheus server for tests (Debian's `prometheus` package), started on a free loopback port with a
 * temporary config and TSDB, and its HTTP query API (https://prometheus.io/docs/prometheus/latest/querying/api/).
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { requireBinary } from './binaries';
import { freePort, tempDir } from './harness';

/** One series of a query result. */
export interface PromSeries {
  metric: Record<string, string>;
  /** Instant queries. */
  value?: [number, string];
  /** Range queries. */
  values?: Array<[number, string]>;
}

/** A query API answer (`status: error` carries `errorType` and `error`). */
export interface PromAnswer {
  status: 'success' | 'error';
  errorType?: string;
  error?: string;
  data?: { resultType: string; result: PromSeries[] };
}

/** A running Prometheus. */
export interface TestPrometheus {
  readonly url: string;
  /** GET `/api/v1/<path>` with query parameters; resolves with the JSON body whatever the HTTP status. */
  api(path: string, params?: Record<string, string>): Promise<PromAnswer & Record<string, unknown>>;
  /** Resolves once every scrape target has been scraped successfully (`health: up`) at least once. */
  waitForTargetsUp(count: number, timeoutMs?: number): Promise<void>;
  /** Stops it (SIGTERM, then SIGKILL). */
  stop(): Promise<void>;
  /** Its log (stderr). */
  log(): string;
}

/**
 * Starts Prometheus with `scrapeConfigs` (prometheus.yml `scrape_configs`), a 1 s scrape and rule evaluation
 * interval, and `ruleFiles`.
 * @throws Error when the binary is missing or the server is not ready within 30 s (its log is included).
 */
export async function startPrometheus(scrapeConfigs: object[], ruleFiles: string[] = []): Promise<TestPrometheus> {
  const bin = requireBinary('prometheus');
  const dir = tempDir('metatrain-prometheus-');
  const configFile = join(dir, 'prometheus.yml');
  writeFileSync(configFile, stringify({ global: { scrape_interval: '1s', scrape_timeout: '1s', evaluation_interval: '1s' }, rule_files: ruleFiles, scrape_configs: scrapeConfigs }));
  const port = await freePort();
  const child = spawn(bin, [`--config.file=${configFile}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr.on('data', (d: Buffer) => (log = (log + d.toString()).slice(-20_000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  process.on('exit', () => child.kill('SIGKILL'));
  const url = `http://127.0.0.1:${port}`;
  const api = async (path: string, params: Record<string, string> = {}) => {
    const res = await fetch(`${url}/api/v1/${path}?${new URLSearchParams(params).toString()}`);
    return (await res.json()) as PromAnswer & Record<string, unknown>;
  };
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`prometheus exited (${child.exitCode}):\n${log}`);
    const ready = await fetch(`${url}/-/ready`).then((r) => r.ok, () => false);
    if (ready) break;
    if (Date.now() > deadline) throw new Error(`prometheus not ready after 30 s:\n${log}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    url,
    api,
    async waitForTargetsUp(count, timeoutMs = 30_000) {
      const end = Date.now() + timeoutMs;
      let last = '';
      for (;;) {
        const answer = (await api('targets')) as unknown as { data: { activeTargets: Array<{ health: string; scrapeUrl: string; lastError: string }> } };
        const targets = answer.data.activeTargets;
        last = targets.map((t) => `${t.scrapeUrl} ${t.health} ${t.lastError}`).join('\n');
        if (targets.length >= count && targets.every((t) => t.health === 'up')) return;
        if (Date.now() > end) throw new Error(`scrape targets not all up after ${timeoutMs} ms:\n${last}\n${log}`);
        await new Promise((r) => setTimeout(r, 250));
      }
    },
    async stop() {
      if (child.exitCode !== null) return;
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      child.kill('SIGTERM');
      await exited;
      clearTimeout(timer);
    },
    log: () => log,
  };
}
