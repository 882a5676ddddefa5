/**
 * The rule of a `host:port` address (`[v6]:port` too) with a port in decimal digits: the coordinator's `--listen`
 * (src/cli/options.ts) and `runtime.listen` of the run config (src/coordinator/runtime-config.ts) follow it alike;
 * and where to dial a URL's host and port ({@link urlAddress}), and its port as written ({@link writtenUrlTail}).
 */

/**
 * What is wrong with `value` as a `host:port` address whose port is `minPort`..65535 written without a leading zero
 * (`h:018080`: `… written without a leading zero (write h:18080)`), or undefined when nothing is; the value itself is
 * left out of the text (the caller adds it).
 * @param note appended to the port range (`, 0 = any free port`).
 */
export function hostPortProblem(value: string, minPort: number, note = ''): string | undefined {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(value);
  if (scheme) return `expected host:port without a scheme (drop ${scheme[1]}://)`;
  const m = /^(.+):(\d+)$/.exec(value);
  const port = m ? Number(m[2]) : NaN;
  if (!m || port < minPort || port > 65535) return `expected host:port with a port from ${minPort} to 65535${note}`;
  const written = digitsWithoutLeadingZero(m[2]!);
  if (written !== undefined) return `expected host:port with a port from ${minPort} to 65535${note} written without a leading zero (write ${m[1]}:${written})`;
  return undefined;
}

/**
 * Decimal digits (a port, an integer option) as written without their leading zeros (`018080`: `18080`, `00`: `0`),
 * or undefined when they have none (`0`, `8080`): a number written so is 18080 to one reader and not a number, or
 * octal, to another.
 */
export function digitsWithoutLeadingZero(digits: string): string | undefined {
  return /^0[0-9]/.test(digits) ? digits.replace(/^0+(?=.)/, '') : undefined;
}

/**
 * Where to dial `url`: its host (an IPv6 address without its brackets) and its port, `defaultPort` where it names
 * none (by default the scheme's: 443 for `https:`, else 80). Never throws.
 */
export function urlAddress(url: URL, defaultPort = url.protocol === 'https:' ? 443 : 80): { host: string; port: number } {
  return { host: url.hostname.replace(/^\[|\]$/g, ''), port: url.port === '' ? defaultPort : Number(url.port) };
}

/**
 * The port of the URL `text` (`nats://h:04222`, `http://user:pw@[::1]:018080/status`, or `h:04222` without a scheme)
 * as written (`04222`; '' when none), and what follows the host and port (`/path?x=1`, '' when nothing): `URL` reads
 * the one as a number and keeps the other apart, so that neither says what was written.
 */
export function writtenUrlTail(text: string): { port: string; after: string } {
  const [, authority = '', after = ''] = /^(?:[a-z][a-z0-9+.-]*:\/\/)?([^/?#]*)(.*)$/is.exec(text) ?? [];
  const hostPort = authority.slice(authority.lastIndexOf('@') + 1);
  return { port: /^(?:\[[^\]]*\]|[^:]*):(.*)$/.exec(hostPort)?.[1] ?? '', after };
}
