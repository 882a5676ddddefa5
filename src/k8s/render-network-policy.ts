/**
 * NetworkPolicies of a run (https://kubernetes.io/docs/concepts/services-networking/network-policies/):
 * workers may reach only the coordinator's gRPC port, NATS and DNS; the coordinator accepts gRPC only from its
 * workers. Metrics ports stay open to scrapers and to the API server's service proxy (`metatrain status`).
 * NATS pods are selected by the label of the official NATS Helm chart, `app.kubernetes.io/name: nats`, in any
 * namespace.
 */
import type { INetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import type { INetworkPolicyIngressRule } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicyIngressRule';
import { runNames, selectorLabels } from './names';
import { objectMeta, type RunObjectMeta } from './render-meta';
import { GRPC_PORT, METRICS_PORT, type DeploySettings } from './settings';

/** Label of the NATS server pods installed by the official chart. */
export const NATS_POD_LABELS = { 'app.kubernetes.io/name': 'nats' };

type RunNetworkPolicy = INetworkPolicy & { metadata: RunObjectMeta };

/** Ingress rule opening the metrics port to every source. */
const METRICS_INGRESS: INetworkPolicyIngressRule = { ports: [{ port: METRICS_PORT, protocol: 'TCP' }] };

/** NetworkPolicy `<run>-worker`: egress to the coordinator, NATS and DNS only; ingress on metrics only. */
export function renderWorkerNetworkPolicy(s: DeploySettings): RunNetworkPolicy {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: objectMeta(s, runNames(s.run).worker, 'worker'),
    spec: {
      podSelector: { matchLabels: selectorLabels(s.run, 'worker') },
      policyTypes: ['Ingress', 'Egress'],
      ingress: [METRICS_INGRESS],
      egress: [
        { to: [{ podSelector: { matchLabels: selectorLabels(s.run, 'coordinator') } }], ports: [{ port: GRPC_PORT, protocol: 'TCP' }] },
        { to: [{ namespaceSelector: {}, podSelector: { matchLabels: { ...NATS_POD_LABELS } } }], ports: [{ port: s.natsPort, protocol: 'TCP' }] },
        { ports: [{ port: 53, protocol: 'UDP' }, { port: 53, protocol: 'TCP' }] },
      ],
    },
  };
}

/** NetworkPolicy `<run>-coordinator`: gRPC from the run's workers, metrics from anywhere. */
export function renderCoordinatorNetworkPolicy(s: DeploySettings): RunNetworkPolicy {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: objectMeta(s, runNames(s.run).coordinator, 'coordinator'),
    spec: {
      podSelector: { matchLabels: selectorLabels(s.run, 'coordinator') },
      policyTypes: ['Ingress'],
      ingress: [
        { from: [{ podSelector: { matchLabels: selectorLabels(s.run, 'worker') } }], ports: [{ port: GRPC_PORT, protocol: 'TCP' }] },
        METRICS_INGRESS,
      ],
    },
  };
}
