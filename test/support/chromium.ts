/**
 * Headless Chromium (Debian's `chromium`) driven over the Chrome DevTools Protocol on a pipe
 * (`--remote-debugging-pipe`: JSON messages separated by NUL, commands on fd 3, replies and events on fd 4;
 * https://chromedevtools.github.io/devtools-protocol/). No network, a throwaway profile, no extensions.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import type { Readable, Writable } from 'node:stream';
import { requireBinary } from './binaries';
import { tempDir } from './harness';

type Json = Record<string, unknown>;

/** A page opened in headless Chromium. */
export interface ChromiumPage {
  /** Evaluates `expression` in the page and returns its value (JSON-serialisable results only). */
  evaluate<T>(expression: string): Promise<T>;
  /** Writes a PNG screenshot of the whole page to `path`. */
  screenshot(path: string): Promise<void>;
  /** Closes the browser. */
  close(): Promise<void>;
}

/**
 * Opens `url` (e.g. `file:///…/report.html`) in headless Chromium and resolves once its `load` event fired.
 * @throws Error when chromium is missing, exits, or the page does not load within `timeoutMs`.
 */
export async function openInChromium(url: string, timeoutMs = 30_000): Promise<ChromiumPage> {
  const bin = requireBinary('chromium');
  const args = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', `--user-data-dir=${tempDir('metatrain-chromium-')}`, '--remote-debugging-pipe', 'about:blank'];
  const child: ChildProcess = spawn(bin, args, { stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'] });
  let log = '';
  child.stderr!.on('data', (d: Buffer) => (log = (log + d.toString()).slice(-8000)));
  process.on('exit', () => child.kill('SIGKILL'));
  const toBrowser = child.stdio[3] as Writable;
  const fromBrowser = child.stdio[4] as Readable;
  let nextId = 0;
  const pending = new Map<number, { resolve: (v: Json) => void; reject: (e: Error) => void }>();
  const listeners: Array<(method: string, params: Json) => void> = [];
  let buffer = '';
  fromBrowser.on('data', (d: Buffer) => {
    buffer += d.toString('utf8');
    for (let end = buffer.indexOf('\0'); end >= 0; end = buffer.indexOf('\0')) {
      const msg = JSON.parse(buffer.slice(0, end)) as { id?: number; result?: Json; error?: { message: string }; method?: string; params?: Json };
      buffer = buffer.slice(end + 1);
      if (msg.id !== undefined) {
        const p = pending.get(msg.id);
        pending.delete(msg.id);
        if (msg.error) p?.reject(new Error(`CDP: ${msg.error.message}`));
        else p?.resolve(msg.result ?? {});
      } else if (msg.method) {
        for (const l of listeners) l(msg.method, msg.params ?? {});
      }
    }
  });
  child.once('exit', (code) => {
    for (const p of pending.values()) p.reject(new Error(`chromium exited (${code}):\n${log}`));
    pending.clear();
  });
  const send = (method: string, params: Json = {}, sessionId?: string): Promise<Json> =>
    new Promise((resolve, reject) => {
      const id = ++nextId;
      pending.set(id, { resolve, reject });
      toBrowser.write(`${JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) })}\0`);
    });

  const { targetId } = (await send('Target.createTarget', { url: 'about:blank' })) as { targetId: string };
  const { sessionId } = (await send('Target.attachToTarget', { targetId, flatten: true })) as { sessionId: string };
  await send('Page.enable', {}, sessionId);
  const loaded = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${url} did not load within ${timeoutMs} ms:\n${log}`)), timeoutMs);
    listeners.push((method) => {
      if (method === 'Page.loadEventFired') {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  const nav = (await send('Page.navigate', { url }, sessionId)) as { errorText?: string };
  if (nav.errorText) throw new Error(`cannot open ${url}: ${nav.errorText}`);
  await loaded;

  return {
    async evaluate<T>(expression: string): Promise<T> {
      const r = (await send('Runtime.evaluate', { expression, returnByValue: true, awaitPromise: true }, sessionId)) as { result: { value: T }; exceptionDetails?: { text: string } };
      if (r.exceptionDetails) throw new Error(`page script failed: ${JSON.stringify(r.exceptionDetails)}`);
      return r.result.value;
    },
    async screenshot(path: string) {
      // Lay the page out at the screenshot's width first, then size the viewport to the content's height.
      await send('Emulation.setDeviceMetricsOverride', { width: 1200, height: 800, deviceScaleFactor: 1, mobile: false }, sessionId);
      const metrics = (await send('Page.getLayoutMetrics', {}, sessionId)) as { cssContentSize: { width: number; height: number } };
      const width = Math.ceil(Math.max(1200, metrics.cssContentSize.width));
      const height = Math.ceil(metrics.cssContentSize.height);
      await send('Emulation.setDeviceMetricsOverride', { width, height, deviceScaleFactor: 1, mobile: false }, sessionId);
      const shot = (await send('Page.captureScreenshot', { format: 'png', captureBeyondViewport: true }, sessionId)) as { data: string };
      writeFileSync(path, Buffer.from(shot.data, 'base64'));
    },
    async close() {
      if (child.exitCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      await send('Browser.close').catch(() => undefined);
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}
