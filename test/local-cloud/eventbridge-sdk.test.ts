import * as EventBridgeSdk from '@alicloud/eventbridge';
import * as EventBridgeUtilModule from '@alicloud/eventbridge-util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalCloud, startLocalCloud } from '../../local-cloud';
import { EventBridgeApi } from '../../shared/api';
import { eventBridgeSignature, eventBridgeStringToSign } from '../../shared/api/eventbridge';
import { rawRequest } from './support';

/*
 * EventBridge PutEvents (data plane, `acs` HMAC-SHA1 signature) checked with the official SDK
 * `@alicloud/eventbridge` 1.3.2: what it sends must be taken, what it reads must be there, and its error
 * handling must see the gateway's refusals. The product's own client is then checked against the same port.
 */

type SdkModule = typeof EventBridgeSdk;
// CommonJS `exports.default = Client` seen through ESM interop: the class may sit one `default` deeper.
const mod = EventBridgeSdk as unknown as { default: unknown; Config: SdkModule['Config']; CloudEvent: SdkModule['CloudEvent'] };
const Client = ((mod.default as { default?: unknown }).default ?? mod.default) as typeof EventBridgeSdk.default;

const utilMod = EventBridgeUtilModule as unknown as { default: unknown };
const EventBridgeUtil = ((utilMod.default as { default?: unknown }).default ?? utilMod.default) as typeof EventBridgeUtilModule.default;

let cloud: LocalCloud;
const BUS = 'es-guard-outcomes';

beforeAll(async () => {
  cloud = await startLocalCloud({ eventBuses: [BUS] });
});
afterAll(() => cloud.close());

function sdk(over: { accessKeyId?: string; accessKeySecret?: string; securityToken?: string } = {}): EventBridgeSdk.default {
  return new Client(
    new mod.Config({
      accessKeyId: over.accessKeyId ?? cloud.accessKey.accessKeyId,
      accessKeySecret: over.accessKeySecret ?? cloud.accessKey.accessKeySecret,
      ...(over.securityToken !== undefined && { securityToken: over.securityToken }),
      endpoint: `127.0.0.1:${cloud.port}`,
    }),
  );
}

function event(over: { id?: string; bus?: string; time?: string | null; data?: unknown } = {}): EventBridgeSdk.CloudEvent {
  return new mod.CloudEvent({
    id: over.id ?? `evt-${Math.random().toString(36).slice(2)}`,
    source: 'es-guard.test',
    type: 'es-guard:test:happened',
    subject: 'es-cn-test0001',
    ...(over.time !== null && { time: over.time ?? new Date().toISOString() }),
    data: Buffer.from(JSON.stringify(over.data ?? { instanceId: 'es-cn-test0001', n: 1 })),
    extensions: { aliyuneventbusname: over.bus ?? BUS },
  });
}

async function sdkError(p: Promise<unknown>): Promise<{ code: string; message: string; data: Record<string, unknown> }> {
  try {
    await p;
  } catch (error) {
    return error as { code: string; message: string; data: Record<string, unknown> };
  }
  throw new Error('expected the SDK call to fail');
}

describe('PutEvents through @alicloud/eventbridge', () => {
  it('takes a batch, answers RequestId, FailedEntryCount and one EntryList item per event, and keeps the events as sent', async () => {
    cloud.eventbridge.clear();
    const res = await sdk().putEvents([event({ id: 'a-1' }), event({ id: 'a-2', data: { nested: { ok: true } } })]);
    expect(res.requestId).toMatch(/^[0-9A-F-]{36}$/);
    expect(res.resourceOwnerAccountId).toBe('1234567890123456');
    expect(res.failedEntryCount).toBe(0);
    expect(res.entryList?.map((e) => e.eventId)).toEqual(['a-1', 'a-2']);
    expect(res.entryList?.every((e) => typeof e.traceId === 'string' && e.errorCode === undefined)).toBe(true);
    const kept = cloud.eventbridge.events(BUS);
    expect(kept.map((e) => e.event['id'])).toEqual(['a-1', 'a-2']);
    // The SDK's serialisation: data parsed back to JSON, extensions flattened, defaults filled in.
    expect(kept[1]!.event).toMatchObject({
      specversion: '1.0',
      datacontenttype: 'application/json; charset=utf-8',
      aliyuneventbusname: BUS,
      data: { nested: { ok: true } },
    });
  });

  it('publishes to the default bus, which every account has', async () => {
    const res = await sdk().putEvents([event({ bus: 'default' })]);
    expect(res.failedEntryCount).toBe(0);
  });

  it('refuses single events one by one: unknown bus, missing required time', async () => {
    const res = await sdk().putEvents([event({ id: 'ok-1' }), event({ bus: 'no-such-bus' }), event({ time: null })]);
    expect(res.failedEntryCount).toBe(2);
    expect(res.entryList?.[0]?.eventId).toBe('ok-1');
    expect(res.entryList?.[1]).toMatchObject({ errorCode: 'EventBusNotExist' });
    expect(res.entryList?.[2]).toMatchObject({ errorCode: 'InvalidArgument' });
    expect(res.entryList?.[2]?.errorMessage).toMatch(/time/);
  });

  it('refuses more than 16 events in one request as a whole', async () => {
    const e = await sdkError(sdk().putEvents(Array.from({ length: 17 }, () => event())));
    expect(e.code).toBe('EventBatchSizeExceeded');
    expect(e.message).toMatch(/\[EventBridgeError-[0-9A-F-]{36}\] 17 events/);
  });

  it('refuses a wrong secret (SignatureDoesNotMatch) and an unknown key (InvalidAccessKeyId), both 403', async () => {
    expect((await sdkError(sdk({ accessKeySecret: 'not-the-secret' }).putEvents([event()]))).code).toBe('SignatureDoesNotMatch');
    expect((await sdkError(sdk({ accessKeyId: 'nobody' }).putEvents([event()]))).code).toBe('InvalidAccessKeyId');
  });

  it('takes STS keys only with their own security token', async () => {
    const sts = cloud.keys.mintSts();
    expect((await sdk(sts).putEvents([event()])).failedEntryCount).toBe(0);
    const e = await sdkError(sdk({ ...sts, securityToken: 'CAIS.someone-elses' }).putEvents([event()]));
    expect(e.code).toBe('SecurityTokenInvalid');
  });

  it('passes injected faults to the SDK as its errors', async () => {
    cloud.faults.inject('PutEvents', {
      kind: 'error',
      status: 429,
      code: 'TooManyRequests',
      message: 'The request is denied by flow limiter for too many requests.',
    });
    const e = await sdkError(sdk().putEvents([event()]));
    expect(e.code).toBe('TooManyRequests');
  });

  it('refuses an unsigned request and a replayed nonce', async () => {
    const target = '/openapi/putEvents';
    const body = JSON.stringify([
      { id: 'x', source: 's', type: 't', specversion: '1.0', time: new Date().toISOString(), aliyuneventbusname: BUS },
    ]);
    const unsigned = await rawRequest(cloud.port, {
      method: 'POST',
      target,
      headers: { 'content-type': 'application/cloudevents-batch+json', date: new Date().toUTCString() },
      body,
    });
    expect(unsigned.status).toBe(400);
    expect(unsigned.json).toMatchObject({ code: 'MissingAuthorization', requestId: expect.any(String) });

    // The same nonce twice: the second request is a replay, whatever else it says.
    const api = new EventBridgeApi({
      endpoint: cloud.url,
      credentials: () => Promise.resolve(cloud.accessKey),
      nonce: () => 'fixed-nonce-1',
    });
    await api.putEvents(BUS, [{ id: 'r-1', source: 's', type: 'es-guard:test:replay', time: new Date().toISOString(), data: {} }]);
    const again = await api
      .putEvents(BUS, [{ id: 'r-2', source: 's', type: 'es-guard:test:replay', time: new Date().toISOString(), data: {} }])
      .catch((e: unknown) => e);
    expect((again as { code?: string }).code).toBe('SignatureNonceUsed');
  });
});

describe('the product client (shared/api/eventbridge.ts) against the emulator', () => {
  it('publishes what the SDK publishes, in the same shape', async () => {
    cloud.eventbridge.clear();
    const api = new EventBridgeApi({ endpoint: cloud.url, credentials: () => Promise.resolve(cloud.accessKey) });
    const time = new Date().toISOString();
    const res = await api.putEvents(BUS, [
      { id: 'p-1', source: 'es-guard', type: 'es-guard:rotation:succeeded', subject: 'es-cn-x', time, data: { versionId: 'v1' } },
    ]);
    expect(res).toMatchObject({ failedEntryCount: 0, entries: [{ eventId: 'p-1', errorCode: undefined }] });
    await sdk().putEvents([
      new mod.CloudEvent({
        id: 's-1',
        source: 'es-guard',
        type: 'es-guard:rotation:succeeded',
        subject: 'es-cn-x',
        time,
        data: Buffer.from(JSON.stringify({ versionId: 'v1' })),
        extensions: { aliyuneventbusname: BUS },
      }),
    ]);
    const [ours, theirs] = cloud.eventbridge.events(BUS).map((e) => e.event);
    expect({ ...ours, id: 'same' }).toEqual({ ...theirs, id: 'same' });
  });

  it('answers per-event refusals and gateway errors as the SDK sees them', async () => {
    const api = new EventBridgeApi({ endpoint: cloud.url, credentials: () => Promise.resolve(cloud.accessKey) });
    const refused = await api.putEvents('missing-bus', [
      { id: 'm-1', source: 's', type: 'es-guard:x:y', time: new Date().toISOString(), data: {} },
    ]);
    expect(refused).toMatchObject({ failedEntryCount: 1, entries: [{ errorCode: 'EventBusNotExist' }] });
    const bad = new EventBridgeApi({
      endpoint: cloud.url,
      credentials: () => Promise.resolve({ accessKeyId: cloud.accessKey.accessKeyId, accessKeySecret: 'wrong' }),
    });
    await expect(
      bad.putEvents(BUS, [{ id: 'm-2', source: 's', type: 'es-guard:x:y', time: new Date().toISOString(), data: {} }]),
    ).rejects.toMatchObject({ code: 'SignatureDoesNotMatch', status: 403 });
  });

  it('retries a 5xx with the same event id, so a consumer can tell a repeat', async () => {
    cloud.eventbridge.clear();
    cloud.faults.inject('PutEvents', { kind: 'error', status: 503, code: 'ServiceUnavailable', message: 'try again' });
    const api = new EventBridgeApi({
      endpoint: cloud.url,
      credentials: () => Promise.resolve(cloud.accessKey),
      sleep: () => Promise.resolve(),
    });
    const res = await api.putEvents(BUS, [{ id: 'retry-1', source: 's', type: 'es-guard:x:y', time: new Date().toISOString(), data: {} }]);
    expect(res.entries[0]?.eventId).toBe('retry-1');
    expect(cloud.eventbridge.events(BUS).map((e) => e.eventId)).toEqual(['retry-1']);
  });
});

describe('the product signer against the official util (@alicloud/eventbridge-util getStringToSign, getSignature)', () => {
  it.each([
    ['no token, no query', {}, {}],
    ['STS headers and a query', { 'x-acs-accesskey-id': 'STS.abc', 'x-acs-security-token': 'CAIS.tok\ten\nline ' }, { b: '2', a: '1 x' }],
  ])('%s: the same string to sign and the same signature', (_name, extra: Record<string, string>, query: Record<string, string>) => {
    const headers: Record<string, string> = {
      date: 'Tue, 01 Dec 2026 08:00:00 GMT',
      host: '1234567890123456.eventbridge.cn-hangzhou.aliyuncs.com',
      accept: 'application/json',
      'x-acs-signature-nonce': 'n-1',
      'x-acs-signature-method': 'HMAC-SHA1',
      'x-acs-signature-version': '1.0',
      'x-eventbridge-version': '2015-06-06',
      'content-type': 'application/cloudevents-batch+json; charset=utf-8',
      ...extra,
    };
    const theirs = EventBridgeUtil.getStringToSign({ method: 'POST', pathname: '/openapi/putEvents', headers, query } as never);
    const ours = eventBridgeStringToSign('POST', '/openapi/putEvents', headers, query);
    expect(ours).toBe(theirs);
    expect(eventBridgeSignature(ours, 'sec/ret+=')).toBe(EventBridgeUtil.getSignature(theirs, 'sec/ret+='));
  });
});
