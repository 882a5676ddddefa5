/**
 * The options shared by the cluster commands (launch, scale, status, stop): --cluster-backend and where to find the
 * cluster (--kubeconfig, --context, --namespace, --request-timeout); and the backends those commands can use. Each command reaches its
 * engine only through the ClusterBackend interface (src/cluster/cluster-backend.ts); an engine beside Kubernetes
 * is registered here, one line.
 */
import { InvalidArgumentError, Option, type Command } from 'commander';
import { clusterBackend, clusterBackendNames, registerClusterBackend, type ClusterBackend } from '../cluster/cluster-backend';
import { KUBERNETES_BACKEND, kubernetesBackend } from '../k8s';
import { dnsLabel } from '../k8s/kubernetes-syntax';
import { DEFAULT_REQUEST_TIMEOUT_MS } from '../k8s/request-timeout';
import { MAX_TIMER_SECONDS } from '../core/config-fields';
import { boundedInt } from './options';

registerClusterBackend(KUBERNETES_BACKEND, kubernetesBackend);

/** The parsed cluster options of a command. */
export interface ClusterFlags {
  clusterBackend: string;
  kubeconfig?: string;
  context?: string;
  namespace?: string;
  /** `--request-timeout`, in seconds. */
  requestTimeout?: number;
}

/**
 * Parses `--namespace` by the rule `kubernetes.namespace` of the config follows (a DNS label, as the API server
 * requires of namespace names).
 * @throws InvalidArgumentError with the rule (commander names the option and the value).
 */
function namespaceName(value: string): string {
  const parsed = dnsLabel.safeParse(value);
  if (!parsed.success) throw new InvalidArgumentError(`a namespace ${parsed.error.issues[0]!.message}, got ${JSON.stringify(value)}`);
  return value;
}

/** Parses `--request-timeout`: whole seconds, 1 up to Node's timer limit. */
const requestTimeoutSeconds = boundedInt(1, MAX_TIMER_SECONDS, { unit: ' s' });

/** Adds the options to a subcommand; `--cluster-backend` takes the names registered so far (commander lists them when refusing another). */
export function withClusterOptions(command: Command): Command {
  return command
    .addOption(new Option('--cluster-backend <name>', 'engine that runs the run (registered in src/cli/cluster-options.ts)').choices(clusterBackendNames()).default(KUBERNETES_BACKEND))
    .option('--kubeconfig <file>', 'kubeconfig file (default: $KUBECONFIG, else ~/.kube/config, else in-cluster)')
    .option('--context <name>', 'kubeconfig context (default: the current context)')
    .option('-n, --namespace <name>', 'namespace of the run, a DNS label (default: kubernetes.namespace of the config for launch, else metatrain)', namespaceName)
    .option('--request-timeout <s>', `seconds to wait for each answer of the API server (default ${DEFAULT_REQUEST_TIMEOUT_MS / 1000})`, requestTimeoutSeconds);
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
    ...(o.requestTimeout !== undefined ? { requestTimeoutMs: o.requestTimeout * 1000 } : {}),
  });
}
