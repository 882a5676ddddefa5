/** The Kubernetes connection options shared by launch, scale, status and stop: --kubeconfig, --context, --namespace. */
import type { Command } from 'commander';
import type { ClusterOptions } from '../k8s';

/** Adds the options to a subcommand. */
export function withClusterOptions(command: Command): Command {
  return command
    .option('--kubeconfig <file>', 'kubeconfig file (default: $KUBECONFIG, else ~/.kube/config, else in-cluster)')
    .option('--context <name>', 'kubeconfig context (default: the current context)')
    .option('-n, --namespace <name>', 'namespace of the run (default: kubernetes.namespace of the config for launch, else metatrain)');
}

/** The parsed options as ClusterOptions. */
export function clusterOptions(o: { kubeconfig?: string; context?: string; namespace?: string }): ClusterOptions {
  return {
    ...(o.kubeconfig !== undefined ? { kubeconfig: o.kubeconfig } : {}),
    ...(o.context !== undefined ? { context: o.context } : {}),
    ...(o.namespace !== undefined ? { namespace: o.namespace } : {}),
  };
}
