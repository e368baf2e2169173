import middy from '@middy/core';
import { afterEach, describe, expect, expectTypeOf, it } from 'vitest';
import { BusyError, EsGuardError, GuardrailError, NotFoundError, UpstreamError, ValidationError } from '../../shared/errors';
import { registerSecret } from '../../shared/redaction';
import { clearSecrets } from '../../shared/redaction/redact';
import {
  createRouter,
  type FcContext,
  type FcEvent,
  type FcHttpResponse,
  fcTrigger,
  type IncomingRequest,
  type Trigger,
} from '../../shared/triggers';
import type { RouteParams } from '../../shared/triggers/router';
import { buffer, cloudEvent, fcContext, httpEvent, timerEvent } from '../support/fc';

afterEach(() => clearSecrets());

type Behaviour = (trigger: Trigger, ctx: FcContext) => unknown;

/** A real middy chain, as a function's index.ts builds it, with the handler's behaviour swapped per test. */
function chain(behaviour: Behaviour) {
  return middy<FcEvent, unknown, Error, FcContext>()
    .use(fcTrigger())
    .handler<FcEvent>(async (trigger: Trigger, ctx) => behaviour(trigger, ctx));
}

async function httpCall(
  behaviour: Behaviour,
  event: Record<string, unknown> = httpEvent({ body: '{"ok":true}' }),
): Promise<FcHttpResponse & { json: Record<string, unknown> | undefined }> {
  const response = (await chain(behaviour)(buffer(event), fcContext('req-http-1'))) as FcHttpResponse;
  expect(Object.keys(response).sort()).toEqual(['body', 'headers', 'isBase64Encoded', 'statusCode']);
  const isJson = response.headers['content-type']?.startsWith('application/json') === true && response.body !== '';
  return { ...response, json: isJson ? (JSON.parse(response.body) as Record<string, unknown>) : undefined };
}

describe('HTTP results', () => {
  it('sends a plain object as a 200 JSON body with the request id header', async () => {
    const res = await httpCall((trigger) =>
      trigger.kind === 'http' ? { received: trigger.http.json(), method: trigger.http.method } : 'wrong',
    );
    expect(res).toMatchObject({ statusCode: 200, isBase64Encoded: false, json: { received: { ok: true }, method: 'POST' } });
    expect(res.headers).toEqual({
      'content-type': 'application/json; charset=utf-8',
      'cache-control': 'no-store',
      'x-fc-request-id': 'req-http-1',
    });
  });

  it('honours a {statusCode, headers, body} result', async () => {
    const res = await httpCall(() => ({
      statusCode: 202,
      headers: { 'X-Task-Id': 't-1', Location: '/tasks/t-1' },
      body: { accepted: true },
    }));
    expect(res.statusCode).toBe(202);
    expect(res.headers).toMatchObject({
      'x-task-id': 't-1',
      location: '/tasks/t-1',
      'content-type': 'application/json; charset=utf-8',
      'x-fc-request-id': 'req-http-1',
    });
    expect(res.json).toEqual({ accepted: true });
    const text = await httpCall(() => ({ statusCode: 200, headers: { 'content-type': 'text/plain' }, body: 'pong' }));
    expect(text).toMatchObject({ statusCode: 200, body: 'pong', headers: { 'content-type': 'text/plain' } });
    const bytes = await httpCall(() => ({ statusCode: 200, body: Buffer.from([0, 1, 2, 255]) }));
    expect(bytes).toMatchObject({ isBase64Encoded: true, body: 'AAEC/w==', headers: { 'content-type': 'application/octet-stream' } });
  });

  it('answers 204 with an empty body when the handler returns nothing', async () => {
    const res = await httpCall(() => undefined);
    expect(res).toMatchObject({ statusCode: 204, body: '' });
    expect(res.headers['content-type']).toBeUndefined();
  });

  it('scrubs registered secrets from a body that would carry one', async () => {
    registerSecret('Adm1n!Passw0rd#2024');
    const res = await httpCall(() => ({ note: 'set to Adm1n!Passw0rd#2024' }));
    expect(res.body).not.toContain('Adm1n!Passw0rd#2024');
    expect(res.json).toEqual({ note: 'set to [REDACTED]' });
  });
});

describe('HTTP errors', () => {
  it.each([
    [
      'ValidationError',
      new ValidationError([{ field: 'whiteIpGroup.ips[2]', rule: 'cidr-host-bits', message: 'host bits set in 10.0.0.1/8' }]),
      400,
      'InvalidParameter',
    ],
    ['GuardrailError', new GuardrailError('NoOpenWorld', '0.0.0.0/0 would open the cluster to the world'), 403, 'Forbidden.NoOpenWorld'],
    ['NotFoundError', new NotFoundError('InstanceNotFound', 'instance es-cn-x does not exist'), 404, 'InstanceNotFound'],
    ['BusyError', new BusyError('InstanceActivating', 'instance is activating', 29.2), 409, 'InstanceActivating'],
    [
      'UpstreamError',
      new UpstreamError('UpstreamFailed', 'Elasticsearch API answered 500', new Error('socket hang up')),
      502,
      'UpstreamFailed',
    ],
  ])('turns a thrown %s into its status and JSON body', async (_name, error, status, code) => {
    const res = await httpCall(() => {
      throw error;
    });
    expect(res.statusCode).toBe(status);
    expect(res.headers).toMatchObject({ 'content-type': 'application/json; charset=utf-8', 'x-fc-request-id': 'req-http-1' });
    expect(res.json).toMatchObject({ code, message: error.message, requestId: 'req-http-1' });
    if (error instanceof ValidationError) {
      expect(res.json?.['issues']).toEqual([
        { field: 'whiteIpGroup.ips[2]', rule: 'cidr-host-bits', message: 'host bits set in 10.0.0.1/8' },
      ]);
    } else {
      expect(res.json).not.toHaveProperty('issues');
    }
    if (error instanceof BusyError) expect(res.headers['retry-after']).toBe('30');
    else expect(res.headers['retry-after']).toBeUndefined();
    expect(res.body).not.toContain('socket hang up');
  });

  it('answers 500 InternalError with no detail for anything else', async () => {
    for (const thrownValue of [
      new TypeError("Cannot read properties of undefined (reading 'ips') at /var/fc/code/index.js:12"),
      'a string',
      { statusCode: 418 },
    ]) {
      const res = await httpCall(() => {
        throw thrownValue;
      });
      expect(res.statusCode).toBe(500);
      expect(res.json).toEqual({ code: 'InternalError', message: 'internal error', requestId: 'req-http-1' });
    }
  });

  it('answers 500 when the result cannot be serialised', async () => {
    const res = await httpCall(() => ({ big: 10n }));
    expect(res).toMatchObject({ statusCode: 500, json: { code: 'InternalError' } });
  });

  it('scrubs registered secrets from error messages', async () => {
    registerSecret('sts-token-abcdefgh1234');
    const res = await httpCall(() => {
      throw new EsGuardError(401, 'Unauthorized', 'token sts-token-abcdefgh1234 was refused');
    });
    expect(res.json).toMatchObject({ code: 'Unauthorized', message: 'token [REDACTED] was refused' });
  });

  it('answers 400/413 for bad bodies read through json()', async () => {
    const read: Behaviour = (trigger) => (trigger.kind === 'http' ? trigger.http.json() : null);
    const malformed = await httpCall(read, httpEvent({ body: '{"ips": [1,2' }));
    expect(malformed).toMatchObject({
      statusCode: 400,
      json: {
        code: 'InvalidJSON',
        message: "request body is not valid JSON: expected ',' or ']' after array element at position 12",
        requestId: 'req-http-1',
      },
    });
    const huge = await httpCall(
      read,
      httpEvent({ body: JSON.stringify({ ips: Array.from({ length: 70_000 }, () => '192.168.100.100/32') }) }),
    );
    expect(huge).toMatchObject({ statusCode: 413, json: { code: 'PayloadTooLarge' } });
  });

  it('answers 400 for an event with the HTTP shape that is malformed, instead of throwing', async () => {
    const event = httpEvent();
    (event['requestContext'] as { http: Record<string, unknown> }).http['method'] = '';
    let called = false;
    const res = await httpCall(() => {
      called = true;
    }, event);
    expect(called).toBe(false);
    expect(res).toMatchObject({
      statusCode: 400,
      json: {
        code: 'InvalidParameter',
        issues: [{ field: 'requestContext.http.method', rule: 'required-string', message: 'must be a non-empty string' }],
      },
    });
  });
});

describe('routing inside a handler', () => {
  const routes = createRouter<(http: IncomingRequest, params: RouteParams) => unknown>({
    'POST /openapi/instances/{InstanceId}/private-network-white-ips': (http, params) => ({
      instanceId: params['InstanceId'],
      body: http.json(),
    }),
    'PATCH|POST /openapi/instances/{InstanceId}/admin-pwd': (_http, params) => ({ rotated: params['InstanceId'] }),
  });
  const routed: Behaviour = (trigger) => {
    if (trigger.kind !== 'http') throw new Error('not http');
    const { value: handle, params } = routes.match(trigger.http);
    return handle(trigger.http, params);
  };

  it('dispatches with decoded params', async () => {
    const res = await httpCall(
      routed,
      httpEvent({ rawPath: '/openapi/instances/es-cn-abc/private-network-white-ips', body: '{"ips":["10.0.0.0/8"]}' }),
    );
    expect(res).toMatchObject({ statusCode: 200, json: { instanceId: 'es-cn-abc', body: { ips: ['10.0.0.0/8'] } } });
    const patch = await httpCall(routed, httpEvent({ method: 'PATCH', rawPath: '/openapi/instances/es-cn-x%20y/admin-pwd' }));
    expect(patch.json).toEqual({ rotated: 'es-cn-x y' });
  });

  it('answers 404 and 405 as JSON', async () => {
    const missing = await httpCall(routed, httpEvent({ method: 'GET', rawPath: '/openapi/instances' }));
    expect(missing).toMatchObject({
      statusCode: 404,
      json: { code: 'NotFound', message: 'no route for GET /openapi/instances', requestId: 'req-http-1' },
    });
    const wrong = await httpCall(routed, httpEvent({ method: 'DELETE', rawPath: '/openapi/instances/es-cn-abc/admin-pwd' }));
    expect(wrong).toMatchObject({ statusCode: 405, json: { code: 'MethodNotAllowed' } });
    expect(wrong.headers['allow']).toBe('PATCH, POST');
  });
});

describe('non-HTTP triggers', () => {
  it('hands timer, event and direct triggers to the handler and returns its result unchanged', async () => {
    const seen: Trigger[] = [];
    const handler = chain((trigger) => {
      seen.push(trigger);
      return { handled: trigger.kind };
    });
    expect(await handler(buffer(timerEvent('{"batch":5}')), fcContext())).toEqual({ handled: 'timer' });
    expect(await handler(buffer([cloudEvent('e1'), cloudEvent('e2')]), fcContext())).toEqual({ handled: 'events' });
    expect(await handler({ instanceId: 'es-cn-abc', secretName: 'es/admin' }, fcContext())).toEqual({ handled: 'direct' });
    expect(seen.map((t) => t.kind)).toEqual(['timer', 'events', 'direct']);
    expect(seen[0]).toMatchObject({ timer: { payload: { batch: 5 } } });
  });

  it('re-throws handler errors, known or not, so FC retries and dead-letters', async () => {
    const busy = new BusyError('InstanceActivating', 'instance is activating', 60);
    await expect(chain(() => Promise.reject(busy))(buffer(timerEvent('')), fcContext())).rejects.toBe(busy);
    const bug = new TypeError('boom');
    await expect(chain(() => Promise.reject(bug))(buffer(cloudEvent('e1')), fcContext())).rejects.toBe(bug);
    await expect(chain(() => Promise.reject(bug))('{"instanceId":"x"}', fcContext())).rejects.toBe(bug);
  });

  it('re-throws decoding errors without calling the handler', async () => {
    let calls = 0;
    const handler = chain(() => ++calls);
    await expect(handler(Buffer.from('{"instanceId":'), fcContext())).rejects.toMatchObject({ status: 400, code: 'InvalidJSON' });
    await expect(handler(buffer({ specversion: '1.0', source: 'acs.ecs', type: 't' }), fcContext())).rejects.toBeInstanceOf(
      ValidationError,
    );
    await expect(handler(buffer(timerEvent('not json')), fcContext())).rejects.toMatchObject({
      code: 'InvalidJSON',
      message: expect.stringContaining('timer payload'),
    });
    expect(calls).toBe(0);
  });

  it('scrubs registered secrets from a re-thrown error', async () => {
    registerSecret('Rot4te!Me#Now-2024');
    const error = new Error('login failed for elastic:Rot4te!Me#Now-2024');
    await expect(chain(() => Promise.reject(error))(buffer(timerEvent('')), fcContext())).rejects.toBe(error);
    expect(error.message).toBe('login failed for elastic:[REDACTED]');
    expect(error.stack).not.toContain('Rot4te!Me#Now-2024');
  });
});

describe('types', () => {
  it('gives the handler a Trigger and an FcContext, and the entry point FC’s raw event', () => {
    const handler = middy<FcEvent, unknown, Error, FcContext>()
      .use(fcTrigger())
      .handler<FcEvent>(async (trigger, ctx) => {
        expectTypeOf(trigger).toMatchTypeOf<Trigger>();
        expectTypeOf(ctx).toEqualTypeOf<FcContext>();
        if (trigger.kind === 'events') expectTypeOf(trigger.events[0]!.id).toEqualTypeOf<string>();
        return null;
      });
    expectTypeOf(handler).parameter(0).toEqualTypeOf<FcEvent>();
    expectTypeOf(handler).parameter(1).toEqualTypeOf<FcContext>();
  });
});
