/**
 * Dispatch with leases. Work items are queued, handed to workers with free slots as assignments (one attempt
 * each, with a deadline), and completed by the first valid result of their current attempt.
 *
 * Invariants (each tested):
 * - a task whose worker leaves (stream closed, keepalive lost) or misses its lease deadline is re-queued exactly
 *   once per lost attempt;
 * - a retry goes to another worker than the ones that failed the item, while another worker is joined;
 * - a late or duplicate result (an attempt that is no longer current, or an item already done) is ignored;
 * - an item that fails `maxAttempts` times (bad result, worker error, lost worker, deadline) fails the batch with
 *   a RunFailedError naming the task, the worker and the last reason;
 * - the batch size and contents never depend on the number of workers.
 */
import { EventEmitter } from 'node:events';
import { RunFailedError } from '../core/errors';
import type { WorkItem, WorkResult } from './work-item';

/** A joined worker as the dispatcher sees it. */
export interface WorkerSlot {
  readonly id: string;
  readonly name: string;
  readonly capacity: number;
  /** Sends an assignment; the dispatcher has recorded the lease before calling. */
  assign(item: WorkItem, assignmentId: string, attempt: number, deadlineUnixMs: number): void;
  /** Tells the worker to drop an assignment whose lease expired. */
  cancel(assignmentId: string): void;
}

/** Dispatcher settings. */
export interface DispatcherOptions {
  /** Lease duration per attempt. */
  leaseTimeoutMs: number;
  /** Attempts per item before the run fails. */
  maxAttempts: number;
}

interface Pending {
  item: WorkItem;
  attempt: number;
  lastError?: string;
  /** Workers on which an attempt failed: a retry goes elsewhere while another worker exists. */
  failedOn: Set<string>;
  resolve: (r: WorkResult) => void;
  reject: (e: Error) => void;
  done: boolean;
}

interface Lease {
  pending: Pending;
  assignmentId: string;
  workerId: string;
  timer: NodeJS.Timeout;
}

/** Events: `dispatched` (item, workerId), `redispatched` (item, reason), `completed` (item, result), `failed` (item, message). */
export class TaskDispatcher extends EventEmitter {
  private readonly queue: Pending[] = [];
  private readonly leases = new Map<string, Lease>();
  private readonly workers = new Map<string, WorkerSlot>();
  private readonly busy = new Map<string, number>();

  constructor(private readonly options: DispatcherOptions) {
    super();
  }

  /** Joined workers. */
  get workerCount(): number {
    return this.workers.size;
  }

  /** Joined workers running at least one assignment. */
  get busyWorkers(): number {
    return [...this.busy.values()].filter((n) => n > 0).length;
  }

  /** Items waiting for a worker. */
  get queued(): number {
    return this.queue.length;
  }

  /** Assignments in flight. */
  get inFlight(): number {
    return this.leases.size;
  }

  /** The item of a current lease, or undefined when the assignment is late, duplicate or unknown. */
  itemOf(assignmentId: string): WorkItem | undefined {
    const lease = this.leases.get(assignmentId);
    return lease && !lease.pending.done ? lease.pending.item : undefined;
  }

  /** Adds a worker and gives it work. */
  addWorker(worker: WorkerSlot): void {
    this.workers.set(worker.id, worker);
    this.busy.set(worker.id, 0);
    this.pump();
  }

  /** Removes a worker; each of its in-flight attempts is re-queued once (counts as a failed attempt). */
  removeWorker(workerId: string, reason: string): void {
    if (!this.workers.delete(workerId)) return;
    this.busy.delete(workerId);
    for (const lease of [...this.leases.values()]) {
      if (lease.workerId === workerId) this.loseLease(lease, `worker ${workerId} left (${reason})`);
    }
    this.pump();
  }

  /**
   * Runs all items and resolves with their results in item order.
   * @throws RunFailedError when an item fails `maxAttempts` times (the other items are abandoned).
   */
  runBatch(items: readonly WorkItem[]): Promise<WorkResult[]> {
    const pendings: Pending[] = [];
    const promises = items.map(
      (item) =>
        new Promise<WorkResult>((resolve, reject) => {
          const p: Pending = { item, attempt: 0, failedOn: new Set(), resolve, reject, done: false };
          pendings.push(p);
          this.queue.push(p);
        }),
    );
    this.pump();
    return Promise.all(promises).catch((err: Error) => {
      for (const p of pendings) this.abandon(p);
      throw err;
    });
  }

  /**
   * A worker's result for an assignment. Ignored (returns false) when the assignment is not a current lease of
   * that worker: late, duplicate or unknown.
   */
  complete(workerId: string, assignmentId: string, result: WorkResult): boolean {
    const lease = this.leases.get(assignmentId);
    if (!lease || lease.workerId !== workerId || lease.pending.done) return false;
    this.endLease(lease);
    lease.pending.done = true;
    this.emit('completed', lease.pending.item, result);
    lease.pending.resolve(result);
    this.pump();
    return true;
  }

  /** A failed attempt (worker error or invalid result): re-queued until maxAttempts. Returns false if not current. */
  fail(workerId: string, assignmentId: string, reason: string): boolean {
    const lease = this.leases.get(assignmentId);
    if (!lease || lease.workerId !== workerId || lease.pending.done) return false;
    this.endLease(lease);
    lease.pending.failedOn.add(workerId);
    this.retry(lease.pending, `worker ${workerId}: ${reason}`);
    this.pump();
    return true;
  }

  /** Fails every pending item with `reason` and clears the queue (graceful stop). */
  abortAll(reason: string): void {
    const err = new RunFailedError(reason);
    for (const lease of [...this.leases.values()]) {
      this.endLease(lease);
      this.workers.get(lease.workerId)?.cancel(lease.assignmentId);
      if (!lease.pending.done) {
        lease.pending.done = true;
        lease.pending.reject(err);
      }
    }
    for (const p of this.queue.splice(0)) {
      if (!p.done) {
        p.done = true;
        p.reject(err);
      }
    }
  }

  private abandon(p: Pending): void {
    p.done = true;
    const i = this.queue.indexOf(p);
    if (i >= 0) this.queue.splice(i, 1);
    for (const lease of [...this.leases.values()]) {
      if (lease.pending === p) {
        this.endLease(lease);
        this.workers.get(lease.workerId)?.cancel(lease.assignmentId);
      }
    }
  }

  private loseLease(lease: Lease, reason: string): void {
    this.endLease(lease);
    if (!lease.pending.done) this.retry(lease.pending, reason);
  }

  private retry(p: Pending, reason: string): void {
    p.lastError = reason;
    if (p.attempt >= this.options.maxAttempts) {
      p.done = true;
      const message = `task ${p.item.key} failed ${p.attempt} times (max attempts ${this.options.maxAttempts}); last: ${reason}`;
      this.emit('failed', p.item, message);
      p.reject(new RunFailedError(message));
      return;
    }
    this.emit('redispatched', p.item, reason);
    this.queue.unshift(p);
  }

  private endLease(lease: Lease): void {
    clearTimeout(lease.timer);
    if (this.leases.delete(lease.assignmentId)) {
      const n = this.busy.get(lease.workerId);
      if (n !== undefined) this.busy.set(lease.workerId, n - 1);
    }
  }

  /**
   * The worker with the most free slots for `p`, avoiding workers that already failed it while any other worker
   * is joined. `null`: no worker has a free slot at all; `undefined`: only workers that failed `p` are free.
   */
  private pickWorker(p: Pending): WorkerSlot | null | undefined {
    const avoidAll = [...this.workers.keys()].every((id) => p.failedOn.has(id));
    let best: WorkerSlot | undefined;
    let bestFree = 0;
    let anyFree = false;
    for (const w of this.workers.values()) {
      const free = w.capacity - (this.busy.get(w.id) ?? 0);
      if (free <= 0) continue;
      anyFree = true;
      if (!avoidAll && p.failedOn.has(w.id)) continue;
      if (free > bestFree) {
        best = w;
        bestFree = free;
      }
    }
    return anyFree ? best : null;
  }

  private pump(): void {
    for (let qi = 0; qi < this.queue.length; ) {
      const p = this.queue[qi]!;
      if (p.done) {
        this.queue.splice(qi, 1);
        continue;
      }
      const worker = this.pickWorker(p);
      if (worker === null) return;
      if (worker === undefined) {
        qi++;
        continue;
      }
      this.queue.splice(qi, 1);
      p.attempt += 1;
      const assignmentId = `${p.item.key}#${p.attempt}`;
      const deadline = Date.now() + this.options.leaseTimeoutMs;
      const lease: Lease = {
        pending: p,
        assignmentId,
        workerId: worker.id,
        timer: setTimeout(() => {
          worker.cancel(assignmentId);
          p.failedOn.add(worker.id);
          this.loseLease(lease, `lease of ${assignmentId} on worker ${worker.id} expired after ${this.options.leaseTimeoutMs} ms`);
          this.pump();
        }, this.options.leaseTimeoutMs),
      };
      lease.timer.unref();
      this.leases.set(assignmentId, lease);
      this.busy.set(worker.id, (this.busy.get(worker.id) ?? 0) + 1);
      this.emit('dispatched', p.item, worker.id);
      worker.assign(p.item, assignmentId, p.attempt, deadline);
    }
  }
}
