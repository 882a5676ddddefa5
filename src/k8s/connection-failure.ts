/**
 * Failures before the API server answered that are neither a network failure (api-error.ts networkCode) nor a
 * timeout: its TLS certificate is not trusted or out of its validity dates, it speaks plain HTTP to an https:// URL, or the kubeconfig user's
 * `exec` credential plugin cannot be run. They were reported as "URL is not a Kubernetes API server … answered what
 * is not an API answer", though nothing answered.
 */
import { findInCauseChain } from '../core/error-chain';

/** A failure to talk to the API server: a KubernetesError reason and what is wrong, with what to do. */
export interface ConnectionFailure {
  /** `TlsUntrusted`, `TlsOutOfDate`, `TlsWrongHost`, `PlainHttp` or `CredentialPlugin`. */
  readonly reason: string;
  /** What is wrong and what to do, to follow "cannot talk to the Kubernetes API server at URL (context …): ". */
  readonly detail: string;
}

/** Node's codes of a certificate chain that is not trusted (OpenSSL's X509_V_ERR_* names). */
const UNTRUSTED = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_UNTRUSTED',
]);

/** Node's codes of a certificate outside its validity dates, and what to say of it. */
const OUT_OF_DATE: Record<string, string> = {
  CERT_HAS_EXPIRED: 'has expired',
  CERT_NOT_YET_VALID: 'is not valid yet',
};

/** What Node says about the certificate (`self-signed certificate`), from a node-fetch message `…, reason: WHAT`. */
function nodeReason(e: { message?: unknown }): string {
  const message = String(e.message ?? '');
  const at = message.lastIndexOf('reason: ');
  return (at >= 0 ? message.slice(at + 'reason: '.length) : message).split('\n')[0]!.trim();
}

/** The failure of one error of a chain, or undefined. */
function failureOf(e: { code?: unknown; syscall?: unknown; path?: unknown; message?: unknown }): ConnectionFailure | undefined {
  const code = typeof e.code === 'string' ? e.code : '';
  if (UNTRUSTED.has(code)) {
    return {
      reason: 'TlsUntrusted',
      detail: `its TLS certificate is not trusted (${nodeReason(e)}). Set certificate-authority (a PEM file) or certificate-authority-data of the cluster in the kubeconfig to the CA that signed it (kubectl config view --raw shows what kubectl uses), or, for a test cluster only, insecure-skip-tls-verify: true`,
    };
  }
  const outOfDate = OUT_OF_DATE[code];
  if (outOfDate !== undefined) {
    return {
      reason: 'TlsOutOfDate',
      detail: `its TLS certificate (or one of its chain) ${outOfDate} (${nodeReason(e)}). Check that this machine's clock is right (date); if it is, the cluster's certificates need renewing (kubeadm certs renew, or your provider's rotation)`,
    };
  }
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    return { reason: 'TlsWrongHost', detail: `its TLS certificate is not for this host (${nodeReason(e)}). Use a server URL whose host the certificate names, or set tls-server-name of the cluster in the kubeconfig` };
  }
  if ((code === 'EPROTO' || code === 'ERR_SSL_WRONG_VERSION_NUMBER') && /wrong version number/i.test(String(e.message))) {
    return { reason: 'PlainHttp', detail: 'the server speaks plain HTTP, not HTTPS: use http:// in the server URL of the kubeconfig (as for `kubectl proxy`), or the port where the API server serves HTTPS' };
  }
  if (typeof e.syscall === 'string' && e.syscall.startsWith('spawn ') && (code === 'ENOENT' || code === 'EACCES')) {
    const command = typeof e.path === 'string' ? e.path : e.syscall.slice('spawn '.length);
    const what = code === 'ENOENT' ? 'not found' : 'not executable (permission denied)';
    return { reason: 'CredentialPlugin', detail: `credential plugin ${command} ${what}: the user of the context runs it to get a token (exec.command in the kubeconfig). Install it and put it on PATH, or pick another --context` };
  }
  return undefined;
}

/** The ConnectionFailure of `err` or of its causes, or undefined when it is none of them. */
export function connectionFailure(err: unknown): ConnectionFailure | undefined {
  return findInCauseChain(err, (e) => failureOf(e as Record<string, unknown>));
}
