/**
 * The fields of a kubeconfig file (https://kubernetes.io/docs/reference/config-api/kubeconfig.v1/) that
 * `@kubernetes/client-node` reads, with the types it assumes. It checks none of them: a wrong type either fails inside
 * it with a TypeError that names no field (`server: 5`: "elt.cluster.server.replace is not a function") or is
 * silently dropped (`clusters: 5` reads as no clusters). Fields it does not read (preferences, extensions …) may hold
 * anything. Lists may be null, as `kubectl config view` writes them when empty.
 */
import { z } from 'zod';
import { expectedInWords } from '../core/expected-in-words';

/** An optional string field. */
const text = z.string().nullish();
/** A string field that must be given and not empty (client-node refuses a missing or empty name, server, cluster). */
const required = z.string().min(1);

const clusterSchema = z.looseObject({
  name: required,
  cluster: z.looseObject({
    server: required,
    'certificate-authority': text,
    'certificate-authority-data': text,
    'insecure-skip-tls-verify': z.boolean().nullish(),
    'tls-server-name': text,
    'proxy-url': text,
  }),
});

const userSchema = z.looseObject({
  name: required,
  user: z
    .looseObject({
      token: text,
      'token-file': text,
      'client-certificate': text,
      'client-certificate-data': text,
      'client-key': text,
      'client-key-data': text,
      username: text,
      password: text,
      as: text,
      'auth-provider': z.looseObject({ name: required, config: z.record(z.string(), z.string()).nullish() }).nullish(),
      exec: z
        .looseObject({
          command: required,
          args: z.array(z.string()).nullish(),
          env: z.array(z.looseObject({ name: required, value: z.string() })).nullish(),
        })
        .nullish(),
    })
    .nullish(),
});

const contextSchema = z.looseObject({
  name: required,
  context: z.looseObject({ cluster: required, user: text, namespace: text }),
});

const kubeconfigSchema = z.looseObject({
  clusters: z.array(clusterSchema).nullish(),
  users: z.array(userSchema).nullish(),
  contexts: z.array(contextSchema).nullish(),
  'current-context': text,
});

/** What a parsed YAML value is, in words (never the value itself: a kubeconfig holds secrets). */
function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'a mapping' : `a ${typeof value}`;
}

/** A field path as kubectl and client-node write it: `clusters[0].cluster.server`. */
function fieldPath(path: ReadonlyArray<PropertyKey>): string {
  return path.map((key, i) => (typeof key === 'number' ? `[${key}]` : `${i === 0 ? '' : '.'}${String(key)}`)).join('');
}

/** A kubeconfig file's mapping, its fields of the types client-node reads; other fields are kept as they are. */
export type Kubeconfig = z.output<typeof kubeconfigSchema>;
/** An entry of `clusters`. */
export type ClusterEntry = z.output<typeof clusterSchema>;
/** An entry of `users`. */
export type UserEntry = z.output<typeof userSchema>;

/**
 * `data`, the parsed YAML mapping of a kubeconfig file, as a {@link Kubeconfig}, or the first of its fields that
 * client-node cannot use: `clusters[0].cluster.server must be a string, not a number`, `clusters must be a list, not
 * a number`, `contexts[1].context.cluster is missing`, `users[0].name is empty`. Values are not echoed.
 */
export function checkKubeconfig(data: unknown): { readonly kubeconfig: Kubeconfig } | { readonly problem: string } {
  const result = kubeconfigSchema.safeParse(data, {
    error: (issue) => {
      if (issue.code === 'too_small') return 'is empty';
      if (issue.code !== 'invalid_type') return undefined;
      return issue.input === undefined ? 'is missing' : `must be ${expectedInWords(issue.expected)}, not ${kindOf(issue.input)}`;
    },
  });
  if (result.success) return { kubeconfig: result.data };
  const [issue] = result.error.issues;
  return { problem: `${fieldPath(issue!.path)} ${issue!.message}` };
}
