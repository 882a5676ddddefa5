/**
 * Kubernetes objects as multi-document YAML (what `kubectl apply -f` and kustomize read).
 */
import { stringify } from 'yaml';
import type { KubeObject } from './render-run';

/** YAML documents separated by `---`, keys in the renderer's order, no line folding. */
export function toYamlDocuments(objects: ReadonlyArray<KubeObject | object>): string {
  return objects.map((o) => stringify(o, { lineWidth: 0, aliasDuplicateObjects: false })).join('---\n');
}
