import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { ApiFaultError } from '../errors';
import type { Caller, KeyStore, NonceCache } from '../gate';

/** The date tolerance: EventBridge documents none for its own signature; the POP gateway's 15 minutes (*assumed*). */
export const EVENTBRIDGE_SKEW_MS = 15 * 60_000;

/**
 * The string EventBridge's data-plane signature covers, as `@alicloud/eventbridge-util` 1.x
 * `getStringToSign` builds it and https://www.alibabacloud.com/help/en/eventbridge/request-signatures
 * describes it: `METHOD\nContent-MD5\nContent-Type\nDate\n`, every `x-acs-*` header as `name:value\n`
 * (sorted; tabs and line breaks in values become spaces; trimmed), then the path and, with a query,
 * `?k=v&...` sorted and not encoded.
 */
export function stringToSign(
  method: string,
  path: string,
  headers: Readonly<Record<string, string>>,
  query: Readonly<Record<string, string>>,
): string {
  const acs = Object.keys(headers)
    .filter((k) => k.startsWith('x-acs-'))
    .sort()
    .map((k) => `${k}:${(headers[k] ?? '').replace(/[\t\n\r\f]/g, ' ').trim()}\n`)
    .join('');
  const keys = Object.keys(query).sort();
  const resource = keys.length === 0 ? path : `${path}?${keys.map((k) => `${k}=${query[k]}`).join('&')}`;
  return `${method}\n${headers['content-md5'] ?? ''}\n${headers['content-type'] ?? ''}\n${headers['date'] ?? ''}\n${acs}${resource}`;
}

function flat(headers: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [k, v] of Object.entries(headers)) if (v !== undefined) out[k.toLowerCase()] = Array.isArray(v) ? v.join(',') : v;
  return out;
}

export interface EventBridgeRequest {
  readonly method: string;
  readonly rawPath: string;
  readonly query: Readonly<Record<string, string>>;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

/** Codes and statuses from https://www.alibabacloud.com/help/en/eventbridge/latest/error-codes. */
const refused = {
  signature: () =>
    new ApiFaultError(
      403,
      'SignatureDoesNotMatch',
      'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
    ),
  key: () => new ApiFaultError(403, 'InvalidAccessKeyId', 'The access Id you provided is not exist.'),
  stsKey: () => new ApiFaultError(403, 'InvalidStsAccessKeyId', 'The sts access Id you provided is not exist.'),
  token: () => new ApiFaultError(403, 'SecurityTokenInvalid', 'The Security token that your provide is invalid.'),
  expired: () => new ApiFaultError(403, 'StsAccessIdExpired', 'The sts accessid has expired.'),
};

/**
 * The EventBridge gateway's check of the `acs` HMAC-SHA1 signature. The official SDK writes
 * `Authorization: acs:<AccessKeyId>:<signature>`; the API pages write `acs <AccessKeyId>:<signature>`:
 * both are taken. With STS keys the SDK sends the key again in `x-acs-accesskey-id` and the token in
 * `x-acs-security-token` (both signed, being `x-acs-*`). A nonce (`x-acs-signature-nonce`) is used
 * once; without one, only the date bounds a replay.
 */
export class EventBridgeSignatureGate {
  private readonly now: () => number;

  constructor(private readonly options: { readonly keys: KeyStore; readonly nonces: NonceCache; readonly now?: () => number }) {
    this.now = options.now ?? Date.now;
  }

  check(req: EventBridgeRequest): Caller {
    const headers = flat(req.headers);
    const authorization = headers['authorization'];
    if (authorization === undefined)
      throw new ApiFaultError(400, 'MissingAuthorization', 'the Authorization header is required: "acs <AccessKeyId>:<Signature>"');
    const m = /^acs[: ]([^:\s]+):([A-Za-z0-9+/=]+)$/.exec(authorization);
    if (!m) throw new ApiFaultError(400, 'InvalidAuthorization', 'Authorization must be "acs <AccessKeyId>:<Signature>"');
    const accessKeyId = m[1]!;
    const signature = m[2]!;

    const date = headers['date'];
    if (date === undefined) throw new ApiFaultError(400, 'MissingDate', 'the Date header is required');
    const at = Date.parse(date);
    if (!/GMT$/.test(date) || Number.isNaN(at)) throw new ApiFaultError(400, 'InvalidDate', `Date "${date}" is not an RFC 1123 GMT date`);
    if (Math.abs(this.now() - at) > EVENTBRIDGE_SKEW_MS)
      throw new ApiFaultError(403, 'RequestTimeTooSkewed', `the request time (${date}) is more than 15 minutes from the server time`);

    const entry = this.options.keys.entry(accessKeyId);
    if (!entry) throw accessKeyId.startsWith('STS.') ? refused.stsKey() : refused.key();
    if (entry.expiresAt !== undefined && entry.expiresAt <= this.now()) throw refused.expired();
    if (entry.securityToken !== undefined) {
      if (headers['x-acs-security-token'] !== entry.securityToken) throw refused.token();
      if (headers['x-acs-accesskey-id'] !== undefined && headers['x-acs-accesskey-id'] !== accessKeyId) throw refused.token();
    }

    const expected = createHmac('sha1', entry.secret)
      .update(stringToSign(req.method, req.rawPath, headers, req.query), 'utf8')
      .digest('base64');
    const a = Buffer.from(expected);
    const b = Buffer.from(signature);
    if (a.length !== b.length || !timingSafeEqual(a, b)) throw refused.signature();

    const nonce = headers['x-acs-signature-nonce'];
    if (nonce !== undefined && this.options.nonces.seen(accessKeyId, nonce)) {
      throw new ApiFaultError(403, 'SignatureNonceUsed', 'the x-acs-signature-nonce has been used before');
    }
    return { accessKeyId, securityToken: entry.securityToken };
  }
}
