/**
 * Small parameter versions inside assignments (issue 10): for a model whose version is at most
 * `runtime.inlineParametersMaxBytes`, the first assignment of a version to a worker carries the version's chunks
 * (Assignment.parameters, proto/metatrain/v1/coordinator.proto), so the worker need not make one GetParameters call
 * per version — for the sinusoid MLP (7 KB) that call costs more CPU on both ends than the bytes it carries. The chunks
 * are the ones GetParameters would stream, in the same order and encoded once for both (src/wire/pre-encoded.ts), so
 * the worker's parameters are the same either way.
 */
import type { EncodedChunk } from '../wire/pre-encoded';
import type { ParamVersions } from './param-versions';

/** How a parameter version reaches a worker (the `via` label of `metatrain_param_broadcast_bytes_total`). */
export const PARAMETER_ROUTES = ['stream', 'inline'] as const;
/** One of {@link PARAMETER_ROUTES}: a GetParameters stream, or inside an assignment. */
export type ParameterRoute = (typeof PARAMETER_ROUTES)[number];

/** One worker session's inlining: which version it was last sent inside an assignment. */
export class InlineParameters {
  private lastInlined?: string;

  /**
   * @param versions the published versions.
   * @param maxBytes versions of at most this many payload bytes are inlined; 0 = none.
   * @param onSent told the payload bytes of each inlined version (metrics).
   */
  constructor(
    private readonly versions: ParamVersions,
    private readonly maxBytes: number,
    private readonly onSent?: (bytes: number, via: ParameterRoute) => void,
  ) {}

  /**
   * The encoded chunks to put in this worker's next assignment of `version`: all of them when the version is small
   * and was not the last one inlined to this worker, otherwise none (the worker has it, or fetches it with
   * GetParameters).
   */
  chunksFor(version: string): readonly EncodedChunk[] {
    const bytes = this.versions.bytes(version);
    if (version === this.lastInlined || bytes === 0 || bytes > this.maxBytes) return [];
    this.lastInlined = version;
    this.onSent?.(bytes, 'inline');
    return this.versions.encoded(version) ?? [];
  }
}
