import type { IncomingHttpHeaders } from 'node:http';
import type { ReceivedRequest } from '../../shared/signing';

/**
 * Splits a request target (`/path?query`) the way a server must before it verifies a V3 signature:
 * the path stays exactly as sent (the signer signed the encoded form), the query is decoded because the
 * signer signed decoded values.
 *
 * Query decoding is `decodeURIComponent` on `&`-separated `key=value` pairs, with `+` left as `+`:
 * the official SDK builds its query with `querystring.stringify`, which sends a space as `%20` and a plus
 * as `%2B`, so a literal `+` never means space on this wire. URLSearchParams (form decoding, `+` -> space)
 * would agree for the SDK but would corrupt a client that sends a raw `+` as RFC 3986 allows.
 * A key without `=` has the empty value, like a missing value in the canonical query (`key=`).
 * The result has no prototype so that a `__proto__` parameter stays an ordinary key.
 */
export function parseRequestTarget(target: string): { rawPath: string; query: Record<string, string> } {
  const q = target.indexOf('?');
  const rawPath = q === -1 ? target : target.slice(0, q);
  const query: Record<string, string> = Object.create(null) as Record<string, string>;
  if (q !== -1) {
    for (const pair of target.slice(q + 1).split('&')) {
      if (pair === '') continue;
      const eq = pair.indexOf('=');
      const key = decodeURIComponent(eq === -1 ? pair : pair.slice(0, eq));
      query[key] = eq === -1 ? '' : decodeURIComponent(pair.slice(eq + 1));
    }
  }
  return { rawPath, query };
}

/** What a node:http server hands to the verifier: lower-case header names (Node's), raw path, decoded query. */
export function receivedFromServer(method: string, target: string, headers: IncomingHttpHeaders, body: Buffer): ReceivedRequest {
  return { method, ...parseRequestTarget(target), headers, body };
}

/**
 * Simulates what a Node server sees for headers a Node client sent from an object: names lower-cased,
 * values stripped of the optional whitespace (space, tab) the HTTP parser removes. Callers must not pass
 * two names that differ only by case: a Node client keeps only the last one.
 */
export function headersAsReceived(sent: Readonly<Record<string, string>>): Record<string, string> {
  const received: Record<string, string> = {};
  for (const [name, value] of Object.entries(sent)) received[name.toLowerCase()] = value.replace(/^[ \t]+|[ \t]+$/g, '');
  return received;
}
