import { createHash, createHmac, randomUUID } from 'node:crypto';
import { acsEncode, canonicalUri } from './encoding';

export const ALGORITHM = 'ACS3-HMAC-SHA256';
export const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

export interface AccessKey {
  readonly accessKeyId: string;
  readonly accessKeySecret: string;
  /** Present for STS credentials (FC roles); sent as x-acs-security-token and signed. */
  readonly securityToken?: string | undefined;
}

export type QueryParams = Readonly<Record<string, string | undefined>>;

/** A request as it goes on the wire, before signing. `path` is already percent-encoded. */
export interface RequestToSign {
  readonly method: string;
  readonly path: string;
  readonly query?: QueryParams;
  /** Header names in any case; host, content-type and x-acs-* are signed. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: Buffer | string | undefined;
}

export interface SignOptions {
  readonly action: string;
  readonly version: string;
  /** Fixed values are for test vectors; leave unset in production. */
  readonly date?: Date | string;
  readonly nonce?: string;
}

export function sha256Hex(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

export function formatAcsDate(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function canonicalQuery(query: QueryParams | undefined): string {
  if (!query) return '';
  // Keys are sorted by code unit and left unencoded, values encoded: the SDK's and gateway's rule.
  return Object.keys(query)
    .sort()
    .map((key) => {
      const value = query[key];
      return value === undefined || value === null ? `${key}=` : `${key}=${acsEncode(value)}`;
    })
    .join('&');
}

export interface CanonicalHeaders {
  readonly canonical: string;
  readonly signedHeaders: string;
}

export function canonicalHeaders(headers: Readonly<Record<string, string>>): CanonicalHeaders {
  const grouped = new Map<string, string[]>();
  for (const [name, raw] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    if (lower !== 'host' && lower !== 'content-type' && !lower.startsWith('x-acs-')) continue;
    const value = (raw ?? '').trim();
    const list = grouped.get(lower);
    if (list) list.push(value);
    else grouped.set(lower, [value]);
  }
  const names = [...grouped.keys()].sort();
  let canonical = '';
  for (const name of names) canonical += `${name}:${grouped.get(name)!.sort().join(',')}\n`;
  return { canonical, signedHeaders: names.join(';') };
}

export function buildCanonicalRequest(req: RequestToSign, hashedPayload: string): { canonicalRequest: string; signedHeaders: string } {
  const { canonical, signedHeaders } = canonicalHeaders(req.headers);
  const canonicalRequest = [
    req.method.toUpperCase(),
    canonicalUri(req.path),
    canonicalQuery(req.query),
    canonical,
    signedHeaders,
    hashedPayload,
  ].join('\n');
  return { canonicalRequest, signedHeaders };
}

export function computeSignature(canonicalRequest: string, secret: string): string {
  const stringToSign = `${ALGORITHM}\n${sha256Hex(canonicalRequest)}`;
  return createHmac('sha256', secret).update(stringToSign).digest('hex');
}

/** 122 random bits; randomUUID draws from a pre-filled entropy cache, a tenth of randomBytes' cost a call. */
export function newNonce(): string {
  return randomUUID();
}

/**
 * Adds the V3 common headers and the Authorization header. Returns a new header object; the caller's
 * headers (host, content-type, any x-acs-*) are kept and signed.
 */
export function signRequest(req: RequestToSign, key: AccessKey, opts: SignOptions): Record<string, string> {
  const body = req.body ?? '';
  const hashedPayload = body.length === 0 ? EMPTY_SHA256 : sha256Hex(body);
  const date = opts.date === undefined ? formatAcsDate(new Date()) : typeof opts.date === 'string' ? opts.date : formatAcsDate(opts.date);
  const headers: Record<string, string> = {
    ...req.headers,
    'x-acs-action': opts.action,
    'x-acs-version': opts.version,
    'x-acs-date': date,
    'x-acs-signature-nonce': opts.nonce ?? newNonce(),
    'x-acs-content-sha256': hashedPayload,
  };
  if (key.securityToken) headers['x-acs-security-token'] = key.securityToken;
  const { canonicalRequest, signedHeaders } = buildCanonicalRequest({ ...req, headers }, hashedPayload);
  const signature = computeSignature(canonicalRequest, key.accessKeySecret);
  headers['authorization'] = `${ALGORITHM} Credential=${key.accessKeyId},SignedHeaders=${signedHeaders},Signature=${signature}`;
  return headers;
}
