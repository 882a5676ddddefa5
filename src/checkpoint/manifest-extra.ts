/**
 * What a checkpoint's `manifest.json` records about it (`extra`: its kind, the run config), read without its data
 * files: a light look at a checkpoint, e.g. to say what a directory holds, that loading it would report otherwise.
 */
import { readManifestText } from './checkpoint-part';

/**
 * `extra` of the manifest.json of checkpoint `dir` (read within its limits; no data file is read), or undefined when
 * the manifest is missing, unreadable, not JSON or has no `extra` object (loading the checkpoint reports that).
 */
export function manifestExtra(dir: string): Readonly<Record<string, unknown>> | undefined {
  try {
    const extra = (JSON.parse(readManifestText(dir)) as { extra?: unknown } | null)?.extra;
    return typeof extra === 'object' && extra !== null && !Array.isArray(extra) ? (extra as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The model kind (`model.kind`: `transformer`, `sinusoid-mlp` …) of the run config that checkpoint `dir` records in
 * its manifest (`extra.config`), or undefined when it records none or the manifest cannot be read.
 */
export function recordedModelKind(dir: string): string | undefined {
  const config = manifestExtra(dir)?.config as { model?: { kind?: unknown } } | undefined;
  const kind = typeof config === 'object' && config !== null ? config.model?.kind : undefined;
  return typeof kind === 'string' ? kind : undefined;
}
