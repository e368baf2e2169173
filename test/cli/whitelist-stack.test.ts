import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../local-cloud/runner/stack';
import { startNpmStart } from '../support/npm-start';
import { cliEnv, json, runCli, startCliStack } from './support';

/*
 * A whitelist write against the local stack with nothing but --endpoint and --stack: the change store
 * (Tablestore, on a port of its own) is read from the stack's GET /, not from the shell.
 */
const ID = 'es-cn-clistk0001';
let stack: LocalStack;

beforeAll(async () => {
  stack = await startCliStack(ID);
});
afterAll(() => stack?.close());

describe('es-guard whitelist --stack', () => {
  it('GET / lists the Tablestore endpoint, instance and table the emulator serves', async () => {
    const overview = (await (await fetch(`${stack.controlUrl}/`)).json()) as { tablestore: Record<string, string> };
    expect(overview.tablestore).toEqual({
      endpoint: stack.cloud.tablestore.endpoint,
      instanceName: stack.cloud.tablestore.instanceName,
      table: 'es_guard_whitelist',
    });
  });

  it("without WHITELIST_TABLESTORE_* in the shell, append records the change in the stack's Tablestore and applies it", async () => {
    const env = cliEnv();
    expect(env['WHITELIST_TABLESTORE_INSTANCE']).toBeUndefined();
    const before = stack.cloud.tablestore.table('es_guard_whitelist')!.dump().length;
    const run = await runCli(
      ['whitelist', 'append', ID, '10.1.2.3/32', '--endpoint', stack.cloud.url, '--stack', stack.controlUrl, '--json'],
      env,
    );
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(json<{ state: string; changed: boolean }>(run)).toMatchObject({ state: 'applied', changed: true });
    // A single-address /32 is stored as the bare address.
    expect(stack.cloud.es.whitelist(ID)).toEqual(['10.0.0.1', '10.1.2.3']);
    const rows = stack.cloud.tablestore.table('es_guard_whitelist')!.dump();
    expect(rows.length).toBeGreaterThan(before);
    const calls = stack.cloud.tablestore.calls();
    expect(calls.length).toBeGreaterThan(0);
  });

  it('ES_GUARD_STACK_URL stands in for --stack; an unreachable stack is exit 4 naming it', async () => {
    const ok = await runCli(['whitelist', 'append', ID, '10.1.2.4/32', '--endpoint', stack.cloud.url, '--json'], {
      ...cliEnv(),
      ES_GUARD_STACK_URL: stack.controlUrl,
    });
    expect(ok.code, ok.stdout + ok.stderr).toBe(0);
    expect(stack.cloud.es.whitelist(ID)).toContain('10.1.2.4');
    const down = await runCli(['whitelist', 'append', ID, '10.1.2.5/32', '--endpoint', stack.cloud.url, '--stack', 'http://127.0.0.1:1']);
    expect(down.code).toBe(4);
    expect(down.stderr).toContain('http://127.0.0.1:1');
    expect(stack.cloud.es.whitelist(ID)).not.toContain('10.1.2.5');
  });
});

/* `npm start`'s program itself (random ports here): the banner names the Tablestore endpoint, and the CLI writes through it. */
describe('npm start banner and the CLI', () => {
  let child: ChildProcess | undefined;
  afterAll(async () => {
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((r) => child!.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  });

  it('prints the Tablestore endpoint and instance; whitelist append with --stack works against it', async () => {
    const started = await startNpmStart();
    child = started.child;
    const out = started.out();
    const control = /overview \(GET \/\): (http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1];
    const cloud = /local cloud \([^)]*\): (http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1];
    const banner = /Tablestore \(whitelist change records\): (http:\/\/127\.0\.0\.1:\d+)\s+instance (\S+)\s+table (\S+)/.exec(out);
    expect(control && cloud && banner, out).toBeTruthy();
    const overview = (await (await fetch(`${control}/`)).json()) as {
      tablestore: { endpoint: string; instanceName: string; table: string };
      instances: { instanceId: string }[];
    };
    expect(overview.tablestore).toEqual({ endpoint: banner![1], instanceName: banner![2], table: banner![3] });
    const id = overview.instances[0]!.instanceId;
    const run = await runCli(['whitelist', 'append', id, '10.1.2.3/32', '--endpoint', cloud!, '--stack', control!, '--json']);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(json<{ state: string }>(run).state).toBe('applied');
    const show = await runCli(['whitelist', 'show', id, '--endpoint', cloud!, '--json']);
    expect(json<{ privateNetworkIpWhiteList: string[] }>(show).privateNetworkIpWhiteList).toContain('10.1.2.3');
  });
});
