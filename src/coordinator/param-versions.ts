/**
 * Published parameter versions. Each version is an immutable ParamSet with a name (`meta/41`, `random`,
 * `transfer/200`), pre-split into wire chunks once and those encoded to protobuf once (on the first fetch), so
 * that N workers fetching it cost no extra splitting or encoding.
 * Old `meta/*` versions are dropped once newer ones exist (a task names the version it needs; only the current
 * step's version is needed by then).
 */
import { chunkParamSet, MAX_CHUNK_BYTES, type TensorChunkData } from '../core/tensor-chunks';
import type { ParamSet } from '../core/param-set';
import { encodeChunk, type EncodedChunk } from '../wire/pre-encoded';

/** A published version: its wire chunks (views of the published ParamSet) until their first encoding, then only that. */
interface Version {
  bytes: number;
  chunks?: TensorChunkData[];
  /** The protobuf encoding of the chunks, made on the first fetch. */
  encoded?: EncodedChunk[];
}

/** Store of parameter versions served by GetParameters. */
export class ParamVersions {
  private readonly versions = new Map<string, Version>();

  /**
   * @param keepPerPrefix versions kept per prefix (the part before `/`). @default 2
   * @param chunkBytes data bytes per chunk (`chunkParamSet`; benchmarks compare sizes). @default MAX_CHUNK_BYTES (1 MiB)
   */
  constructor(
    private readonly keepPerPrefix = 2,
    private readonly chunkBytes = MAX_CHUNK_BYTES,
  ) {}

  /** Publishes a version; returns its payload size in bytes. Replaces an existing version of that name. */
  publish(name: string, params: ParamSet): number {
    const chunks = chunkParamSet(params, this.chunkBytes);
    const bytes = chunks.reduce((a, c) => a + c.data.byteLength, 0);
    this.versions.delete(name);
    this.versions.set(name, { chunks, bytes });
    const prefix = name.split('/')[0]!;
    const same = [...this.versions.keys()].filter((k) => k.split('/')[0] === prefix);
    for (const old of same.slice(0, Math.max(0, same.length - this.keepPerPrefix))) this.versions.delete(old);
    return bytes;
  }

  /** The chunks of a version as encoded `TensorChunk` messages (encoded once, then shared), or undefined if unknown. */
  encoded(name: string): readonly EncodedChunk[] | undefined {
    const v = this.versions.get(name);
    if (!v) return undefined;
    if (!v.encoded) {
      v.encoded = v.chunks!.map(encodeChunk);
      delete v.chunks;
    }
    return v.encoded;
  }

  /** Payload bytes of a version (0 if unknown). */
  bytes(name: string): number {
    return this.versions.get(name)?.bytes ?? 0;
  }
}
