import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSeedFile, parseSeed, startLocalCloud } from '../../local-cloud';
import { rpc, signedCall } from './support';

const EXAMPLE = join(__dirname, '../../local-cloud/seed.example.json');

describe('seed files', () => {
  it('the shipped example loads and serves its instances, secrets and ECS inventory', async () => {
    const cloud = await startLocalCloud({ seed: loadSeedFile(EXAMPLE), activationMs: 10 });
    try {
      expect(cloud.es.instances().map((i) => [i.instanceId, i.status])).toEqual([
        ['es-cn-local0001', 'active'],
        ['es-cn-local0002', 'active'],
        ['es-cn-local0003', 'inactive'],
      ]);
      // The "" entry in the example (as in the seed page's sample) is dropped.
      expect(cloud.es.whitelist('es-cn-local0001')).toEqual(['192.168.0.0/24']);
      expect(cloud.es.whitelist('es-cn-local0002', 'apps')).toEqual(['10.1.2.3', '10.1.2.4/32']);
      // The record rotate-password writes (shared/rotation/secret.ts), so the first rotation finds its current password.
      expect(JSON.parse(cloud.kms.value('es-guard/es-cn-local0001/elastic') ?? '{}')).toEqual({
        username: 'elastic',
        password: cloud.es.effectivePassword('es-cn-local0001'),
        instanceId: 'es-cn-local0001',
      });
      expect(cloud.ecs.getInstance('i-local0002')?.status).toBe('Stopped');
      const frozen = await signedCall(cloud, {
        method: 'POST',
        path: '/openapi/instances/es-cn-local0003/private-network-white-ips',
        body: JSON.stringify({ privateNetworkIpWhiteList: ['172.16.0.2'] }),
        action: 'UpdatePrivateNetworkWhiteIps',
        version: '2017-06-13',
      });
      expect(frozen.json?.['Code']).toBe('InstanceStatusNotSupportCurrentAction');
    } finally {
      await cloud.close();
    }
  });

  it('a seeded activating instance becomes active after one window', async () => {
    const cloud = await startLocalCloud({
      activationMs: 10,
      seed: { instances: [{ instanceId: 'es-cn-busy', adminPassword: 'Busy-Passw0rd', status: 'activating' }] },
    });
    try {
      expect(cloud.es.getInstance('es-cn-busy')?.status).toBe('activating');
      await cloud.es.waitForActivation('es-cn-busy');
      expect(cloud.es.getInstance('es-cn-busy')?.status).toBe('active');
    } finally {
      await cloud.close();
    }
  });

  it.each([
    [
      {
        instances: [
          {
            instanceId: 'x',
            adminPassword: 'p',
            whiteIpGroupList: [{ groupName: 'default', ips: ['10.0.0.300'], whiteIpType: 'PRIVATE_ES' }],
          },
        ],
      },
      'instances.0.whiteIpGroupList.0.ips.0',
    ],
    [{ instances: [{ instanceId: 'x', adminPassword: 'p', status: 'frozen' }] }, 'instances.0.status'],
    [{ instances: [{ instanceId: 'x' }] }, 'instances.0.adminPassword'],
    [{ secrets: [{ secretName: 's', secretData: 'a', versions: [{ versionId: 'v1', secretData: 'a' }] }] }, 'secrets.0'],
    [{ ecsInstances: [{ instanceId: 'i-1', status: 'running' }] }, 'ecsInstances.0.status'],
  ])('refuses an invalid seed, naming the field (%#)', (seed, field) => {
    expect(() => parseSeed(seed)).toThrow(field);
  });

  it('says which file is unreadable or not JSON', () => {
    const dir = mkdtempSync(join(tmpdir(), 'seed-'));
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{ not json');
    expect(() => loadSeedFile(bad)).toThrow(`seed file ${bad} is not valid JSON`);
    expect(() => loadSeedFile(join(dir, 'missing.json'))).toThrow('cannot read seed file');
  });
});

describe('cli', () => {
  it('starts on the given port with the seed, prints its URL and key id, and stops on SIGTERM', async () => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'local-cloud/commands/emulator.ts', '--port', '0', '--seed', EXAMPLE, '--activation-ms', '20'],
      {
        cwd: join(__dirname, '../..'),
        env: { ...process.env, ESGUARD_LOCAL_ACCESS_KEY_ID: '', ESGUARD_LOCAL_ACCESS_KEY_SECRET: '' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      while (!out.includes('functions:')) {
        if (child.exitCode !== null) throw new Error(`cli exited early: ${out}`);
        await new Promise((r) => setTimeout(r, 20));
      }
      const port = Number(/listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(out)?.[1]);
      expect(out).toContain('access key id: local-key');
      expect(out).toMatch(/instance es-cn-local0001 \(active\) data plane http:\/\/127\.0\.0\.1:\d+/);
      const cloudLike = { port, accessKey: { accessKeyId: 'local-key', accessKeySecret: 'local-secret' } } as Parameters<typeof rpc>[0];
      const res = await rpc(cloudLike, '2016-01-20', 'GetSecretValue', { SecretName: 'es-guard/es-cn-local0002/elastic' });
      expect(JSON.parse(String(res.json?.['SecretData']))).toMatchObject({ username: 'elastic', password: 'Search_Passw0rd' });
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  });

  it('exits 1 with the usage line for a bad option value', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'local-cloud/commands/emulator.ts', '--port', 'eighty'], {
      cwd: join(__dirname, '../..'),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).toBe(1);
    expect(err).toContain('--port must be a non-negative integer');
    expect(err).toContain('usage: npm run emulator');
  });
});
