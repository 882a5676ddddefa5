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
 *   a RunFailedError naming the task, the worker and the last reason (a NonFiniteResultsError when every attempt
 *   ended in a non-finite result);
 * - the batch size and contents never depend on the number of workers;
 * - with `speculateAfter` f, once a fraction f of a batch is done and no item is queued, each outstanding item
 *   (oldest lease first) gets one backup attempt on another worker with a free slot (Dean & Ghemawat 2004, "backup
 *   tasks"); the first valid result wins and the other attempt is cancelled. Backups do not count as attempts, and a
 *   failed attempt is retried only when no other attempt of the item is live. Workers compute deterministically, so
 *   the results, and the run's parameters, are the same with or without backups.
 */
import { EventEmitter } from 'node:events';
import { NonFiniteResultsError, RunFailedError } from '../core/errors';
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
  /** Fraction of a batch done after which outstanding items get a backup attempt; omitted = no backups. */
  speculateAfter?: number;
}

interface Pending {
  item: WorkItem;
  attempt: number;
  lastError?: string;
  /** Workers on which an attempt failed: a retry goes elsewhere while another worker exists. */
  failedOn: Set<string>;
  /** Whether every failed attempt so far ended in a non-finite result (true before any failure). */
  nonFiniteOnly: boolean;
  resolve: (r: WorkResult) => void;
  reject: (e: Error) => void;
  done: boolean;
  /** Backup attempts issued (at most one). */
  backups: number;
  /** Live leases of this item (at most two: the attempt and its backup). */
  leases: Set<Lease>;
  /** Told of the winning result before the batch resolves (runBatch's `onResult`). */
  onResult?: (result: WorkResult) => void;
}

/** The items of one runBatch call. */
interface Batch {
  readonly pendings: Pending[];
}

interface Lease {
  pending: Pending;
  assignmentId: string;
  workerId: string;
  timer: NodeJS.Timeout;
  /** Date.now() when assigned (backups go to the oldest outstanding leases first). */
  startedAt: number;
}

/**
 * Events: `dispatched` (item, workerId), `redispatched` (item, reason), `speculated` (item, workerId: a backup
 * attempt), `completed` (item, result), `failed` (item, message).
 */
export class TaskDispatcher extends EventEmitter {
  private readonly queue: Pending[] = [];
  private readonly leases = new Map<string, Lease>();
  private readonly workers = new Map<string, WorkerSlot>();
  private readonly busy = new Map<string, number>();
  /**
   * Joined workers with free slots, by their number of free slots; within a count, in the order the workers reached
   * it. Picking a worker looks at the largest counts first instead of scanning every worker (issue 10: a step of
   * W tasks otherwise costs O(W²) at hundreds of workers).
   */
  private readonly byFree = new Map<number, Set<string>>();
  private readonly batches = new Set<Batch>();

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
    this.setBusy(worker.id, 0);
    this.pump();
  }

  /** Removes a worker; each of its in-flight attempts is re-queued once (counts as a failed attempt). */
  removeWorker(workerId: string, reason: string): void {
    const worker = this.workers.get(workerId);
    if (!worker) return;
    this.removeFree(worker.capacity - this.busy.get(workerId)!, workerId);
    this.workers.delete(workerId);
    this.busy.delete(workerId);
    for (const lease of [...this.leases.values()]) {
      if (lease.workerId === workerId) this.loseLease(lease, `worker ${workerId} left (${reason})`);
    }
    this.pump();
  }

  /**
   * Runs all items and resolves with their results in item order.
   * @param onResult called with (position in `items`, result) as each item completes, in completion order (the
   *   coordinator aggregates while the batch runs); it must not throw.
   * @throws RunFailedError when an item fails `maxAttempts` times (the other items are abandoned).
   */
  runBatch(items: readonly WorkItem[], onResult?: (position: number, result: WorkResult) => void): Promise<WorkResult[]> {
    const pendings: Pending[] = [];
    const promises = items.map(
      (item, position) =>
        new Promise<WorkResult>((resolve, reject) => {
          const p: Pending = { item, attempt: 0, failedOn: new Set(), nonFiniteOnly: true, resolve, reject, done: false, backups: 0, leases: new Set(), onResult: onResult && ((r) => onResult(position, r)) };
          pendings.push(p);
          this.queue.push(p);
        }),
    );
    const batch: Batch = { pendings };
    this.batches.add(batch);
    this.pump();
    return Promise.all(promises)
      .catch((err: Error) => {
        for (const p of pendings) this.abandon(p);
        throw err;
      })
      .finally(() => this.batches.delete(batch));
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
    for (const other of this.leasesOf(lease.pending)) {
      this.endLease(other);
      this.workers.get(other.workerId)?.cancel(other.assignmentId);
    }
    this.emit('completed', lease.pending.item, result);
    lease.pending.onResult?.(result);
    lease.pending.resolve(result);
    this.pump();
    return true;
  }

  /**
   * A failed attempt (worker error or invalid result): re-queued until maxAttempts. `nonFinite`: the result was
   * refused for a NaN or ±Inf value. Returns false if not current.
   */
  fail(workerId: string, assignmentId: string, reason: string, nonFinite = false): boolean {
    const lease = this.leases.get(assignmentId);
    if (!lease || lease.workerId !== workerId || lease.pending.done) return false;
    this.endLease(lease);
    lease.pending.failedOn.add(workerId);
    lease.pending.nonFiniteOnly &&= nonFinite;
    if (this.leasesOf(lease.pending).length === 0) this.retry(lease.pending, `worker ${workerId}: ${reason}`);
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
    for (const lease of this.leasesOf(p)) {
      this.endLease(lease);
      this.workers.get(lease.workerId)?.cancel(lease.assignmentId);
    }
  }

  private loseLease(lease: Lease, reason: string): void {
    this.endLease(lease);
    lease.pending.nonFiniteOnly = false;
    if (!lease.pending.done && this.leasesOf(lease.pending).length === 0) this.retry(lease.pending, reason);
  }

  /** The live leases of `p`. */
  private leasesOf(p: Pending): Lease[] {
    return [...p.leases];
  }

  private retry(p: Pending, reason: string): void {
    p.lastError = reason;
    if (p.attempt >= this.options.maxAttempts) {
      p.done = true;
      const message = `task ${p.item.key} failed ${p.attempt} times (max attempts ${this.options.maxAttempts}); last: ${reason}`;
      this.emit('failed', p.item, message);
      p.reject(p.nonFiniteOnly ? new NonFiniteResultsError(message) : new RunFailedError(message));
      return;
    }
    this.emit('redispatched', p.item, reason);
    this.queue.unshift(p);
  }

  private endLease(lease: Lease): void {
    clearTimeout(lease.timer);
    lease.pending.leases.delete(lease);
    if (this.leases.delete(lease.assignmentId)) {
      const n = this.busy.get(lease.workerId);
      if (n !== undefined) this.setBusy(lease.workerId, n - 1);
    }
  }

  /**
   * The worker with the most free slots for `p`, avoiding workers that already failed it while any other worker
   * is joined. `null`: no worker has a free slot at all; `undefined`: only workers that failed `p` are free.
   */
  private pickWorker(p: Pending): WorkerSlot | null | undefined {
    if (this.byFree.size === 0) return null;
    const avoidAll = p.failedOn.size >= this.workers.size && [...this.workers.keys()].every((id) => p.failedOn.has(id));
    for (const free of [...this.byFree.keys()].sort((a, b) => b - a)) {
      for (const id of this.byFree.get(free)!) {
        if (avoidAll || !p.failedOn.has(id)) return this.workers.get(id);
      }
    }
    return undefined;
  }

  /** Sets the running assignments of joined worker `id` to `n`, keeping {@link TaskDispatcher.byFree} in step. */
  private setBusy(id: string, n: number): void {
    const capacity = this.workers.get(id)!.capacity;
    const before = this.busy.get(id);
    if (before !== undefined) this.removeFree(capacity - before, id);
    this.busy.set(id, n);
    const free = capacity - n;
    if (free > 0) {
      let ids = this.byFree.get(free);
      if (!ids) this.byFree.set(free, (ids = new Set()));
      ids.add(id);
    }
  }

  private removeFree(free: number, id: string): void {
    const ids = this.byFree.get(free);
    if (ids?.delete(id) && ids.size === 0) this.byFree.delete(free);
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
      this.emit('dispatched', p.item, worker.id);
      this.lease(p, worker, `${p.item.key}#${p.attempt}`);
    }
    if (this.queue.length === 0) this.speculate();
  }

  /** Records a lease of `p` on `worker` and sends the assignment. */
  private lease(p: Pending, worker: WorkerSlot, assignmentId: string): void {
    const deadline = Date.now() + this.options.leaseTimeoutMs;
    const lease: Lease = {
      pending: p,
      assignmentId,
      workerId: worker.id,
      startedAt: Date.now(),
      timer: setTimeout(() => {
        worker.cancel(assignmentId);
        p.failedOn.add(worker.id);
        this.loseLease(lease, `lease of ${assignmentId} on worker ${worker.id} expired after ${this.options.leaseTimeoutMs} ms`);
        this.pump();
      }, this.options.leaseTimeoutMs),
    };
    lease.timer.unref();
    this.leases.set(assignmentId, lease);
    p.leases.add(lease);
    this.setBusy(worker.id, this.busy.get(worker.id)! + 1);
    worker.assign(p.item, assignmentId, p.attempt, deadline);
  }

  /** Backup attempts for the outstanding items of batches past `speculateAfter` (see the module docs). */
  private speculate(): void {
    const after = this.options.speculateAfter;
    if (after === undefined) return;
    for (const batch of this.batches) {
      const outstanding = batch.pendings.filter((p) => !p.done);
      if (outstanding.length === 0 || (batch.pendings.length - outstanding.length) / batch.pendings.length < after) continue;
      const candidates = outstanding
        .filter((p) => p.backups === 0)
        .map((p) => ({ p, leases: this.leasesOf(p) }))
        .filter((c) => c.leases.length === 1)
        .sort((a, b) => a.leases[0]!.startedAt - b.leases[0]!.startedAt);
      for (const { p, leases } of candidates) {
        const running = leases[0]!.workerId;
        const worker = [...this.workers.values()].find((w) => w.id !== running && !p.failedOn.has(w.id) && w.capacity - (this.busy.get(w.id) ?? 0) > 0);
        if (!worker) return;
        p.backups += 1;
        this.emit('speculated', p.item, worker.id);
        this.lease(p, worker, `${p.item.key}#${p.attempt}b`);
      }
    }
  }
}
