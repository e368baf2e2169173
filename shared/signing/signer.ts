import * as crypto from 'node:crypto';
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

/**
 * crypto.hash (Node 20.12+) digests in one native call, without the Hash object createHash builds and
 * drops every time; older runtimes keep the stream form.
 */
const oneShotHash: typeof crypto.hash | undefined = (crypto as Partial<typeof crypto>).hash;

export function sha256Hex(data: Buffer | string): string {
  return oneShotHash ? oneShotHash('sha256', data, 'hex') : createHash('sha256').update(data).digest('hex');
}

/** ISO 8601 to the second: toISOString's `.sssZ` tail becomes `Z`. */
export function formatAcsDate(date: Date): string {
  return `${date.toISOString().slice(0, -5)}Z`;
}

export function canonicalQuery(query: QueryParams | undefined): string {
  if (!query) return '';
  // Keys are sorted by code unit and left unencoded, values encoded: the SDK's and gateway's rule.
  const keys = Object.keys(query);
  if (keys.length > 1) keys.sort();
  let out = '';
  for (const key of keys) {
    const value = query[key];
    out += `${out === '' ? '' : '&'}${key}=${value === undefined || value === null ? '' : acsEncode(value)}`;
  }
  return out;
}

export interface CanonicalHeaders {
  readonly canonical: string;
  readonly signedHeaders: string;
}

/** host, content-type and every x-acs-* header are signed; the rest (accept, user-agent…) are not. */
function isSignedHeader(lower: string): boolean {
  return lower === 'host' || lower === 'content-type' || lower.startsWith('x-acs-');
}

/** Orders by name, then by value: a header given under several spellings is signed with its values sorted. */
function byNameThenValue(a: readonly [string, string], b: readonly [string, string]): number {
  if (a[0] !== b[0]) return a[0] < b[0] ? -1 : 1;
  return a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0;
}

/**
 * One sorted list of (lower-case name, trimmed value) pairs, folded into `name:v1,v2` lines: the same
 * text as grouping by name first, without a Map and an array per header on every signature.
 */
export function canonicalHeaders(headers: Readonly<Record<string, string>>): CanonicalHeaders {
  const pairs: [string, string][] = [];
  for (const name of Object.keys(headers)) {
    const lower = name.toLowerCase();
    if (isSignedHeader(lower)) pairs.push([lower, (headers[name] ?? '').trim()]);
  }
  pairs.sort(byNameThenValue);
  let canonical = '';
  const names: string[] = [];
  for (const [name, value] of pairs) {
    // Another value of the header on the line just written: `name:v1` becomes `name:v1,v2`.
    if (names[names.length - 1] === name) canonical = `${canonical.slice(0, -1)},${value}\n`;
    else {
      names.push(name);
      canonical += `${name}:${value}\n`;
    }
  }
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
