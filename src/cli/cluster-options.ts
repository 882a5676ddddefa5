/**
 * The options shared by the cluster commands (launch, scale, status, stop): --cluster-backend and where to find the
 * cluster (--kubeconfig, --context, --namespace); and the backends those commands can use. Each command reaches its
 * engine only through the ClusterBackend interface (src/cluster/cluster-backend.ts); an engine beside Kubernetes
 * is registered here, one line.
 */
import { Option, type Command } from 'commander';
import { clusterBackend, clusterBackendNames, registerClusterBackend, type ClusterBackend } from '../cluster/cluster-backend';
import { KUBERNETES_BACKEND, kubernetesBackend } from '../k8s';

registerClusterBackend(KUBERNETES_BACKEND, kubernetesBackend);

/** The parsed cluster options of a command. */
export interface ClusterFlags {
  clusterBackend: string;
  kubeconfig?: string;
  context?: string;
  namespace?: string;
}

/** Adds the options to a subcommand; `--cluster-backend` takes the names registered so far (commander lists them when refusing another). */
export function withClusterOptions(command: Command): Command {
  return command
    .addOption(new Option('--cluster-backend <name>', 'engine that runs the run (registered in src/cli/cluster-options.ts)').choices(clusterBackendNames()).default(KUBERNETES_BACKEND))
    .option('--kubeconfig <file>', 'kubeconfig file (default: $KUBECONFIG, else ~/.kube/config, else in-cluster)')
    .option('--context <name>', 'kubeconfig context (default: the current context)')
    .option('-n, --namespace <name>', 'namespace of the run (default: kubernetes.namespace of the config for launch, else metatrain)');
}

/**
 * The backend the options name, configured by them.
 * @throws ConfigError when no backend is registered under `--cluster-backend`.
 */
export function clusterBackendOf(o: ClusterFlags): ClusterBackend {
  return clusterBackend(o.clusterBackend, {
    ...(o.kubeconfig !== undefined ? { configFile: o.kubeconfig } : {}),
    ...(o.context !== undefined ? { context: o.context } : {}),
    ...(o.namespace !== undefined ? { namespace: o.namespace } : {}),
  });
}
