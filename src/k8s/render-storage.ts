/**
 * The run's data objects: the ConfigMap with `run.yaml`, the Secret with the run token and the
 * PersistentVolumeClaim for checkpoints and artifacts.
 */
import { createHash } from 'node:crypto';
import type { IConfigMap } from 'kubernetes-models/v1/ConfigMap';
import type { IPersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim';
import type { ISecret } from 'kubernetes-models/v1/Secret';
import { stringify } from 'yaml';
import { runNames, TOKEN_KEY } from './names';
import { objectMeta, type RunObjectMeta } from './render-meta';
import { CONFIG_FILE, type DeploySettings } from './settings';

/** The run config as YAML, exactly as it is stored in the ConfigMap. */
export function clusterConfigYaml(s: DeploySettings): string {
  return stringify(s.clusterConfig, { lineWidth: 0, aliasDuplicateObjects: false });
}

/** sha256 of {@link clusterConfigYaml}: a pod-template annotation, so a changed config restarts the coordinator. */
export function clusterConfigSha256(s: DeploySettings): string {
  return createHash('sha256').update(clusterConfigYaml(s)).digest('hex');
}

/** ConfigMap `<run>-config` with key `run.yaml`. */
export function renderConfigMap(s: DeploySettings): IConfigMap & { metadata: RunObjectMeta } {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: objectMeta(s, runNames(s.run).config, 'coordinator'),
    data: { [CONFIG_FILE]: clusterConfigYaml(s) },
  };
}

/** Secret `<run>-token` holding the run token (as `stringData`; the API server stores it base64-encoded). */
export function renderTokenSecret(s: DeploySettings, token: string): ISecret & { metadata: RunObjectMeta } {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: objectMeta(s, runNames(s.run).token, 'coordinator'),
    type: 'Opaque',
    stringData: { [TOKEN_KEY]: token },
  };
}

/** PersistentVolumeClaim `<run>-data`: size, class and access mode from `kubernetes.storage`. */
export function renderDataClaim(s: DeploySettings): IPersistentVolumeClaim & { metadata: RunObjectMeta } {
  const storage = s.kubernetes.storage;
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: objectMeta(s, runNames(s.run).data, 'storage'),
    spec: {
      accessModes: [storage.accessMode],
      resources: { requests: { storage: storage.size } },
      ...(storage.className !== undefined ? { storageClassName: storage.className } : {}),
    },
  };
}
