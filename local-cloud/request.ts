import type { IncomingMessage } from 'node:http';
import { ApiFaultError } from './errors';

export { firstHeader } from '../shared/http-client';

/**
 * Splits a request target the way the V3 verifier needs it: the path exactly as sent (it was signed
 * encoded), the query decoded (it was signed decoded). `+` stays `+`: the official SDK sends a space as
 * %20, so a raw `+` is a plus. The object has no prototype so `__proto__` stays an ordinary key.
 */
export function parseTarget(target: string): { rawPath: string; query: Record<string, string> } {
  const q = target.indexOf('?');
  const rawPath = q === -1 ? target : target.slice(0, q);
  const query = Object.create(null) as Record<string, string>;
  if (q === -1) return { rawPath, query };
  for (const pair of target.slice(q + 1).split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    try {
      query[decodeURIComponent(eq === -1 ? pair : pair.slice(0, eq))] = eq === -1 ? '' : decodeURIComponent(pair.slice(eq + 1));
    } catch {
      throw new ApiFaultError(400, 'InvalidParameter', 'The query string is not valid percent-encoding.');
    }
  }
  return { rawPath, query };
}

/** Splits an encoded path into decoded segments; a segment that is not valid percent-encoding is refused. */
export function pathSegments(rawPath: string): string[] {
  return rawPath
    .split('/')
    .filter((s) => s !== '')
    .map((s) => {
      try {
        return decodeURIComponent(s);
      } catch {
        throw new ApiFaultError(400, 'InvalidParameter', 'The request path is not valid percent-encoding.');
      }
    });
}

/** Reads the whole body, refusing more than `limit` bytes (the gateway's payload limit). */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      if (tooLarge) return;
      size += chunk.length;
      if (size > limit) {
        tooLarge = true;
        chunks.length = 0;
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (tooLarge) reject(new ApiFaultError(413, 'EntityTooLarge', `The request body exceeds ${limit} bytes.`));
      else resolve(Buffer.concat(chunks));
    });
    req.on('error', reject);
  });
}

/** JSON body of a ROA request; an empty body is `{}`. */
export function jsonBody(body: Buffer): Record<string, unknown> {
  if (body.length === 0) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    throw new ApiFaultError(400, 'InvalidParameter', 'The request body is not valid JSON.');
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ApiFaultError(400, 'InvalidParameter', 'The request body must be a JSON object.');
  }
  return parsed as Record<string, unknown>;
}
