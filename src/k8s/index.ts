/**
 * Public surface of src/k8s: render a run's Kubernetes objects; launch, scale, status, stop (also as the `kubernetes`
 * cluster backend); watch worker pods.
 */
export { compileDeploySettings, GRPC_PORT, METRICS_PORT } from './settings';
export { renderRun, renderNamespace, RUN_KINDS } from './render-run';
export { renderKustomizeTree } from './kustomize-tree';
export { toYamlDocuments } from './manifest-yaml';
export { connectCluster, runNamespace, DEFAULT_NAMESPACE } from './cluster';
export { launchRun, launchManifest } from './launch';
export { scaleWorkers } from './scale';
export { runStatus } from './status';
export { stopRun } from './stop';
export { WorkerPodWatcher } from './worker-pod-watcher';
export { kubernetesBackend, KUBERNETES_BACKEND } from './cluster-backend-kubernetes';
export { waitingForWorkersMessage } from './pod-counts';
export { coordinatorApiCalls } from './coordinator-api-calls';
export { RUN_LABEL, runNames, runSelector, workerPodSelector } from './names';
export type { DeploySettings, SettingsOverrides, WorkerDevice } from './settings';
export type { KubeObject, RunObject } from './render-run';
export type { Cluster, ClusterOptions } from './cluster';
export type { ApplyAction, ApplyResult } from './apply';
export type { LaunchOptions, LaunchResult } from './launch';
export type { ScaleResult } from './scale';
export type { RunStatusReport, PodDerivedPhase } from './status';
export type { StopResult, StoppedObject } from './stop';
export type { WorkerPodWatcherOptions } from './worker-pod-watcher';
export type { WorkerPodCounts } from './pod-counts';
export type { ApiCall } from './coordinator-api-calls';
export type { RunNames } from './names';
