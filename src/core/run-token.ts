/**
 * What a run token may hold, one rule for every process that reads one (the coordinator, workers, `watch`) and for
 * `metatrain launch`, which stores it in the run's Secret for the pods.
 */

/**
 * Why `token` cannot be a run token, without echoing it; undefined when it can. It travels in a gRPC
 * `authorization: Bearer TOKEN` header (RFC 9110 field value; grpc-js refuses other bytes on every call, so a worker
 * would retry for ever), hence visible ASCII only (0x21–0x7E): no spaces, control bytes or non-ASCII letters.
 */
export function runTokenProblem(token: string): string | undefined {
  const at = token.search(/[^\x21-\x7e]/);
  if (at < 0) return undefined;
  const code = token.codePointAt(at)!;
  return `the token holds U+${code.toString(16).toUpperCase().padStart(4, '0')} at character ${at + 1}; a run token is visible ASCII only (letters, digits, punctuation: no spaces, control bytes or accented letters), as \`metatrain launch\` makes it (hex)`;
}
