import { stringify as formStringify } from 'node:querystring';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AccessKey, ReceivedRequest } from '../../shared/signing';
import { acsEncode, signRequest, verifyRequest } from '../../shared/signing';
import { formatAcsDate, sha256Hex } from '../../shared/signing/signer';
import type { VerifyPolicy, VerifyResult } from '../../shared/signing/verifier';
import {
  accessKeyIdArb,
  actionArb,
  bodyArb,
  bodyPayload,
  hostArb,
  methodArb,
  nonceArb,
  padding,
  pathArb,
  queryArb,
  securityTokenArb,
  text,
  versionArb,
} from './arbitraries';
import { headersAsReceived, parseRequestTarget } from './received';

const NUM_RUNS = 2000;
const TAMPER_RUNS = 1000;
const MINUTE = 60_000;

/** A key store and a nonce store like the emulator's, fresh for each use. */
function policyFor(keys: Readonly<Record<string, string>>, now: number): VerifyPolicy & { readonly nonces: Set<string> } {
  const nonces = new Set<string>();
  return {
    nonces,
    secretFor: (id) => (Object.hasOwn(keys, id) ? keys[id] : undefined),
    nonceSeen: (id, nonce) => {
      const k = `${id}\n${nonce}`;
      if (nonces.has(k)) return true;
      nonces.add(k);
      return false;
    },
    now: () => now,
  };
}

/** The query part of a request target, encoded the way our client (acsEncode) or the SDK (querystring) would. */
function wireQuery(query: Readonly<Record<string, string | undefined>> | undefined, style: 'acs' | 'sdk'): string {
  if (!query || Object.keys(query).length === 0) return '';
  if (style === 'sdk') return `?${formStringify(query)}`;
  return `?${Object.entries(query)
    .map(([k, v]) => `${acsEncode(k)}=${acsEncode(v ?? '')}`)
    .join('&')}`;
}

// Header names a Node client can carry unchanged: one per lower-case name, none the signer sets itself.
const extraHeaderName = fc.constantFrom(
  'X-Acs-ResourceGroupId',
  'x-acs-resourcegroupid',
  'X-ACS-FOO',
  'x-acs-foo',
  'User-Agent',
  'accept',
  'x-fc-invocation-type',
  'X-Custom',
);
// Node puts header values on the wire as latin1 and refuses anything else, so values stay within it.
const latin1Value = fc.string({
  unit: fc.oneof(fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 1 }), fc.constantFrom('é', 'ü', '\u00a0', ',')),
  maxLength: 16,
});
const extraHeaders = fc
  .uniqueArray(fc.record({ name: extraHeaderName, value: fc.tuple(padding, latin1Value, padding).map((p) => p.join('')) }), {
    selector: (h) => h.name.toLowerCase(),
    maxLength: 4,
  })
  .map((list) => Object.fromEntries(list.map((h) => [h.name, h.value])));

const roundTripArb = fc.record({
  method: methodArb,
  host: hostArb,
  path: pathArb,
  query: queryArb,
  queryStyle: fc.constantFrom<'acs' | 'sdk'>('acs', 'sdk'),
  headers: extraHeaders,
  body: bodyArb,
  action: actionArb,
  version: versionArb,
  date: fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2099-12-31T23:59:59Z'), noInvalidDate: true }),
  skewMs: fc.integer({ min: -15 * MINUTE, max: 15 * MINUTE }),
  nonce: nonceArb,
  accessKeyId: accessKeyIdArb,
  accessKeySecret: text(30),
  securityToken: securityTokenArb,
});
type RoundTrip = typeof roundTripArb extends fc.Arbitrary<infer T> ? T : never;

/** Signs a generated request and returns it as a node:http server would receive it. */
function signAndReceive(c: RoundTrip): { received: ReceivedRequest; key: AccessKey; now: number } {
  const key: AccessKey = { accessKeyId: c.accessKeyId, accessKeySecret: c.accessKeySecret, securityToken: c.securityToken };
  const headers: Record<string, string> = { host: c.host, ...c.headers };
  if (c.body.kind === 'json') headers['content-type'] = 'application/json; charset=utf-8';
  const payload = bodyPayload(c.body);
  const signed = signRequest({ method: c.method, path: c.path, ...(c.query ? { query: c.query } : {}), headers, body: payload }, key, {
    action: c.action,
    version: c.version,
    date: c.date,
    nonce: c.nonce,
  });
  const received: ReceivedRequest = {
    method: c.method,
    ...parseRequestTarget(`${c.path}${wireQuery(c.query, c.queryStyle)}`),
    headers: headersAsReceived(signed),
    body: payload === undefined ? Buffer.alloc(0) : Buffer.from(payload),
  };
  // x-acs-date has whole seconds, so the skew is measured from the second the signer wrote.
  return { received, key, now: Date.parse(signed['x-acs-date']!) + c.skewMs };
}

describe('verifyRequest accepts what signRequest signs', () => {
  it(`round-trips ${NUM_RUNS} generated requests`, () => {
    fc.assert(
      fc.property(roundTripArb, (c) => {
        const { received, key, now } = signAndReceive(c);
        const result = verifyRequest(received, policyFor({ [key.accessKeyId]: key.accessKeySecret }, now));
        expect(result).toEqual({ ok: true, accessKeyId: key.accessKeyId, securityToken: key.securityToken || undefined });
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('accepts a header that arrived on several lines, in any order (headersDistinct)', () => {
    const key = { accessKeyId: 'AK1', accessKeySecret: 'secret-1' };
    const date = new Date('2024-05-01T08:00:00Z');
    const signed = signRequest({ method: 'GET', path: '/', headers: { host: 'h', 'x-acs-tag': 'b', 'X-Acs-Tag': ' a ' } }, key, {
      action: 'DescribeInstance',
      version: '2017-06-13',
      date,
      nonce: 'n-multi',
    });
    for (const lines of [
      ['b', 'a'],
      ['a', 'b'],
    ]) {
      const headers = { ...headersAsReceived(signed), 'x-acs-tag': lines };
      const result = verifyRequest(
        { method: 'GET', rawPath: '/', query: {}, headers, body: Buffer.alloc(0) },
        policyFor({ AK1: 'secret-1' }, date.getTime()),
      );
      expect(result.ok).toBe(true);
    }
  });
});

type Tamper = 'method' | 'path' | 'query' | 'body' | 'host' | 'action' | 'date' | 'signature' | 'secret';
const tamperArb = fc.constantFrom<Tamper>('method', 'path', 'query', 'body', 'host', 'action', 'date', 'signature', 'secret');

function tampered(req: ReceivedRequest, kind: Tamper, now: number): ReceivedRequest {
  const h = req.headers as Record<string, string>;
  switch (kind) {
    case 'method':
      return { ...req, method: req.method === 'POST' ? 'PUT' : 'POST' };
    case 'path':
      return { ...req, rawPath: `${req.rawPath}/x` };
    case 'query': {
      const [first] = Object.keys(req.query);
      return { ...req, query: first === undefined ? { x: '1' } : { ...req.query, [first]: `${req.query[first]}x` } };
    }
    case 'body':
      return { ...req, body: Buffer.concat([req.body, Buffer.from(' ')]) };
    case 'host':
      return { ...req, headers: { ...h, host: 'evil.example.com' } };
    case 'action':
      return {
        ...req,
        headers: { ...h, 'x-acs-action': 'UpdateAdminPassword' === h['x-acs-action'] ? 'DeleteInstance' : 'UpdateAdminPassword' },
      };
    case 'date': {
      // One second towards the verifier's clock, so the date stays within the allowed skew.
      const sent = Date.parse(h['x-acs-date']!);
      return { ...req, headers: { ...h, 'x-acs-date': formatAcsDate(new Date(sent + (now >= sent ? 1000 : -1000))) } };
    }
    case 'signature': {
      const auth = h['authorization']!;
      return { ...req, headers: { ...h, authorization: auth.slice(0, -1) + (auth.endsWith('0') ? '1' : '0') } };
    }
    case 'secret':
      return req;
  }
}

describe('verifyRequest refuses a tampered request without burning its nonce', () => {
  it(`refuses ${TAMPER_RUNS} generated tampered requests, then accepts the genuine one`, () => {
    fc.assert(
      fc.property(roundTripArb, tamperArb, (c, kind) => {
        const { received, key, now } = signAndReceive(c);
        const policy = policyFor({ [key.accessKeyId]: kind === 'secret' ? `${key.accessKeySecret}x` : key.accessKeySecret }, now);
        const result = verifyRequest(tampered(received, kind, now), policy);
        expect(result).toMatchObject({ ok: false, status: 400, code: kind === 'body' ? 'ContentSHA256NotMatch' : 'SignatureDoesNotMatch' });
        if (kind !== 'secret') expect(verifyRequest(received, policy).ok).toBe(true);
      }),
      { numRuns: TAMPER_RUNS },
    );
  });
});

describe('verifyRequest refusals, one by one', () => {
  const NOW = Date.parse('2024-05-01T08:00:00Z');
  const KEY: AccessKey = { accessKeyId: 'LTAI5tExample', accessKeySecret: 'example-secret', securityToken: 'CAIS+sts/token==' };
  const BODY = JSON.stringify({ whiteIpGroup: { groupName: 'grüppe-東京', ips: ['10.0.0.1'], whiteIpType: 'PRIVATE_ES' } });
  const PATH = '/openapi/instances/es-cn-abc123/private-network-white-ips';
  const QUERY = { clientToken: 'token-1', modifyMode: 'Cover' };

  function signed(overrides: { date?: Date | string; nonce?: string; key?: AccessKey } = {}): ReceivedRequest {
    const headers = signRequest(
      {
        method: 'POST',
        path: PATH,
        query: QUERY,
        headers: { host: 'elasticsearch.cn-hangzhou.aliyuncs.com', 'content-type': 'application/json; charset=utf-8' },
        body: BODY,
      },
      overrides.key ?? KEY,
      {
        action: 'UpdatePrivateNetworkWhiteIps',
        version: '2017-06-13',
        date: overrides.date ?? new Date(NOW),
        nonce: overrides.nonce ?? 'nonce-1',
      },
    );
    return {
      method: 'POST',
      ...parseRequestTarget(`${PATH}?clientToken=token-1&modifyMode=Cover`),
      headers: headersAsReceived(headers),
      body: Buffer.from(BODY),
    };
  }
  const policy = () => policyFor({ [KEY.accessKeyId]: KEY.accessKeySecret }, NOW);
  const withHeaders = (req: ReceivedRequest, change: (h: Record<string, string | string[] | undefined>) => void): ReceivedRequest => {
    const headers = { ...req.headers };
    change(headers);
    return { ...req, headers };
  };
  const refusal = (result: VerifyResult) => (result.ok ? { ok: true } : { status: result.status, code: result.code });

  it('accepts the untouched request and reports the caller', () => {
    expect(verifyRequest(signed(), policy())).toEqual({ ok: true, accessKeyId: KEY.accessKeyId, securityToken: KEY.securityToken });
  });

  it('refuses a request without Authorization', () => {
    const req = withHeaders(signed(), (h) => delete h['authorization']);
    expect(refusal(verifyRequest(req, policy()))).toEqual({ status: 400, code: 'MissingAuthorization' });
  });

  it('refuses another signature algorithm', () => {
    const req = withHeaders(signed(), (h) => {
      h['authorization'] = (h['authorization'] as string).replace('ACS3-HMAC-SHA256', 'ACS3-HMAC-SM3');
    });
    expect(refusal(verifyRequest(req, policy()))).toEqual({ status: 400, code: 'InvalidSignatureMethod' });
  });

  it.each([
    ['a missing comma', (a: string) => a.replace(',SignedHeaders', ' SignedHeaders')],
    ['no Credential', (a: string) => a.replace(/Credential=[^,]+,/, '')],
    ['a short signature', (a: string) => a.slice(0, -2)],
    ['an upper-case hex signature', (a: string) => a.replace(/Signature=([0-9a-f]+)$/, (_m, s: string) => `Signature=${s.toUpperCase()}`)],
  ])('refuses a malformed Authorization header (%s)', (_name, mangle) => {
    const req = withHeaders(signed(), (h) => {
      h['authorization'] = mangle(h['authorization'] as string);
    });
    expect(refusal(verifyRequest(req, policy()))).toEqual({ status: 400, code: 'IncompleteSignature' });
  });

  it.each(['x-acs-date', 'x-acs-signature-nonce', 'x-acs-content-sha256', 'x-acs-action', 'x-acs-version'])(
    'refuses a request without %s',
    (name) => {
      const req = withHeaders(signed(), (h) => delete h[name]);
      expect(refusal(verifyRequest(req, policy()))).toEqual({ status: 400, code: 'MissingParameter' });
    },
  );

  it('refuses an x-acs-* header that is not signed', () => {
    const req = withHeaders(signed(), (h) => {
      h['x-acs-resourcegroupid'] = 'rg-added-later';
    });
    expect(refusal(verifyRequest(req, policy()))).toEqual({ status: 400, code: 'IncompleteSignature' });
  });

  it('refuses a host header left out of SignedHeaders', () => {
    const req = withHeaders(signed(), (h) => {
      h['authorization'] = (h['authorization'] as string).replace('SignedHeaders=content-type;host;', 'SignedHeaders=content-type;');
    });
    expect(refusal(verifyRequest(req, policy()))).toEqual({ status: 400, code: 'IncompleteSignature' });
  });

  it('refuses an unknown access key', () => {
    const req = signed({ key: { ...KEY, accessKeyId: 'LTAI5tUnknown' } });
    expect(refusal(verifyRequest(req, policy()))).toEqual({ status: 404, code: 'InvalidAccessKeyId.NotFound' });
  });

  it('refuses a tampered body, and a tampered body with a recomputed hash', () => {
    const body = Buffer.from(BODY.replace('10.0.0.1', '0.0.0.0'));
    expect(refusal(verifyRequest({ ...signed(), body }, policy()))).toEqual({ status: 400, code: 'ContentSHA256NotMatch' });
    const rehashed = withHeaders({ ...signed(), body }, (h) => {
      h['x-acs-content-sha256'] = sha256Hex(body);
    });
    expect(refusal(verifyRequest(rehashed, policy()))).toEqual({ status: 400, code: 'SignatureDoesNotMatch' });
  });

  it('refuses a tampered query value', () => {
    const req = signed();
    expect(refusal(verifyRequest({ ...req, query: { ...req.query, modifyMode: 'Delete' } }, policy()))).toEqual({
      status: 400,
      code: 'SignatureDoesNotMatch',
    });
  });

  it('refuses a tampered path', () => {
    const req = { ...signed(), rawPath: PATH.replace('es-cn-abc123', 'es-cn-other') };
    expect(refusal(verifyRequest(req, policy()))).toEqual({ status: 400, code: 'SignatureDoesNotMatch' });
  });

  it.each([
    ['x-acs-action', 'UpdateAdminPassword'],
    ['x-acs-security-token', 'CAIS+other/token=='],
    ['host', 'elasticsearch.cn-shanghai.aliyuncs.com'],
    ['content-type', 'text/plain'],
  ])('refuses a tampered signed header (%s)', (name, value) => {
    const req = withHeaders(signed(), (h) => {
      h[name] = value;
    });
    expect(refusal(verifyRequest(req, policy()))).toEqual({ status: 400, code: 'SignatureDoesNotMatch' });
  });

  it('refuses a signature made with another secret', () => {
    const req = signed({ key: { ...KEY, accessKeySecret: 'not-the-secret' } });
    expect(refusal(verifyRequest(req, policy()))).toEqual({ status: 400, code: 'SignatureDoesNotMatch' });
  });

  it.each([
    ['16 minutes in the past', -16],
    ['16 minutes in the future', 16],
  ])('refuses a date %s', (_name, minutes) => {
    const req = signed({ date: new Date(NOW + minutes * MINUTE) });
    expect(refusal(verifyRequest(req, policy()))).toEqual({ status: 400, code: 'InvalidTimeStamp.Expired' });
  });

  it.each([-14, 14])('accepts a date %i minutes off', (minutes) => {
    expect(verifyRequest(signed({ date: new Date(NOW + minutes * MINUTE) }), policy()).ok).toBe(true);
  });

  it.each([
    'Wed, 01 May 2024 08:00:00 GMT',
    '2024-05-01T08:00:00.000Z',
    '2024-05-01 08:00:00Z',
    '2024-05-01T08:00:00+08:00',
    '2024-13-01T08:00:00Z',
    '2024-02-30T08:00:00Z',
    '2024-04-30T24:00:00Z',
  ])('refuses a malformed date (%s)', (date) => {
    expect(refusal(verifyRequest(signed({ date }), policy()))).toEqual({ status: 400, code: 'InvalidTimeStamp.Format' });
  });

  it('accepts a nonce once and refuses its reuse', () => {
    const p = policy();
    expect(verifyRequest(signed({ nonce: 'nonce-once' }), p).ok).toBe(true);
    expect(refusal(verifyRequest(signed({ nonce: 'nonce-once' }), p))).toEqual({ status: 400, code: 'SignatureNonceUsed' });
  });

  it('does not burn the nonce of a request whose signature fails', () => {
    const p = policy();
    const forged = signed({ nonce: 'nonce-victim', key: { ...KEY, accessKeySecret: 'attacker-guess' } });
    expect(refusal(verifyRequest(forged, p))).toEqual({ status: 400, code: 'SignatureDoesNotMatch' });
    expect(p.nonces.size).toBe(0);
    expect(verifyRequest(signed({ nonce: 'nonce-victim' }), p).ok).toBe(true);
  });
});
