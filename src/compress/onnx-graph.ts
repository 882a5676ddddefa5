/**
 * A small builder of ONNX graphs (https://onnx.ai/onnx/repo-docs/IR.html) on the generated protobuf classes of
 * `onnx-proto`: named initializers, nodes with attributes, graph inputs/outputs, and the model wrapper (IR
 * version 8, default-domain opset 17 — the first with `LayerNormalization`; per-axis `DequantizeLinear` needs 13).
 * Weights are either float32 initializers or int8 initializers with per-channel scales behind a
 * `DequantizeLinear` node, so one graph serves both the float and the int8 export.
 */
import { onnx } from 'onnx-proto';
import type { NamedTensor } from '../core/param-set';
import type { QuantizedTensor } from './quantize';

/** ONNX IR version written. */
export const ONNX_IR_VERSION = 8;
/** Default-domain opset imported. */
export const ONNX_OPSET = 17;

const { DataType } = onnx.TensorProto;
const { AttributeType } = onnx.AttributeProto;

/** A node attribute value: an integer, a float, or a list of integers. */
export type AttributeValue = { readonly int: number } | { readonly float: number } | { readonly ints: readonly number[] };

/** A weight as exported: float32, or int8 with per-channel scales. */
export type ExportWeight = { readonly kind: 'float'; readonly tensor: NamedTensor } | { readonly kind: 'int8'; readonly tensor: QuantizedTensor };

function rawBytes(data: Float32Array | Int8Array | Int32Array | BigInt64Array): Uint8Array {
  const out = new Uint8Array(data.byteLength);
  const view = new DataView(out.buffer);
  data.forEach((v: number | bigint, i: number) => {
    if (data instanceof Float32Array) view.setFloat32(4 * i, v as number, true);
    else if (data instanceof Int8Array) view.setInt8(i, v as number);
    else if (data instanceof Int32Array) view.setInt32(4 * i, v as number, true);
    else view.setBigInt64(8 * i, v as bigint, true);
  });
  return out;
}

/** Accumulates nodes and initializers; {@link GraphBuilder.model} serializes them. */
export class GraphBuilder {
  private readonly nodes: onnx.INodeProto[] = [];
  private readonly initializers: onnx.ITensorProto[] = [];
  private readonly names = new Set<string>();
  private counter = 0;

  /** @param weights the model's weights by parameter name (float or int8). */
  constructor(private readonly weights: ReadonlyMap<string, ExportWeight>) {}

  /** A fresh value name `${hint}${n}` (short: names are stored in the file). */
  fresh(hint: string): string {
    return `${hint}${this.counter++}`;
  }

  /** Adds a float32 initializer; returns its name. */
  floats(name: string, shape: readonly number[], data: Float32Array): string {
    return this.init(name, shape, DataType.FLOAT, rawBytes(data));
  }

  /** Adds an int64 initializer (shapes, axes); returns its name. */
  int64s(name: string, values: readonly number[]): string {
    return this.init(name, [values.length], DataType.INT64, rawBytes(BigInt64Array.from(values.map(BigInt))));
  }

  /** Adds a scalar int32 initializer; returns its name. */
  int32(name: string, value: number): string {
    return this.init(name, [], DataType.INT32, rawBytes(Int32Array.of(value)));
  }

  /**
   * The float value of parameter `name`: its initializer, or the output of `DequantizeLinear(codes, scales,
   * axis)` over int8 codes (zero point omitted = 0).
   * @throws Error naming the parameter when the model has no such weight (a bug in the graph builder).
   */
  weight(name: string): string {
    const w = this.weights.get(name);
    if (!w) throw new Error(`ONNX export: no weight ${name}`);
    if (w.kind === 'float') return this.names.has(name) ? name : this.floats(name, w.tensor.shape, w.tensor.data);
    const out = `${name}.dequantized`;
    if (this.names.has(out)) return out;
    const codes = this.init(`${name}.int8`, w.tensor.shape, DataType.INT8, rawBytes(w.tensor.values));
    const scales = this.floats(`${name}.scales`, [w.tensor.scales.length], w.tensor.scales);
    this.names.add(out);
    this.nodes.push({ name: out, opType: 'DequantizeLinear', input: [codes, scales], output: [out], attribute: [attr('axis', { int: w.tensor.axis })] });
    return out;
  }

  /** True when the model has weight `name` (optional parameters). */
  has(name: string): boolean {
    return this.weights.has(name);
  }

  /**
   * Appends node `op(inputs)` with attributes; returns its (single) output name, which is also the node's name (so
   * that an onnxruntime error names the node, e.g. `layer0_attn_matmul12`).
   */
  node(op: string, inputs: readonly string[], attributes: Readonly<Record<string, AttributeValue>> = {}, hint = op.toLowerCase()): string {
    const out = this.fresh(hint);
    this.nodes.push({ name: out, opType: op, input: [...inputs], output: [out], attribute: Object.entries(attributes).map(([k, v]) => attr(k, v)) });
    return out;
  }

  /** Renames the value `from` to the graph output `to` (an Identity node). */
  output(from: string, to: string): void {
    this.nodes.push({ name: to, opType: 'Identity', input: [from], output: [to] });
  }

  /**
   * Serializes the model: `inputs` and `outputs` as (name, element type, shape with `N`/`L` symbolic dims).
   */
  model(graphName: string, inputs: readonly ValueSpec[], outputs: readonly ValueSpec[], docString: string): Uint8Array {
    const graph: onnx.IGraphProto = {
      name: graphName,
      node: this.nodes,
      initializer: this.initializers,
      input: inputs.map(valueInfo),
      output: outputs.map(valueInfo),
    };
    const model: onnx.IModelProto = {
      irVersion: ONNX_IR_VERSION,
      opsetImport: [{ domain: '', version: ONNX_OPSET }],
      producerName: 'metatrain',
      docString,
      graph,
    };
    return onnx.ModelProto.encode(onnx.ModelProto.create(model)).finish();
  }

  private init(name: string, shape: readonly number[], dataType: number, bytes: Uint8Array): string {
    if (this.names.has(name)) throw new Error(`ONNX export: initializer ${name} defined twice`);
    this.names.add(name);
    this.initializers.push({ name, dims: [...shape], dataType, rawData: bytes });
    return name;
  }
}

/** A graph input or output: element type `float32` or `int32`, dims numbers or symbolic names. */
export interface ValueSpec {
  readonly name: string;
  readonly type: 'float32' | 'int32';
  readonly dims: ReadonlyArray<number | string>;
}

function valueInfo(v: ValueSpec): onnx.IValueInfoProto {
  return {
    name: v.name,
    type: {
      tensorType: {
        elemType: v.type === 'float32' ? DataType.FLOAT : DataType.INT32,
        shape: { dim: v.dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

function attr(name: string, v: AttributeValue): onnx.IAttributeProto {
  if ('int' in v) return { name, type: AttributeType.INT, i: v.int };
  if ('float' in v) return { name, type: AttributeType.FLOAT, f: v.float };
  return { name, type: AttributeType.INTS, ints: [...v.ints] };
}
