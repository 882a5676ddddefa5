/**
 * Warnings about events a peer can repeat as fast as it reconnects (refused handshakes, refused calls): at most one
 * line per key per interval, the next line saying how many were left out (`suppressed`). A misconfigured worker
 * that retries every 200 ms then costs one log line per interval, not five a second, and nothing is lost silently.
 */
import type { Logger } from './logger';

/** Default interval between two lines of one key: 10 s. */
export const DEFAULT_LOG_INTERVAL_MS = 10_000;

/** A warn-level logger that keeps at most one line per key per interval. */
export class RateLimitedLog {
  private readonly last = new Map<string, { at: number; suppressed: number }>();

  /**
   * @param log where the lines go (warn level).
   * @param intervalMs smallest time between two lines of one key, in ms. @default {@link DEFAULT_LOG_INTERVAL_MS}
   * @param now clock in ms (tests).
   */
  constructor(
    private readonly log: Logger,
    private readonly intervalMs = DEFAULT_LOG_INTERVAL_MS,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Logs `message` with `fields` at warn level unless a line of `key` was logged less than the interval ago;
   * a line that follows left-out ones carries `suppressed: n`.
   * @returns whether the line was written.
   */
  warn(key: string, fields: Record<string, unknown>, message: string): boolean {
    const now = this.now();
    const entry = this.last.get(key);
    if (entry && now - entry.at < this.intervalMs) {
      entry.suppressed++;
      return false;
    }
    this.log.warn(entry?.suppressed ? { ...fields, suppressed: entry.suppressed } : fields, message);
    this.last.set(key, { at: now, suppressed: 0 });
    return true;
  }
}
