import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startLocalCloud, type LocalCloud } from '../../local-cloud';
import { cloudEvent, httpTriggerEvent } from '../../local-cloud/runner/fc-events';
import { contextFor, event, httpAnswer, loadBundle, useLocalCloud, type BundleHandler } from '../support/functions';
import { captureStdout } from '../logging/capture';

let cloud: LocalCloud;
let handler: BundleHandler;
let n = 0;
let ID = '';

beforeAll(async () => {
  cloud = await startLocalCloud({ activationMs: 40 });
  useLocalCloud(cloud);
  handler = loadBundle('whitelist');
});
afterAll(async () => {
  await cloud.close();
});
beforeEach(async () => {
  await cloud.es.settled();
  cloud.faults.clear();
  delete process.env['ECS_SYNC_INSTANCE_ID'];
  delete process.env['ECS_SYNC_GROUP'];
  n += 1;
  ID = `es-cn-ev${String(n).padStart(4, '0')}`;
  cloud.es.addInstance({
    instanceId: ID,
    status: 'active',
    adminPassword: 'Initial-Passw0rd',
    whiteIpGroupList: [
      { groupName: 'default', ips: ['192.168.0.0/24'], whiteIpType: 'PRIVATE_ES' },
      { groupName: 'apps', ips: ['10.1.0.1'], whiteIpType: 'PRIVATE_ES' },
    ],
  });
});

const request = (data: unknown, id?: string) => cloudEvent({ ...(id !== undefined && { id }), source: 'acs.automation', type: 'es-guard:whitelist:change', data });
const writes = () => cloud.calls().filter((c) => c.operation === 'UpdatePrivateNetworkWhiteIps' && c.status === 200 && !c.replayed).length;

async function deliver(payload: unknown, timeoutSec = 30): Promise<{ result?: unknown; error?: Error; logs: Record<string, unknown>[] }> {
  const logs = captureStdout();
  try {
    return { result: await handler(event(payload), contextFor(cloud, 'es-guard-whitelist', timeoutSec)), logs: logs.records() };
  } catch (error) {
    return { error: error as Error, logs: logs.records() };
  } finally {
    logs.restore();
  }
}

describe('whitelist over EventBridge, through the bundled handler', () => {
  it('applies 50 batched Append events as one change with all 50 IPs present', async () => {
    const batch = Array.from({ length: 50 }, (_, i) => request({ instanceId: ID, modifyMode: 'Append', whiteIpGroup: { groupName: 'apps', ips: [`10.2.0.${i + 1}`] } }));
    const before = writes();
    const out = await deliver(batch);
    expect(out.error).toBeUndefined();
    expect(writes() - before).toBe(1);
    const apps = cloud.es.whitelist(ID, 'apps')!;
    expect(apps).toHaveLength(51);
    for (let i = 1; i <= 50; i++) expect(apps).toContain(`10.2.0.${i}`);
    expect(out.result).toMatchObject({ events: 50, writes: 1, failed: 0 });
    expect(out.logs.filter((r) => r['msg'] === 'whitelist.audit')).toHaveLength(1);
  });

  it('ends with exactly the expected set after 20 concurrent Append/Delete invocations on one instance', async () => {
    const adds = Array.from({ length: 10 }, (_, i) => request({ instanceId: ID, modifyMode: 'Append', whiteIpGroup: { groupName: 'apps', ips: [`10.4.0.${i + 1}`] } }));
    // Deletes of entries seeded in advance, so every interleaving has one right answer.
    await deliver(request({ instanceId: ID, modifyMode: 'Append', whiteIpGroup: { groupName: 'apps', ips: Array.from({ length: 10 }, (_, i) => `10.5.0.${i + 1}`) } }));
    const dels = Array.from({ length: 10 }, (_, i) => request({ instanceId: ID, modifyMode: 'Delete', whiteIpGroup: { groupName: 'apps', ips: [`10.5.0.${i + 1}`] } }));
    const outs = await Promise.all([...adds, ...dels].map((e) => deliver(e)));
    expect(outs.filter((o) => o.error).map((o) => o.error!.message)).toEqual([]);
    const expected = ['10.1.0.1', ...Array.from({ length: 10 }, (_, i) => `10.4.0.${i + 1}`)].sort();
    expect([...cloud.es.whitelist(ID, 'apps')!].sort()).toEqual(expected);
  });

  it('applies a duplicated event once (same id and source, delivered twice)', async () => {
    const e = request({ instanceId: ID, modifyMode: 'Cover', whiteIpGroup: { groupName: 'ci', ips: ['10.6.0.1'] } }, 'evt-dup-1');
    const changesBefore = cloud.es.changes.length;
    expect((await deliver(e)).error).toBeUndefined();
    await cloud.es.settled();
    expect((await deliver(e)).error).toBeUndefined();
    // Also within one batch.
    expect((await deliver([e, e])).error).toBeUndefined();
    expect(cloud.es.changes.length - changesBefore).toBe(1);
    expect(cloud.es.whitelist(ID, 'ci')).toEqual(['10.6.0.1']);
  });

  it('derives the same clientToken on redelivery even when the first answer was lost', async () => {
    cloud.faults.inject('UpdatePrivateNetworkWhiteIps', { kind: 'lost' });
    const e = request({ instanceId: ID, modifyMode: 'Append', whiteIpGroup: { groupName: 'apps', ips: ['10.7.0.1'] } }, 'evt-lost-1');
    const changesBefore = cloud.es.changes.length;
    const out = await deliver(e);
    expect(out.error).toBeUndefined();
    expect(cloud.es.changes.length - changesBefore).toBe(1);
    expect(cloud.es.whitelist(ID, 'apps')).toContain('10.7.0.1');
  });

  it('applies the good events of a batch, logs the refused ones and does not ask FC to retry refusals', async () => {
    const good = request({ instanceId: ID, modifyMode: 'Append', whiteIpGroup: { groupName: 'apps', ips: ['10.8.0.1'] } });
    const bad = request({ instanceId: ID, modifyMode: 'Append', whiteIpGroup: { groupName: 'apps', ips: ['0.0.0.0/0'] } });
    const malformed = request({ instanceId: ID, modifyMode: 'Sideways' });
    const out = await deliver([good, bad, malformed]);
    expect(out.error).toBeUndefined();
    expect(out.result).toMatchObject({ events: 3, writes: 1, failed: 2 });
    const rejected = out.logs.filter((r) => r['msg'] === 'whitelist.rejected');
    expect(rejected.map((r) => r['code']).sort()).toEqual(['Forbidden.OpenToAll', 'InvalidParameter']);
    expect(rejected.every((r) => r['level'] === 'error')).toBe(true);
    expect(cloud.es.whitelist(ID, 'apps')).toContain('10.8.0.1');
    expect(cloud.es.whitelist(ID, 'apps')).not.toContain('0.0.0.0/0');
  });

  it('throws after a transient failure so FC redelivers the batch, which then completes once', async () => {
    cloud.faults.inject('UpdatePrivateNetworkWhiteIps', { kind: 'error', status: 503, code: 'ServiceUnavailable' }, Infinity);
    const batch = [request({ instanceId: ID, modifyMode: 'Append', whiteIpGroup: { groupName: 'apps', ips: ['10.8.1.1'] } }, 'evt-t-1')];
    const first = await deliver(batch, 3);
    expect(first.error?.message).toMatch(/1 of 1 events failed: .*ServiceUnavailable/);
    cloud.faults.clear();
    const changesBefore = cloud.es.changes.length;
    const again = await deliver(batch);
    expect(again.error).toBeUndefined();
    expect(cloud.es.changes.length - changesBefore).toBe(1);
    expect(cloud.es.whitelist(ID, 'apps')).toContain('10.8.1.1');
  });

  it('also takes a direct invocation whose payload is the request', async () => {
    const out = await deliver({ instanceId: ID, modifyMode: 'Append', privateNetworkIpWhiteList: ['192.168.1.1'] });
    expect(out.error).toBeUndefined();
    expect(cloud.es.whitelist(ID)).toEqual(['192.168.0.0/24', '192.168.1.1']);
  });

  describe('ECS state events', () => {
    const ecsEvent = (resourceId: string, state: string) =>
      cloudEvent({ source: 'acs.ecs', type: 'ecs:Instance:StateChange', data: { resourceId, resourceType: 'ALIYUN::ECS::Instance', state } });

    it('are ignored when no sync target is configured', async () => {
      const before = writes();
      const out = await deliver(ecsEvent('i-none', 'Running'));
      expect(out.error).toBeUndefined();
      expect(writes()).toBe(before);
    });

    it("append a running instance's private IP to the group (creating it) and remove it once the instance is released", async () => {
      process.env['ECS_SYNC_INSTANCE_ID'] = ID;
      process.env['ECS_SYNC_GROUP'] = 'fleet';
      cloud.ecs.addInstance({ instanceId: `i-${ID}-a`, status: 'Running', privateIpAddress: ['10.9.0.11'] });
      cloud.ecs.addInstance({ instanceId: `i-${ID}-b`, status: 'Running', privateIpAddress: ['10.9.0.12'] });
      expect((await deliver(ecsEvent(`i-${ID}-a`, 'Running'))).error).toBeUndefined();
      expect(cloud.es.whitelist(ID, 'fleet')).toEqual(['10.9.0.11']);
      expect((await deliver(ecsEvent(`i-${ID}-b`, 'Running'))).error).toBeUndefined();
      expect(cloud.es.whitelist(ID, 'fleet')).toEqual(['10.9.0.11', '10.9.0.12']);
      cloud.ecs.remove(`i-${ID}-a`);
      expect((await deliver(ecsEvent(`i-${ID}-a`, 'Deleted'))).error).toBeUndefined();
      expect(cloud.es.whitelist(ID, 'fleet')).toEqual(['10.9.0.12']);
      cloud.ecs.remove(`i-${ID}-b`);
      expect((await deliver(ecsEvent(`i-${ID}-b`, 'Deleted'))).error).toBeUndefined();
      expect(cloud.es.whitelist(ID, 'fleet')).toBeUndefined(); // the last one leaves: the group goes (Cover, no ips)
    });
  });

  it('an HTTP read after the events shows the same whitelist the emulator holds', async () => {
    const res = httpAnswer(await handler(event(httpTriggerEvent({ method: 'GET', rawPath: `/openapi/instances/${ID}/private-network-white-ips` })), contextFor(cloud, 'wl')));
    expect(res.statusCode).toBe(200);
    const groups = (res.json['Result'] as { whiteIpGroupList: { groupName: string; ips: string[] }[] }).whiteIpGroupList;
    expect(groups.find((g) => g.groupName === 'apps')!.ips).toEqual(cloud.es.whitelist(ID, 'apps'));
  });
});
