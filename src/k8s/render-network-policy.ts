/**
 * NetworkPolicies of a run (https://kubernetes.io/docs/concepts/services-networking/network-policies/):
 * workers may reach only the coordinator's gRPC port and DNS; the coordinator accepts gRPC only from its workers;
 * the compressor may reach only NATS (its work queue and run events) and DNS, and accepts nothing but scrapes.
 * Metrics ports stay open to scrapers and to the API server's service proxy (`metatrain status`).
 * NATS pods are selected by the label of the official NATS Helm chart, `app.kubernetes.io/name: nats`, in any
 * namespace.
 */
import type { INetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import type { INetworkPolicyEgressRule } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicyEgressRule';
import type { INetworkPolicyIngressRule } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicyIngressRule';
import { runNames, selectorLabels } from './names';
import { objectMeta, type RunObjectMeta } from './render-meta';
import { GRPC_PORT, METRICS_PORT, type DeploySettings } from './settings';

/** Label of the NATS server pods installed by the official chart. */
export const NATS_POD_LABELS = { 'app.kubernetes.io/name': 'nats' };

type RunNetworkPolicy = INetworkPolicy & { metadata: RunObjectMeta };

/** Ingress rule opening the metrics port to every source. */
const METRICS_INGRESS: INetworkPolicyIngressRule = { ports: [{ port: METRICS_PORT, protocol: 'TCP' }] };

/** Egress rule to DNS (UDP and TCP 53) anywhere. */
const DNS_EGRESS: INetworkPolicyEgressRule = { ports: [{ port: 53, protocol: 'UDP' }, { port: 53, protocol: 'TCP' }] };

/**
 * The policy of a pod that serves nothing but metrics: ingress on the metrics port only, egress to `to` and DNS
 * only. Its name is the component's object name (`<run>-worker`, `<run>-compressor`).
 */
function metricsOnlyPolicy(s: DeploySettings, component: 'worker' | 'compressor', to: INetworkPolicyEgressRule): RunNetworkPolicy {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: objectMeta(s, runNames(s.run)[component], component),
    spec: {
      podSelector: { matchLabels: selectorLabels(s.run, component) },
      policyTypes: ['Ingress', 'Egress'],
      ingress: [METRICS_INGRESS],
      egress: [to, DNS_EGRESS],
    },
  };
}

/** NetworkPolicy `<run>-worker`: egress to the coordinator and DNS only (workers never use NATS); ingress on metrics only. */
export function renderWorkerNetworkPolicy(s: DeploySettings): RunNetworkPolicy {
  return metricsOnlyPolicy(s, 'worker', { to: [{ podSelector: { matchLabels: selectorLabels(s.run, 'coordinator') } }], ports: [{ port: GRPC_PORT, protocol: 'TCP' }] });
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

/**
 * NetworkPolicy `<run>-compressor`: egress to NATS (every port of the servers of `nats.url`) and DNS only — checkpoints and results
 * go through the run's volume, never the network; ingress on metrics only.
 */
export function renderCompressorNetworkPolicy(s: DeploySettings): RunNetworkPolicy {
  return metricsOnlyPolicy(s, 'compressor', { to: [{ namespaceSelector: {}, podSelector: { matchLabels: { ...NATS_POD_LABELS } } }], ports: s.natsPorts.map((port) => ({ port, protocol: 'TCP' })) });
}
