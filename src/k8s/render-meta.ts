/**
 * Object metadata shared by every rendered object: name, namespace and the run's labels (names.ts).
 */
import type { IObjectMeta } from '@kubernetes-models/apimachinery/apis/meta/v1/ObjectMeta';
import { runLabels, type Component } from './names';
import type { DeploySettings } from './settings';

/** Metadata of a namespaced object that always has a name (what the renderer produces). */
export type RunObjectMeta = IObjectMeta & { name: string; namespace: string; labels: Record<string, string> };

/** Metadata of object `name` of the run's `component`, in the run's namespace, with the run's labels. */
export function objectMeta(s: DeploySettings, name: string, component: Component, extraLabels: Record<string, string> = {}): RunObjectMeta {
  return { name, namespace: s.namespace, labels: { ...runLabels(s.run, component, s.version), ...extraLabels } };
}
