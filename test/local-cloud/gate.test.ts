import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalCloud, startLocalCloud } from '../../local-cloud';
import { NonceCache } from '../../local-cloud/gate';
import { signRequest } from '../../shared/signing';
import { sha256Hex } from '../../shared/signing/signer';
import { esClient, type RawResponse, rawRequest, signedCall, signFor } from './support';

/*
 * The signature gate in front of every API: requests signed with shared/signing's signRequest and sent
 * with node:http, then spoiled one way at a time. Each refusal must carry the gateway's error JSON and
 * leave the service untouched.
 */

const STS = { accessKeyId: 'STS.gateTestKey', accessKeySecret: 'sts-gate-secret', securityToken: 'CAIS+gate/test==' };
const ID = 'es-cn-gate0001';
let cloud: LocalCloud;

beforeAll(async () => {
  cloud = await startLocalCloud({
    activationMs: 10,
    accessKeys: { 'gate-key': 'gate-secret', 'other-key': 'other-secret' },
    stsCredentials: [STS],
    seed: { instances: [{ instanceId: ID, adminPassword: 'Gate-Passw0rd', privateNetworkIpWhiteList: ['10.0.0.1'] }] },
  });
});
afterAll(() => cloud.close());

const describeInit = { method: 'GET', path: `/openapi/instances/${ID}`, action: 'DescribeInstance', version: '2017-06-13' } as const;
const whitelistInit = {
  method: 'POST',
  path: `/openapi/instances/${ID}/private-network-white-ips`,
  query: { modifyMode: 'Append' },
  body: JSON.stringify({ whiteIpGroup: { groupName: 'default', ips: ['10.0.0.66'], whiteIpType: 'PRIVATE_ES' } }),
  action: 'UpdatePrivateNetworkWhiteIps',
  version: '2017-06-13',
} as const;

function expectRefused(res: RawResponse, status: number, code: string): void {
  expect(res.status).toBe(status);
  expect(res.json).toMatchObject({ Code: code });
  expect(Object.keys(res.json ?? {})).toEqual(expect.arrayContaining(['RequestId', 'HostId', 'Code', 'Message']));
  expect(res.headers['x-acs-request-id']).toBe(res.json?.['RequestId']);
}

describe('signature gate', () => {
  it('lets a correctly signed request through', async () => {
    const res = await signedCall(cloud, describeInit);
    expect(res.status).toBe(200);
    expect((res.json?.['Result'] as { instanceId: string } | undefined)?.instanceId).toBe(ID);
  });

  it('refuses a tampered body (content hash no longer matches) and applies nothing', async () => {
    const { target, headers } = signFor(cloud, whitelistInit);
    const res = await rawRequest(cloud.port, {
      method: 'POST',
      target,
      headers,
      body: JSON.stringify({ privateNetworkIpWhiteList: ['0.0.0.0/0'] }),
    });
    expectRefused(res, 400, 'ContentSHA256NotMatch');
    expect(cloud.es.whitelist(ID)).toEqual(['10.0.0.1']);
  });

  it('refuses a tampered body whose content hash was recomputed (the signature no longer matches)', async () => {
    const evil = JSON.stringify({ privateNetworkIpWhiteList: ['0.0.0.0/0'] });
    const { target, headers } = signFor(cloud, whitelistInit);
    const res = await rawRequest(cloud.port, {
      method: 'POST',
      target,
      headers: { ...headers, 'x-acs-content-sha256': sha256Hex(evil) },
      body: evil,
    });
    expectRefused(res, 400, 'SignatureDoesNotMatch');
    expect(cloud.es.whitelist(ID)).toEqual(['10.0.0.1']);
  });

  it('refuses a tampered signed header', async () => {
    const { target, headers, body } = signFor(cloud, whitelistInit);
    const res = await rawRequest(cloud.port, {
      method: 'POST',
      target,
      headers: { ...headers, 'content-type': 'text/plain' },
      body: body!,
    });
    expectRefused(res, 400, 'SignatureDoesNotMatch');
  });

  it('refuses a tampered query', async () => {
    const { headers, body } = signFor(cloud, whitelistInit);
    const res = await rawRequest(cloud.port, { method: 'POST', target: `${whitelistInit.path}?modifyMode=Cover`, headers, body: body! });
    expectRefused(res, 400, 'SignatureDoesNotMatch');
    expect(cloud.es.whitelist(ID)).toEqual(['10.0.0.1']);
  });

  it('refuses an x-acs-* header that was added after signing', async () => {
    const { target, headers } = signFor(cloud, describeInit);
    const res = await rawRequest(cloud.port, { method: 'GET', target, headers: { ...headers, 'x-acs-extra': 'sneaky' } });
    expectRefused(res, 400, 'IncompleteSignature');
  });

  // The V3 page and openapi-core's getAuthorizationHeaders sign host, content-type and every x-acs-*
  // header; where the gateway's exact answer is not documented the gate is strict (FIDELITY.md).
  const withSignedHeaders = (headers: Record<string, string>, list: string) => ({
    ...headers,
    authorization: headers['authorization']!.replace(/SignedHeaders=[^,]*/, `SignedHeaders=${list}`),
  });
  const signedList = (headers: Record<string, string>) => /SignedHeaders=([^,]*)/.exec(headers['authorization']!)![1]!;

  it('refuses a body whose content-type was left out of SignedHeaders (it decides how the body is read)', async () => {
    const { target, headers, body } = signFor(cloud, whitelistInit);
    const list = signedList(headers)
      .split(';')
      .filter((h) => h !== 'content-type')
      .join(';');
    const res = await rawRequest(cloud.port, { method: 'POST', target, headers: withSignedHeaders(headers, list), body: body! });
    expectRefused(res, 400, 'IncompleteSignature');
    expect(res.json?.['Message']).toContain('content-type');
    expect(cloud.es.whitelist(ID)).toEqual(['10.0.0.1']);
  });

  it('refuses SignedHeaders that names a header the request does not carry', async () => {
    const { target, headers } = signFor(cloud, describeInit);
    const list = [...signedList(headers).split(';'), 'x-acs-ghost'].sort().join(';');
    const res = await rawRequest(cloud.port, { method: 'GET', target, headers: withSignedHeaders(headers, list) });
    expectRefused(res, 400, 'IncompleteSignature');
    expect(res.json?.['Message']).toContain('x-acs-ghost');
  });

  it('refuses SignedHeaders that is not lower-case, sorted and unique', async () => {
    const { target, headers } = signFor(cloud, describeInit);
    const names = signedList(headers).split(';');
    for (const list of [[...names].reverse().join(';'), [...names, names[0]!].join(';'), names.map((n) => n.toUpperCase()).join(';')]) {
      expectRefused(
        await rawRequest(cloud.port, { method: 'GET', target, headers: withSignedHeaders(headers, list) }),
        400,
        'IncompleteSignature',
      );
    }
  });

  it('refuses a query key sent twice, even when the signature covers the last value', async () => {
    const { target, headers, body } = signFor(cloud, whitelistInit);
    const res = await rawRequest(cloud.port, {
      method: 'POST',
      target: target.replace('modifyMode=Append', 'modifyMode=Cover&modifyMode=Append'),
      headers,
      body: body!,
    });
    expectRefused(res, 400, 'InvalidParameter');
    expect(res.json?.['Message']).toContain('modifyMode');
    expect(cloud.es.whitelist(ID)).toEqual(['10.0.0.1']);
  });

  it('refuses a reused nonce, even with an otherwise valid signature', async () => {
    const { target, headers } = signFor(cloud, describeInit);
    expect((await rawRequest(cloud.port, { method: 'GET', target, headers })).status).toBe(200);
    expectRefused(await rawRequest(cloud.port, { method: 'GET', target, headers }), 400, 'SignatureNonceUsed');
  });

  it.each([
    ['16 minutes old', -16],
    ['16 minutes ahead', 16],
  ])('refuses a date %s', async (_, minutes) => {
    const res = await signedCall(cloud, { ...describeInit, date: new Date(Date.now() + minutes * 60_000) });
    expectRefused(res, 400, 'InvalidTimeStamp.Expired');
  });

  it('accepts a date 14 minutes off (inside the 15-minute window)', async () => {
    const res = await signedCall(cloud, { ...describeInit, date: new Date(Date.now() - 14 * 60_000) });
    expect(res.status).toBe(200);
  });

  it('refuses an unknown access key', async () => {
    const res = await signedCall(cloud, { ...describeInit, key: { accessKeyId: 'nobody', accessKeySecret: 'x' } });
    expectRefused(res, 404, 'InvalidAccessKeyId.NotFound');
  });

  it("refuses a known key signed with another key's secret", async () => {
    const res = await signedCall(cloud, { ...describeInit, key: { accessKeyId: 'gate-key', accessKeySecret: 'other-secret' } });
    expectRefused(res, 400, 'SignatureDoesNotMatch');
  });

  it('refuses an unsigned request', async () => {
    const res = await rawRequest(cloud.port, {
      method: 'GET',
      target: describeInit.path,
      headers: { 'x-acs-action': 'DescribeInstance', 'x-acs-version': '2017-06-13' },
    });
    expectRefused(res, 400, 'MissingAuthorization');
  });

  it('checks the signature before anything else: an unsigned request to an unknown path is still a signature refusal', async () => {
    const res = await rawRequest(cloud.port, { method: 'GET', target: '/nowhere', headers: {} });
    expectRefused(res, 400, 'MissingAuthorization');
  });

  it('records refused requests in the call log without an operation', async () => {
    await rawRequest(cloud.port, { method: 'GET', target: describeInit.path, headers: {} });
    const last = cloud.calls().at(-1);
    expect(last).toMatchObject({ operation: undefined, status: 400, code: 'MissingAuthorization' });
  });
});

describe('STS credentials', () => {
  it('accepts a configured STS key with its security token (official SDK)', async () => {
    const res = await esClient(cloud, STS).describeInstance(ID);
    expect(res.body?.result?.instanceId).toBe(ID);
  });

  it('refuses an STS key with a wrong or missing token', async () => {
    const wrong = await signedCall(cloud, { ...describeInit, key: { ...STS, securityToken: 'CAIS+forged' } });
    expectRefused(wrong, 400, 'InvalidSecurityToken.MismatchWithAccessKey');
    const missing = await signedCall(cloud, {
      ...describeInit,
      key: { accessKeyId: STS.accessKeyId, accessKeySecret: STS.accessKeySecret },
    });
    expectRefused(missing, 400, 'InvalidSecurityToken.MismatchWithAccessKey');
  });

  it('refuses an expired STS key', async () => {
    const creds = { accessKeyId: 'STS.expired', accessKeySecret: 's', securityToken: 't' };
    cloud.keys.addSts(creds, Date.now() - 1);
    expectRefused(await signedCall(cloud, { ...describeInit, key: creds }), 400, 'InvalidSecurityToken.Expired');
  });
});

describe('routing after the gate', () => {
  it('answers InvalidAction.NotFound (404) for a path no API serves', async () => {
    expectRefused(
      await signedCall(cloud, { method: 'GET', path: '/openapi/nothing', action: 'Nothing', version: '2017-06-13' }),
      404,
      'InvalidAction.NotFound',
    );
  });

  it('refuses an x-acs-action that does not match the path', async () => {
    expectRefused(await signedCall(cloud, { ...describeInit, action: 'ListInstance' }), 404, 'InvalidAction.NotFound');
  });

  it('refuses an RPC call with an unknown version, or an action the version does not have', async () => {
    expectRefused(
      await signedCall(cloud, { method: 'POST', path: '/', action: 'GetSecretValue', version: '2099-01-01' }),
      400,
      'InvalidVersion',
    );
    expectRefused(
      await signedCall(cloud, { method: 'POST', path: '/', action: 'DescribeInstances', version: '2016-01-20' }),
      404,
      'InvalidAction.NotFound',
    );
  });
});

describe('nonce memory', () => {
  it('forgets nonces once no request carrying them could pass the date check (bounded memory)', () => {
    let now = 0;
    const cache = new NonceCache({ now: () => now });
    for (let i = 0; i < 1000; i++) expect(cache.seen('k', `n${i}`)).toBe(false);
    expect(cache.seen('k', 'n5')).toBe(true);
    expect(cache.size).toBe(1000);
    now += 29 * 60_000;
    expect(cache.seen('k', 'n5')).toBe(true);
    now += 2 * 60_000;
    expect(cache.size).toBe(0);
  });

  it('keeps nonces per access key', () => {
    const cache = new NonceCache();
    expect(cache.seen('a', 'n')).toBe(false);
    expect(cache.seen('b', 'n')).toBe(false);
    expect(cache.seen('a', 'n')).toBe(true);
  });
});

describe('default key pair', () => {
  it('uses ESGUARD_LOCAL_ACCESS_KEY_ID/SECRET when no keys are given', async () => {
    process.env['ESGUARD_LOCAL_ACCESS_KEY_ID'] = 'env-key';
    process.env['ESGUARD_LOCAL_ACCESS_KEY_SECRET'] = 'env-secret';
    const envCloud = await startLocalCloud({ seed: { instances: [{ instanceId: ID, adminPassword: 'Gate-Passw0rd' }] } });
    try {
      expect(envCloud.accessKey).toEqual({ accessKeyId: 'env-key', accessKeySecret: 'env-secret' });
      expect((await signedCall(envCloud, describeInit)).status).toBe(200);
      const headers = signRequest(
        { method: 'GET', path: describeInit.path, headers: { host: `127.0.0.1:${envCloud.port}` } },
        { accessKeyId: 'local-key', accessKeySecret: 'local-secret' },
        describeInit,
      );
      expect((await rawRequest(envCloud.port, { method: 'GET', target: describeInit.path, headers })).status).toBe(404);
    } finally {
      delete process.env['ESGUARD_LOCAL_ACCESS_KEY_ID'];
      delete process.env['ESGUARD_LOCAL_ACCESS_KEY_SECRET'];
      await envCloud.close();
    }
  });
});
