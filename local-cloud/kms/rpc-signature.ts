import { createHmac, timingSafeEqual } from 'node:crypto';
import { ApiFaultError } from '../errors';
import type { Caller, KeyStore, NonceCache } from '../gate';

/**
 * The POP gateway's RPC signature (Signature V1, HMAC-SHA1), which KMS's RPC API accepts beside V3 and
 * which the official `@alicloud/kms20160120` 1.x client signs with (through `@alicloud/rpc-client`
 * `doRequest` and `@alicloud/rpc-util` `getSignatureV1`). The rules, from Alibaba Cloud's "RPC signature"
 * page (https://www.alibabacloud.com/help/en/sdk/product-overview/rpc-mechanism) and that SDK code:
 * - every parameter but `Signature` (query and form body) is percent-encoded (RFC 3986: `encodeURIComponent`
 *   plus `!'()*`), sorted by name and joined as `k=v&...`;
 * - StringToSign = `METHOD&%2F&` + percent-encoded canonical query;
 * - Signature = base64(HMAC-SHA1(AccessKeySecret + "&", StringToSign));
 * - `SignatureMethod=HMAC-SHA1`, `SignatureVersion=1.0`, `AccessKeyId`, `SignatureNonce` and an ISO 8601
 *   UTC `Timestamp` are required; STS keys add `SecurityToken`.
 * The 15-minute tolerance for Timestamp is the V3 gateway's (*assumed* the same for V1).
 */
export const RPC_SKEW_MS = 15 * 60_000;

const encode = (s: string): string => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

export function rpcStringToSign(method: string, params: Readonly<Record<string, string>>): string {
  const canonical = Object.keys(params)
    .filter((k) => k !== 'Signature')
    .sort()
    .map((k) => `${encode(k)}=${encode(params[k] ?? '')}`)
    .join('&');
  return `${method.toUpperCase()}&${encode('/')}&${encode(canonical)}`;
}

/** Whether a request is signed the RPC V1 way (and so belongs to this gate rather than the V3 one). */
export function isRpcV1(query: Readonly<Record<string, string>>): boolean {
  return query['SignatureVersion'] === '1.0' && query['Signature'] !== undefined;
}

const refused = {
  key: () => new ApiFaultError(404, 'InvalidAccessKeyId.NotFound', 'Specified access key is not found.'),
  token: () =>
    new ApiFaultError(400, 'InvalidSecurityToken.MismatchWithAccessKey', 'The security token does not belong to this access key.'),
  expired: () => new ApiFaultError(400, 'InvalidSecurityToken.Expired', 'The security token has expired.'),
};

function formParams(contentType: string | undefined, body: Buffer): Record<string, string> {
  if (body.length === 0 || !(contentType ?? '').toLowerCase().startsWith('application/x-www-form-urlencoded')) return {};
  return Object.fromEntries(new URLSearchParams(body.toString('utf8')));
}

export class RpcSignatureGate {
  private readonly now: () => number;

  constructor(private readonly options: { readonly keys: KeyStore; readonly nonces: NonceCache; readonly now?: () => number }) {
    this.now = options.now ?? Date.now;
  }

  check(req: {
    readonly method: string;
    readonly query: Readonly<Record<string, string>>;
    readonly headers: Readonly<Record<string, string | string[] | undefined>>;
    readonly body: Buffer;
  }): Caller {
    const contentType = req.headers['content-type'];
    const params = { ...formParams(typeof contentType === 'string' ? contentType : undefined, req.body), ...req.query };
    for (const name of ['AccessKeyId', 'SignatureMethod', 'SignatureNonce', 'Timestamp', 'Signature']) {
      if (!params[name]) throw new ApiFaultError(400, `Missing${name}`, `${name} is mandatory for this action.`);
    }
    if (params['SignatureMethod'] !== 'HMAC-SHA1')
      throw new ApiFaultError(400, 'InvalidSignatureMethod', 'Specified signature method is not valid.');
    const at = Date.parse(params['Timestamp']!);
    if (!/Z$/.test(params['Timestamp']!) || Number.isNaN(at))
      throw new ApiFaultError(400, 'InvalidTimeStamp.Format', 'Specified time stamp or date value is not well formatted.');
    if (Math.abs(this.now() - at) > RPC_SKEW_MS)
      throw new ApiFaultError(400, 'InvalidTimeStamp.Expired', 'Specified time stamp or date value is expired.');

    const accessKeyId = params['AccessKeyId']!;
    const entry = this.options.keys.entry(accessKeyId);
    if (!entry) throw refused.key();
    if (entry.expiresAt !== undefined && entry.expiresAt <= this.now()) throw refused.expired();
    if (entry.securityToken !== undefined && params['SecurityToken'] !== entry.securityToken) throw refused.token();

    const expected = createHmac('sha1', `${entry.secret}&`).update(rpcStringToSign(req.method, params), 'utf8').digest('base64');
    const a = Buffer.from(expected);
    const b = Buffer.from(params['Signature']!);
    if (a.length !== b.length || !timingSafeEqual(a, b)) {
      throw new ApiFaultError(400, 'SignatureDoesNotMatch', 'Specified signature is not matched with our calculation.');
    }
    if (this.options.nonces.seen(accessKeyId, params['SignatureNonce']!))
      throw new ApiFaultError(400, 'SignatureNonceUsed', 'Specified signature nonce was used already.');
    return { accessKeyId, securityToken: entry.securityToken };
  }
}
