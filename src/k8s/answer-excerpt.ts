/** A short one-line excerpt of an HTTP answer's body, for messages about answers that are not what was asked for. */

/** Longest excerpt of an answer that is not a Status (an HTML page) put into a message. */
const EXCERPT_CHARS = 120;

/**
 * A short one-line excerpt of an answer body for messages: an HTML page's head, scripts and styles dropped (a title
 * repeated as the heading is said once) unless nothing else is left, tags dropped, white space collapsed, at most
 * {@link EXCERPT_CHARS} characters, quoted; `no body` when empty.
 */
export function bodyExcerpt(body: unknown): string {
  const raw = typeof body === 'string' ? body : body === undefined ? '' : JSON.stringify(body);
  const words = (html: string) => html.replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ').trim();
  const text = words(raw.replace(/<(head|script|style)\b[^>]*>[\s\S]*?<\/\1\s*>/gi, ' ')) || words(raw);
  if (text === '') return 'no body';
  return JSON.stringify(text.length > EXCERPT_CHARS ? `${text.slice(0, EXCERPT_CHARS)}…` : text);
}
