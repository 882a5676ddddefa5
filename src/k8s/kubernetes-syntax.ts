/**
 * Syntax the Kubernetes API server checks on the fields the `kubernetes` section fills in (zod only, no client), so
 * that `metatrain launch` refuses them before anything is sent, naming the field. The rules are those of
 * k8s.io/apimachinery `validation` (IsDNS1123Subdomain, IsQualifiedName, IsValidLabelValue), `resource.Quantity`
 * and the image reference grammar of distribution/reference.
 */
import { z } from 'zod';

const DNS1123_LABEL = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const QUALIFIED_NAME = '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]';

/** The rule of {@link dnsLabel}, as its error says it. */
export const DNS_LABEL_RULE = 'must be a DNS label: lowercase letters, digits and -, starting and ending with a letter or digit, at most 63 characters';

/** A DNS-1123 label (namespace names, IsDNS1123Label): at most 63 lowercase letters, digits and `-`, starting and ending with a letter or digit. */
export const dnsLabel = z.string().regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, DNS_LABEL_RULE);

/** A DNS-1123 subdomain (StorageClass and other object names): at most 253 characters, lowercase labels joined by dots. */
export const dns1123Subdomain = z
  .string()
  .max(253, 'must be at most 253 characters (a DNS-1123 subdomain)')
  .regex(new RegExp(`^${DNS1123_LABEL}(\\.${DNS1123_LABEL})*$`), 'must be a DNS-1123 subdomain: lowercase letters, digits, - and ., starting and ending with a letter or digit');

/**
 * A label key or other qualified name (node selector keys, toleration keys, extended resource names): an optional
 * DNS-1123 subdomain prefix and `/`, then a name of at most 63 characters of letters, digits, `-`, `_`, `.`,
 * starting and ending with a letter or digit.
 */
export const qualifiedName = z.string().superRefine((key, ctx) => {
  const slash = key.lastIndexOf('/');
  const [prefix, name] = slash < 0 ? [undefined, key] : [key.slice(0, slash), key.slice(slash + 1)];
  if (prefix !== undefined && !dns1123Subdomain.safeParse(prefix).success) ctx.addIssue({ code: 'custom', message: `prefix ${JSON.stringify(prefix)} must be a DNS-1123 subdomain (lowercase letters, digits, - and ., at most 253 characters)` });
  if (name.length > 63) ctx.addIssue({ code: 'custom', message: `name part must be at most 63 characters, got ${name.length}` });
  else if (!new RegExp(`^${QUALIFIED_NAME}$`).test(name)) ctx.addIssue({ code: 'custom', message: 'name part must be letters, digits, -, _ and ., starting and ending with a letter or digit' });
});

/** A label value: empty, or at most 63 characters of letters, digits, `-`, `_`, `.`, starting and ending with a letter or digit. */
export const labelValue = z
  .string()
  .max(63, 'must be at most 63 characters (a label value)')
  .regex(new RegExp(`^(${QUALIFIED_NAME})?$`), 'must be a label value: letters, digits, -, _ and ., starting and ending with a letter or digit');

const QUANTITY = /^([0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:([KMGTPE]i)|([numkMGTPE])|[eE]([-+]?[0-9]+))?$/;

/**
 * A resource quantity such as `500m`, `2`, `1.5`, `4Gi`, `1e3` (Kubernetes `resource.Quantity`, no sign), as a
 * string. A YAML number (`cpu: 2`) is a quantity too, as in a Kubernetes manifest (int-or-string): it is read as its
 * decimal string.
 */
export const quantity = z.preprocess(
  (v) => (typeof v === 'number' && Number.isFinite(v) ? String(v) : v),
  z.string().regex(QUANTITY, { message: 'must be a Kubernetes quantity such as 500m, 2, 1.5 or 4Gi', abort: true }),
);

const BINARY_POWER: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
const DECIMAL_POWER: Record<string, number> = { n: -9, u: -6, m: -3, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };

/**
 * The value of a {@link quantity} as a number (`500m` → 0.5, `4Gi` → 4294967296, `1e3` → 1000), to compare
 * quantities as the API server does (requests ≤ limits, a claim's size > 0); precise to a double's 53 bits, which
 * orders any two quantities a config writes. client-node's `quantityToScalar` is not exported and throws on
 * fractions with a suffix (`1.5Gi`).
 * @throws RangeError when `q` is not a quantity.
 */
export function quantityValue(q: string): number {
  const m = QUANTITY.exec(q);
  if (!m) throw new RangeError(`not a Kubernetes quantity: ${JSON.stringify(q)}`);
  const [, mantissa, binary, decimal, exponent] = m;
  if (binary !== undefined) return Number(mantissa) * 2 ** BINARY_POWER[binary]!;
  return Number(mantissa) * 10 ** (decimal !== undefined ? DECIMAL_POWER[decimal]! : Number(exponent ?? 0));
}

/**
 * An image reference `[registry[:port]/]path[:tag][@digest]` (distribution/reference): lowercase path components,
 * a tag of at most 128 characters of letters, digits, `_`, `.`, `-` (not starting with `.` or `-`), a digest
 * `algorithm:hex`; at most 255 characters of name.
 */
export const imageReference = z
  .string()
  .regex(
    /^(?:(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::[0-9]+)?|\[[0-9a-fA-F:]+\](?::[0-9]+)?)\/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*(?::[\w][\w.-]{0,127})?(?:@[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,})?$/,
    'must be an image reference such as registry.example.com:5000/team/metatrain:1.2.0 (lowercase repository path, optional :tag of at most 128 characters, optional @sha256:digest)',
  )
  .refine((ref) => repositoryName(ref).length <= 255, 'the repository name (before :tag and @digest) must be at most 255 characters');

function repositoryName(ref: string): string {
  const name = ref.split('@')[0]!;
  const tag = name.indexOf(':', name.lastIndexOf('/') + 1);
  return tag < 0 ? name : name.slice(0, tag);
}
