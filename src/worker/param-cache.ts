/**
 * Parameter versions on a worker: each version is fetched once from the coordinator (GetParameters, chunked,
 * with a deadline), checked against the expected spec, and kept in a small LRU cache. Concurrent requests for
 * one version share one fetch.
 */
import type * as grpc from '@grpc/grpc-js';
import { assertMatchesSpec, type ParamSet, type ParamSpec } from '../core/param-set';
import { ChunkAssembler } from '../core/tensor-chunks';
import type { CoordinatorClient } from '../wire/proto';

/** LRU cache of fetched parameter versions. */
export class ParamCache {
  private readonly entries = new Map<string, Promise<ParamSet>>();

  /**
   * @param capacity versions kept.
   * @param fetchTimeoutMs deadline of one GetParameters call.
   */
  constructor(
    private readonly client: CoordinatorClient,
    private readonly metadata: grpc.Metadata,
    private readonly capacity = 4,
    private readonly fetchTimeoutMs = 60_000,
  ) {}

  /** Bytes fetched so far (for metrics). */
  bytesFetched = 0;

  /**
   * The parameters of `version`, checked against `spec`.
   * @throws ProtocolError / ShapeError on a bad stream; grpc errors (NOT_FOUND, DEADLINE_EXCEEDED) as they come.
   */
  get(version: string, spec: ParamSpec): Promise<ParamSet> {
    let entry = this.entries.get(version);
    if (entry) {
      this.entries.delete(version);
      this.entries.set(version, entry);
      return entry;
    }
    entry = this.fetch(version, spec);
    entry.catch(() => this.entries.delete(version));
    this.entries.set(version, entry);
    while (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!);
    return entry;
  }

  private fetch(version: string, spec: ParamSpec): Promise<ParamSet> {
    return new Promise((resolve, reject) => {
      const assembler = new ChunkAssembler(`parameter version ${version}`);
      const call = this.client.GetParameters({ version }, this.metadata, { deadline: Date.now() + this.fetchTimeoutMs });
      call.on('data', (chunk) => {
        try {
          assembler.add(chunk);
          this.bytesFetched += chunk.data.byteLength;
        } catch (err) {
          call.cancel();
          reject(err);
        }
      });
      call.on('error', reject);
      call.on('end', () => {
        try {
          const params = assembler.finish();
          assertMatchesSpec(params, spec, `parameter version ${version}`);
          resolve(params);
        } catch (err) {
          reject(err);
        }
      });
    });
  }
}
