import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../local-cloud/runner/stack';
import { cliEnv, json, runCli, startCliStack } from './support';

// The local stack (the built functions behind authType function HTTP triggers), as `npm start -- --auth function` runs it.
let stack: LocalStack;
const ID = 'es-cn-cliinv0001';
const PATH = `/openapi/instances/${ID}/private-network-white-ips`;

beforeAll(async () => {
  stack = await startCliStack(ID, 'function');
});
afterAll(() => stack?.close());

const trigger = (): string => stack.httpTriggers['es-guard-whitelist']!;

describe('es-guard invoke', () => {
  it('signs the request with ACS3-HMAC-SHA256, so an authType function trigger lets it through', async () => {
    const unsigned = await fetch(`${trigger()}${PATH}`);
    expect(unsigned.status).toBeGreaterThanOrEqual(400);
    const run = await runCli(['invoke', trigger(), 'GET', PATH, '--json']);
    expect(run.code, run.stderr).toBe(0);
    const out = json<{ status: number; body: { Result: { instanceId: string; privateNetworkIpWhiteList: string[] } } }>(run);
    expect(out.status).toBe(200);
    expect(out.body.Result).toMatchObject({ instanceId: ID, privateNetworkIpWhiteList: ['10.0.0.1'] });
  });

  it('finds the trigger by function name from the stack (--stack), and sends --data as the JSON body', async () => {
    const run = await runCli([
      'invoke',
      'whitelist',
      'POST',
      `${PATH}?modifyMode=Append`,
      '--data',
      '{"privateNetworkIpWhiteList":["10.0.8.15"]}',
      '--stack',
      stack.controlUrl,
      '--json',
    ]);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(json<{ status: number; body: { changed: boolean } }>(run)).toMatchObject({ status: 200, body: { changed: true } });
    expect(stack.cloud.es.whitelist(ID)).toEqual(['10.0.0.1', '10.0.8.15']);
  });

  it("the function's refusal comes back as it answered, with exit 3", async () => {
    const run = await runCli([
      'invoke',
      trigger(),
      'POST',
      `${PATH}?modifyMode=Append`,
      '--data',
      '{"privateNetworkIpWhiteList":["0.0.0.0/0"]}',
    ]);
    expect(run.code).toBe(3);
    expect(run.stdout).toMatch(/^HTTP 403/);
    expect(run.stdout).toMatch(/OpenToAll/);
    expect(stack.cloud.es.whitelist(ID)).not.toContain('0.0.0.0/0');
  });

  it('a key the cloud does not know is refused by the trigger gateway', async () => {
    const run = await runCli(['invoke', trigger(), 'GET', PATH], cliEnv({ ESGUARD_LOCAL_ACCESS_KEY_SECRET: 'not-the-secret' }));
    expect(run.code).toBe(3);
    expect(run.stdout).toMatch(/SignatureDoesNotMatch/);
  });

  it('usage: a bad METHOD, a path without /, --data that is not JSON, an unknown stack function (exit 2/3)', async () => {
    expect((await runCli(['invoke', trigger(), 'FETCH', PATH])).code).toBe(2);
    expect((await runCli(['invoke', trigger(), 'GET', 'openapi'])).code).toBe(2);
    expect((await runCli(['invoke', trigger(), 'POST', PATH, '--data', '{nope'])).code).toBe(2);
    const unknown = await runCli(['invoke', 'nosuchfn', 'GET', '/', '--stack', stack.controlUrl]);
    expect(unknown.code).toBe(3);
    expect(unknown.stderr).toMatch(/no HTTP trigger for "nosuchfn"/);
  });
});
