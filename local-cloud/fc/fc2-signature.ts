import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { ApiFaultError } from '../errors';
import type { Caller, KeyStore } from '../gate';

/** FC 2.0's own tolerance for the `date` header, as for V3 dates. */
export const FC2_SKEW_MS = 15 * 60_000;

/**
 * The string the `@alicloud/fc2` SDK signs (lib/helper.js `composeStringToSign`):
 * `METHOD\nContent-MD5\nContent-Type\nDate\n<x-fc-* headers, lower-case, sorted, "name:value\n">` + path,
 * where path is `/2016-08-15/...` as written by the SDK (not percent-encoded). Only `/proxy/` paths add
 * their query, as sorted `key=value` lines.
 */
export function fc2StringToSign(
  method: string,
  path: string,
  headers: Readonly<Record<string, string>>,
  queries?: Readonly<Record<string, string>>,
): string {
  const fcHeaders = Object.keys(headers)
    .map((k) => k.toLowerCase().trim())
    .filter((k) => k.startsWith('x-fc-'))
    .sort()
    .map((k) => `${k}:${headers[k] ?? ''}\n`)
    .join('');
  let text = `${method}\n${headers['content-md5'] ?? ''}\n${headers['content-type'] ?? ''}\n${headers['date'] ?? ''}\n${fcHeaders}${path}`;
  if (queries) {
    const params = Object.entries(queries)
      .map(([k, v]) => `${k}=${v}`)
      .sort();
    text += `\n${params.join('\n')}`;
  }
  return text;
}

/** `FC <AccessKeyId>:<base64 HMAC-SHA256(secret, stringToSign)>`, as `Client.getSignature` builds it. */
export function fc2Authorization(accessKeyId: string, accessKeySecret: string, stringToSign: string): string {
  return `FC ${accessKeyId}:${createHmac('sha256', accessKeySecret).update(stringToSign, 'utf8').digest('base64')}`;
}

/** The SDK's Content-MD5: base64 of the *hex* MD5 digest text (not of the raw digest). */
export function fc2ContentMd5(body: Buffer): string {
  return Buffer.from(createHash('md5').update(body).digest('hex'), 'utf8').toString('base64');
}

export interface Fc2Request {
  readonly method: string;
  readonly rawPath: string;
  readonly query: Readonly<Record<string, string>>;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

/** Single-valued, lower-case header map (Node already lower-cases names; repeats are joined as sent). */
function flatHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [k, v] of Object.entries(headers)) if (v !== undefined) out[k.toLowerCase()] = Array.isArray(v) ? v.join(',') : v;
  return out;
}

function decodedPath(rawPath: string): string {
  try {
    return rawPath
      .split('/')
      .map((s) => decodeURIComponent(s))
      .join('/');
  } catch {
    throw new ApiFaultError(400, 'InvalidArgument', 'the request path is not valid percent-encoding');
  }
}

const missingHeader = (name: string): ApiFaultError =>
  new ApiFaultError(400, 'MissingRequiredHeader', `required HTTP header ${name} was not specified`);

/**
 * The FC 2.0 gateway's check of the `FC` signature the fc2 SDK sends. It verifies what the SDK signs and
 * nothing it does not: the date must be within 15 minutes (there is no nonce in this scheme, so the date
 * is the only replay bound), the body must match its Content-MD5, the account header must name this
 * account, and an STS key must come with its own token (`x-fc-security-token`).
 */
export class Fc2SignatureGate {
  private readonly now: () => number;

  constructor(private readonly options: { readonly keys: KeyStore; readonly accountId: string; readonly now?: () => number }) {
    this.now = options.now ?? Date.now;
  }

  check(req: Fc2Request): Caller {
    const headers = flatHeaders(req.headers);
    const authorization = headers['authorization'];
    if (authorization === undefined) throw missingHeader('Authorization');
    const m = /^FC ([^:\s]+):([A-Za-z0-9+/=]+)$/.exec(authorization);
    if (!m) throw new ApiFaultError(400, 'InvalidArgument', 'Authorization must be "FC <AccessKeyId>:<signature>"');
    const accessKeyId = m[1]!;
    const signature = m[2]!;

    const date = headers['date'];
    if (date === undefined) throw missingHeader('Date');
    const at = Date.parse(date);
    if (!/GMT$/.test(date) || Number.isNaN(at))
      throw new ApiFaultError(400, 'InvalidArgument', `Date "${date}" is not an RFC 1123 GMT date`);
    if (Math.abs(this.now() - at) > FC2_SKEW_MS) {
      throw new ApiFaultError(
        403,
        'RequestTimeTooSkewed',
        `the difference between the request time (${date}) and the server time is more than 15 minutes`,
      );
    }

    const account = headers['x-fc-account-id'];
    if (account !== undefined && account !== this.options.accountId)
      throw new ApiFaultError(403, 'AccessDenied', `account ${account} is not this account`);

    const entry = this.options.keys.entry(accessKeyId);
    if (!entry) throw new ApiFaultError(403, 'InvalidAccessKeyID', `invalid access key ID '${accessKeyId}'`);
    if (entry.expiresAt !== undefined && entry.expiresAt <= this.now())
      throw new ApiFaultError(403, 'InvalidAccessKeyID', 'the security token has expired');
    if (entry.securityToken !== undefined && headers['x-fc-security-token'] !== entry.securityToken) {
      throw new ApiFaultError(
        403,
        'InvalidAccessKeyID',
        'the security token (x-fc-security-token) is missing or does not belong to this access key',
      );
    }

    const path = decodedPath(req.rawPath);
    const queries = path.includes('/proxy/') ? req.query : undefined;
    const expected = fc2Authorization(accessKeyId, entry.secret, fc2StringToSign(req.method, path, headers, queries)).slice(
      `FC ${accessKeyId}:`.length,
    );
    const a = Buffer.from(expected);
    const b = Buffer.from(signature);
    if (a.length !== b.length || !timingSafeEqual(a, b)) {
      throw new ApiFaultError(
        403,
        'SignatureNotMatch',
        'The request signature we calculated does not match the signature you provided. Check your access key and signing method',
      );
    }
    // Checked after the signature: the MD5 is signed, so a body swapped under a valid signature fails here.
    // (The SDK leaves it out only for streamed bodies, which the signature then does not cover.)
    const md5 = headers['content-md5'];
    if (md5 !== undefined && md5 !== fc2ContentMd5(req.body))
      throw new ApiFaultError(400, 'InvalidArgument', 'Content-MD5 does not match the request body');
    return { accessKeyId, securityToken: entry.securityToken };
  }
}
