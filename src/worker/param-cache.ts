/**
 * Parameter versions on a worker: each version is fetched once from the coordinator (GetParameters, chunked,
 * with a deadline) or taken from an assignment that carries it (small versions), checked against the expected spec,
 * and kept in a small LRU cache. Concurrent requests for one version share one fetch.
 */
import type * as grpc from '@grpc/grpc-js';
import { assertMatchesSpec, type ParamSet, type ParamSpec } from '../core/param-set';
import { ChunkAssembler, type TensorChunkData } from '../core/tensor-chunks';
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
    this.remember(version, entry);
    return entry;
  }

  /**
   * Takes a version the coordinator sent inside an assignment (Assignment.parameters: the chunks GetParameters
   * would stream), checked like a fetched one, unless the cache already holds or is fetching it. A bad set of chunks
   * is kept as the rejected entry that {@link ParamCache.get} then returns (and drops, so a later get fetches).
   */
  offer(version: string, chunks: readonly TensorChunkData[], spec: ParamSpec): void {
    if (this.entries.has(version)) return;
    let entry: Promise<ParamSet>;
    try {
      entry = Promise.resolve(assemble(version, chunks, spec));
    } catch (err) {
      entry = Promise.reject(err as Error);
    }
    this.remember(version, entry);
  }

  private remember(version: string, entry: Promise<ParamSet>): void {
    entry.catch(() => this.entries.delete(version));
    this.entries.set(version, entry);
    while (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!);
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
          resolve(finished(version, assembler, spec));
        } catch (err) {
          reject(err);
        }
      });
    });
  }
}

/** Reassembles and checks a version's chunks. @throws ProtocolError / NonFiniteError / ShapeError naming the version. */
function assemble(version: string, chunks: readonly TensorChunkData[], spec: ParamSpec): ParamSet {
  const assembler = new ChunkAssembler(`parameter version ${version}`);
  for (const chunk of chunks) assembler.add(chunk);
  return finished(version, assembler, spec);
}

/** The version an assembler holds all chunks of, checked against `spec`. @throws ProtocolError / ShapeError naming the version. */
function finished(version: string, assembler: ChunkAssembler, spec: ParamSpec): ParamSet {
  const params = assembler.finish();
  assertMatchesSpec(params, spec, `parameter version ${version}`);
  return params;
}
