import { afterEach, describe, expect, it } from 'vitest';
import { httpTriggerEvent } from '../../local-cloud/runner/fc-events';
import { ApiError, TablestoreConditionFailedError, TablestoreError } from '../../shared/api/errors';
import { ConfigError } from '../../shared/config';
import { BusyError, EsGuardError, GuardrailError, NotFoundError, UpstreamError, ValidationError } from '../../shared/errors';
import { DispatchError } from '../../shared/fleet/errors';
import { TransportError } from '../../shared/http-client';
import type { FcContext } from '../../shared/triggers';
import { InvalidJsonError, MethodNotAllowedError, PayloadTooLargeError } from '../../shared/triggers/errors';
import { RuleViolationError } from '../../shared/whitelist/errors';
import { type BundleName, event, httpAnswer, loadBundle } from '../support/functions';
import { captureStdout } from '../support/stdout';

/*
 * The bundles are minified without esbuild's keepNames (scripts/build.mjs), so a class's own name is a
 * mangled letter there: what an operator reads in a log line (`err.name`) and FC in its error type comes
 * from the name each error class declares. Checked on the built bundles, since the sources keep every
 * class name and would pass whatever the classes declared.
 */

const context = (name: string): FcContext => ({
  requestId: `names-${name}`,
  credentials: { accessKeyId: 'local-key', accessKeySecret: 'local-secret', securityToken: '' },
  function: { name, handler: 'index.handler', memory: 256, timeout: 30 },
  region: 'cn-hangzhou',
  accountId: '1234567890123456',
});

const saved = { ...process.env };
afterEach(() => {
  for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
  Object.assign(process.env, saved);
});

/** One HTTP-trigger request to a built bundle: its answer and the error its `invocation failed` line names. */
async function failing(bundle: BundleName, request: { method: string; path: string; body?: string }) {
  const handler = loadBundle(bundle);
  const out = captureStdout();
  let answer: ReturnType<typeof httpAnswer>;
  try {
    const ev = httpTriggerEvent({
      method: request.method,
      rawPath: request.path,
      headers: { 'Content-Type': 'application/json' },
      ...(request.body !== undefined && { body: request.body }),
    });
    answer = httpAnswer(await handler(event(ev), context(`es-guard-${bundle}`)));
  } finally {
    out.restore();
  }
  const line = out.records().find((r) => r['msg'] === 'invocation failed');
  return { status: answer.statusCode, code: answer.json['code'], err: line?.['err'] as { name?: unknown } | undefined };
}

const whitelistPath = '/openapi/instances/es-cn-names/private-network-white-ips';

describe('error names in the built bundles (no keepNames)', () => {
  it('whitelist: a bad field is a ValidationError', async () => {
    const r = await failing('whitelist', { method: 'POST', path: whitelistPath, body: JSON.stringify({ privateNetworkIpWhiteList: 'x' }) });
    expect(r).toMatchObject({ status: 400, code: 'InvalidParameter', err: { name: 'ValidationError' } });
  });

  it('whitelist: a body that is not JSON is an InvalidJsonError', async () => {
    const r = await failing('whitelist', { method: 'POST', path: whitelistPath, body: '{"privateNetworkIpWhiteList": [' });
    expect(r).toMatchObject({ status: 400, code: 'InvalidJSON', err: { name: 'InvalidJsonError' } });
  });

  it('whitelist: a method the route does not take is a MethodNotAllowedError', async () => {
    const r = await failing('whitelist', { method: 'PATCH', path: whitelistPath, body: '{}' });
    expect(r).toMatchObject({ status: 405, code: 'MethodNotAllowed', err: { name: 'MethodNotAllowedError' } });
  });

  it('whitelist: a wrong setting is a ConfigError', async () => {
    process.env['WHITELIST_ALLOW_PUBLIC'] = 'true';
    const r = await failing('whitelist', {
      method: 'POST',
      path: whitelistPath,
      body: JSON.stringify({ privateNetworkIpWhiteList: ['10.0.0.1'] }),
    });
    expect(r).toMatchObject({ status: 500, code: 'InvalidConfiguration', err: { name: 'ConfigError' } });
  });

  it('rotate-password: an instance id of the wrong form is a ValidationError', async () => {
    const r = await failing('rotate-password', { method: 'POST', path: '/openapi/instances/not-an-instance/admin-pwd', body: '{}' });
    expect(r).toMatchObject({ status: 400, err: { name: 'ValidationError' } });
  });
});

describe('every error class declares its own name', () => {
  // In the sources a class keeps its name, so each declared name is checked against the class's own.
  const errors: readonly Error[] = [
    new EsGuardError(500, 'X', 'm'),
    new ValidationError([]),
    new GuardrailError('Rule', 'm'),
    new NotFoundError('X', 'm'),
    new BusyError('X', 'm', 1),
    new UpstreamError('X', 'm'),
    new ConfigError('X', 'rule'),
    new ApiError({ action: 'A', code: 'X', status: 400, message: 'm' }),
    new TablestoreError('X', 500, 'm'),
    new TablestoreConditionFailedError('m'),
    new TransportError('X', 'm'),
    new InvalidJsonError('m'),
    new PayloadTooLargeError('body', 2, 1),
    new MethodNotAllowedError('PUT', '/', ['GET']),
    new RuleViolationError('NotFound', 'rule', 'm'),
    new DispatchError('X', 'm', false),
  ];
  it.each(errors.map((e) => [e.constructor.name, e] as const))('%s', (className, error) => {
    expect(error.name).toBe(className);
  });
});
