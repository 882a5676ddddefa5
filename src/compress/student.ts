/**
 * The student of distillation: the teacher's architecture, narrower (`compression.studentWidth` of its widths),
 * initialized from the teacher by structured selection — the residual dimensions, feed-forward units, per-head
 * attention dimensions and MLP units of largest weight norm (norm-based structured pruning, Li et al. 2017,
 * "Pruning Filters for Efficient ConvNets") — then trained by distillation (./distill). Starting from the
 * teacher's own most important parts rather than from random weights makes a short distillation enough.
 * Meta-SGD's learned rates `lr/<name>` are sliced with their parameters.
 */
import { ShapeError } from '../core/errors';
import { paramSet, type NamedTensor, type ParamSet } from '../core/param-set';
import type { ModelConfig } from '../model/architecture';
import { isLrName, LR_PREFIX } from '../meta/meta-params';

/**
 * The student's model config: width × dModel (a multiple of `heads`, at least `heads`) and width × dFf for the
 * transformer; width × each hidden width for the MLP (at least 1). Width 1 returns the teacher's config.
 * @throws RangeError when `width` is not in (0, 1].
 */
export function studentModelConfig(model: ModelConfig, width: number): ModelConfig {
  if (!(width > 0 && width <= 1)) throw new RangeError(`student width must lie in (0, 1], got ${width}`);
  if (model.kind === 'sinusoid-mlp') return { ...model, hidden: model.hidden.map((h) => Math.max(1, Math.round(h * width))) };
  const dModel = Math.max(model.heads, Math.round((model.dModel * width) / model.heads) * model.heads);
  return { ...model, dModel, dFf: Math.max(1, Math.round(model.dFf * width)) };
}

/** Which rows/columns (2-D) or entries (1-D) of a teacher tensor the student keeps; undefined = all. */
interface Slice {
  readonly rows?: readonly number[];
  readonly cols?: readonly number[];
  /** Multiplies the kept values (attention query rescaling). @default 1 */
  readonly scale?: number;
}

/**
 * The student's initial meta-parameters cut from the teacher's (`lr/…` tensors included).
 * @param teacher teacher meta-parameters of architecture `teacherModel`.
 * @throws ShapeError when `teacher` lacks a tensor the architecture has, or the student is wider than the teacher.
 */
export function studentInit(teacher: ParamSet, teacherModel: ModelConfig, studentModel: ModelConfig): ParamSet {
  const plan = teacherModel.kind === 'sinusoid-mlp' ? mlpPlan(teacher, teacherModel, studentModel) : transformerPlan(teacher, teacherModel, studentModel);
  return paramSet(
    [...teacher].map(([name, t]) => {
      const base = isLrName(name) ? name.slice(LR_PREFIX.length) : name;
      const s = plan.get(base);
      if (!s) throw new ShapeError(`student init: no slicing rule for teacher tensor ${name}`);
      return [name, slice(t, isLrName(name) ? { ...s, scale: 1 } : s)] as const;
    }),
  );
}

/** Indices of the `k` largest scores, in increasing index order. */
function topK(scores: readonly number[], k: number): number[] {
  if (k > scores.length) throw new ShapeError(`student init: cannot keep ${k} of ${scores.length} units (student wider than teacher)`);
  return scores
    .map((s, i) => [s, i] as const)
    .sort((a, b) => b[0] - a[0] || a[1] - b[1])
    .slice(0, k)
    .map(([, i]) => i)
    .sort((a, b) => a - b);
}

function get(params: ParamSet, name: string): NamedTensor {
  const t = params.get(name);
  if (!t) throw new ShapeError(`student init: teacher has no tensor ${name}`);
  return t;
}

/** Squared L2 norm of column j (over `rows`, all rows when undefined) of a 2-D tensor. */
function colNorm2(t: NamedTensor, j: number, rows?: readonly number[]): number {
  const cols = t.shape[1]!;
  let s = 0;
  for (const r of rows ?? Array.from({ length: t.shape[0]! }, (_, i) => i)) s += t.data[r * cols + j]! ** 2;
  return s;
}

/** Squared L2 norm of row i (over `cols`, all when undefined) of a 2-D tensor. */
function rowNorm2(t: NamedTensor, i: number, cols?: readonly number[]): number {
  const n = t.shape[1]!;
  let s = 0;
  for (const c of cols ?? Array.from({ length: n }, (_, j) => j)) s += t.data[i * n + c]! ** 2;
  return s;
}

function slice(t: NamedTensor, s: Slice): NamedTensor {
  const scale = s.scale ?? 1;
  if (t.shape.length === 1) {
    const idx = s.cols ?? Array.from({ length: t.shape[0]! }, (_, i) => i);
    return { shape: [idx.length], data: Float32Array.from(idx, (i) => t.data[i]! * scale) };
  }
  const [rows, cols] = t.shape as [number, number];
  const r = s.rows ?? Array.from({ length: rows }, (_, i) => i);
  const c = s.cols ?? Array.from({ length: cols }, (_, j) => j);
  const data = new Float32Array(r.length * c.length);
  r.forEach((ri, a) => c.forEach((cj, b) => (data[a * c.length + b] = t.data[ri * cols + cj]! * scale)));
  return { shape: [r.length, c.length], data };
}

function mlpPlan(teacher: ParamSet, teacherModel: ModelConfig, studentModel: ModelConfig): Map<string, Slice> {
  const plan = new Map<string, Slice>();
  let prev: number[] | undefined;
  teacherModel.hidden.forEach((h, i) => {
    const w = get(teacher, `layer${i}.w`);
    const next = get(teacher, i + 1 < teacherModel.hidden.length ? `layer${i + 1}.w` : 'head.w');
    const keep = topK(Array.from({ length: h }, (_, u) => Math.sqrt(colNorm2(w, u, prev) * rowNorm2(next, u))), studentModel.hidden[i]!);
    plan.set(`layer${i}.w`, { rows: prev, cols: keep });
    plan.set(`layer${i}.b`, { cols: keep });
    prev = keep;
  });
  plan.set('head.w', { rows: prev });
  plan.set('head.b', {});
  return plan;
}

function transformerPlan(teacher: ParamSet, teacherModel: ModelConfig, studentModel: ModelConfig): Map<string, Slice> {
  const { dModel: d, dFf, heads, layers } = teacherModel;
  const dHead = d / heads;
  const sHead = studentModel.dModel / heads;
  const token = get(teacher, 'embed.token');
  const position = get(teacher, 'embed.position');
  const residual = topK(Array.from({ length: d }, (_, j) => colNorm2(token, j) + colNorm2(position, j)), studentModel.dModel);
  const plan = new Map<string, Slice>([
    ['embed.token', { cols: residual }],
    ['embed.position', { cols: residual }],
    ['norm.gain', { cols: residual }],
    ['norm.bias', { cols: residual }],
    ['head.w', { rows: residual }],
    ['head.b', {}],
  ]);
  /** Per head, the sHead dimensions of largest score. */
  const perHead = (score: (j: number) => number) =>
    Array.from({ length: heads }, (_, h) => topK(Array.from({ length: dHead }, (_, k) => score(h * dHead + k)), sHead).map((k) => h * dHead + k)).flat();
  for (let i = 0; i < layers; i++) {
    const p = `layer${i}`;
    const [wq, wk, wv, wo, w1, w2] = ['attn.wq', 'attn.wk', 'attn.wv', 'attn.wo', 'ff.w1', 'ff.w2'].map((n) => get(teacher, `${p}.${n}`)) as NamedTensor[];
    const qk = perHead((j) => Math.sqrt(colNorm2(wq!, j, residual) * colNorm2(wk!, j, residual)));
    const vo = perHead((j) => Math.sqrt(colNorm2(wv!, j, residual) * rowNorm2(wo!, j, residual)));
    const units = topK(Array.from({ length: dFf }, (_, u) => Math.sqrt(colNorm2(w1!, u, residual) * rowNorm2(w2!, u, residual))), studentModel.dFf);
    // Scores are q·k / √dHead; the student divides by √sHead, so its queries are rescaled to keep the logits.
    const qScale = Math.sqrt(sHead / dHead);
    for (const n of ['ln1.gain', 'ln1.bias', 'ln2.gain', 'ln2.bias', 'attn.bo', 'ff.b2']) plan.set(`${p}.${n}`, { cols: residual });
    plan.set(`${p}.attn.wq`, { rows: residual, cols: qk, scale: qScale });
    plan.set(`${p}.attn.bq`, { cols: qk, scale: qScale });
    plan.set(`${p}.attn.wk`, { rows: residual, cols: qk });
    plan.set(`${p}.attn.bk`, { cols: qk }); // only in checkpoints of architectures that had a key bias
    plan.set(`${p}.attn.wv`, { rows: residual, cols: vo });
    plan.set(`${p}.attn.bv`, { cols: vo });
    plan.set(`${p}.attn.wo`, { rows: vo, cols: residual });
    plan.set(`${p}.ff.w1`, { rows: residual, cols: units });
    plan.set(`${p}.ff.b1`, { cols: units });
    plan.set(`${p}.ff.w2`, { rows: units, cols: residual });
  }
  return plan;
}
