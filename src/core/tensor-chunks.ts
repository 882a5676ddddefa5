/**
 * Tensors on the wire: a ParamSet is sent as a sequence of chunks of at most `maxChunkBytes` of little-endian
 * float32 data each (gRPC's default receive limit is 4 MiB; we stay at ≤ 1 MiB), and reassembled with every
 * field checked: dtype, shape agreement between chunks, contiguous offsets, exact lengths, finite values.
 * Plain data only: the generated protobuf `TensorChunk` type is structurally the same.
 */
import { NonFiniteError, ProtocolError } from './errors';
import { paramSet, sizeOfShape, type NamedTensor, type ParamSet } from './param-set';

/** Default and maximum data bytes per chunk: 1 MiB. */
export const MAX_CHUNK_BYTES = 1 << 20;

/** A slice `[offset, offset + data.length / 4)` of the elements of one named float32 tensor. */
export interface TensorChunkData {
  name: string;
  shape: number[];
  dtype: string;
  offset: number;
  totalElements: number;
  data: Uint8Array;
}

const littleEndian = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/**
 * Splits a ParamSet into chunks in tensor-name order.
 * @param maxChunkBytes data bytes per chunk, a positive multiple of 4, at most {@link MAX_CHUNK_BYTES}.
 * @throws RangeError on a bad chunk size.
 */
export function chunkParamSet(params: ParamSet, maxChunkBytes = MAX_CHUNK_BYTES): TensorChunkData[] {
  if (maxChunkBytes <= 0 || maxChunkBytes % 4 !== 0 || maxChunkBytes > MAX_CHUNK_BYTES) {
    throw new RangeError(`chunk size must be a positive multiple of 4 up to ${MAX_CHUNK_BYTES}, got ${maxChunkBytes}`);
  }
  if (!littleEndian) throw new RangeError('big-endian hosts are not supported');
  const perChunk = maxChunkBytes / 4;
  const out: TensorChunkData[] = [];
  for (const [name, t] of params) {
    const total = t.data.length;
    let offset = 0;
    do {
      const end = Math.min(total, offset + perChunk);
      const slice = t.data.subarray(offset, end);
      out.push({ name, shape: [...t.shape], dtype: 'float32', offset, totalElements: total, data: new Uint8Array(slice.buffer, slice.byteOffset, slice.byteLength) });
      offset = end;
    } while (offset < total);
  }
  return out;
}

/**
 * Reassembles chunks into a ParamSet, checking each chunk as it arrives.
 * Errors are ProtocolError (NonFiniteError for NaN/±Inf values) naming the tensor and what is wrong; `what` says where the chunks came from.
 */
export class ChunkAssembler {
  private readonly tensors = new Map<string, { shape: number[]; data: Float32Array; filled: number }>();

  constructor(private readonly what: string) {}

  /** Adds one chunk. @throws ProtocolError on a bad dtype, shape, offset or length; NonFiniteError on a NaN/±Inf value. */
  add(chunk: TensorChunkData): void {
    const { name, shape, dtype, offset, totalElements, data } = chunk;
    if (!name) throw new ProtocolError(`${this.what}: chunk without a tensor name`);
    if (dtype !== 'float32') throw new ProtocolError(`${this.where(name)}: dtype ${JSON.stringify(dtype)} is not supported (float32 only)`);
    if (shape.some((d) => !Number.isInteger(d) || d < 0)) throw new ProtocolError(`${this.where(name)}: bad shape [${shape.join(', ')}]`);
    if (sizeOfShape(shape) !== totalElements) {
      throw new ProtocolError(`${this.where(name)}: shape [${shape.join(', ')}] has ${sizeOfShape(shape)} elements but the chunk says ${totalElements}`);
    }
    if (data.byteLength % 4 !== 0) throw new ProtocolError(`${this.where(name)}: ${data.byteLength} data bytes is not a whole number of float32 values`);
    if (data.byteLength > MAX_CHUNK_BYTES) throw new ProtocolError(`${this.where(name)}: chunk of ${data.byteLength} bytes exceeds ${MAX_CHUNK_BYTES}`);
    let entry = this.tensors.get(name);
    if (!entry) {
      if (offset !== 0) throw new ProtocolError(`${this.where(name)}: first chunk starts at offset ${offset}, expected 0`);
      entry = { shape: [...shape], data: new Float32Array(totalElements), filled: 0 };
      this.tensors.set(name, entry);
    } else if (entry.shape.length !== shape.length || entry.shape.some((d, i) => d !== shape[i])) {
      throw new ProtocolError(`${this.where(name)}: shape changed between chunks ([${entry.shape.join(', ')}] then [${shape.join(', ')}])`);
    }
    if (offset !== entry.filled) throw new ProtocolError(`${this.where(name)}: chunk at offset ${offset}, expected ${entry.filled}`);
    const count = data.byteLength / 4;
    if (offset + count > totalElements) throw new ProtocolError(`${this.where(name)}: chunk overruns the tensor (${offset + count} > ${totalElements})`);
    // One copy, straight into the tensor (the wire bytes need not be 4-byte aligned), then the finiteness check
    // on the copied values; `filled` only advances when they pass.
    new Uint8Array(entry.data.buffer, entry.data.byteOffset + 4 * offset, data.byteLength).set(data);
    const values = entry.data.subarray(offset, offset + count);
    for (let i = 0; i < count; i++) {
      const v = values[i]!;
      // v − v is 0 for every finite v and NaN for NaN and ±Infinity (faster than Number.isFinite here).
      if (v - v !== 0) throw new NonFiniteError(`${this.where(name)}: value ${v} at index ${offset + i} is not finite`);
    }
    entry.filled += count;
  }

  /** Where an error is, for its message: built only then (add runs for every chunk of every result). */
  private where(name: string): string {
    return `${this.what}: tensor ${JSON.stringify(name)}`;
  }

  /** Returns the complete ParamSet. @throws ProtocolError when a tensor is incomplete. */
  finish(): ParamSet {
    const entries: Array<[string, NamedTensor]> = [];
    for (const [name, e] of this.tensors) {
      if (e.filled !== e.data.length) throw new ProtocolError(`${this.what}: tensor ${JSON.stringify(name)} incomplete (${e.filled} of ${e.data.length} values)`);
      entries.push([name, { shape: e.shape, data: e.data }]);
    }
    return paramSet(entries);
  }
}
