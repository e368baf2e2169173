import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cloudEvent } from '../../local-cloud/runner/fc-events';
import { change, type Delivery, startDelivery, tablestoreOf, writeCalls } from './deliver';

/*
 * Issue 12's defects, each through the built bundle in isolated FC instances (deliver.ts). Every one of
 * these failed before the change records and the reconciler: the batch coalescer planned writes from
 * reads taken before other writes, hashed merged sources into clientTokens and checked caps against a
 * stale read.
 */
let d: Delivery;
let n = 0;

beforeAll(async () => {
  d = await startDelivery({
    activationMs: 30,
    env: {
      WHITELIST_MAX_ENTRIES: '4',
      WHITELIST_MAX_TOTAL_ENTRIES: '7',
      ECS_SYNC_INSTANCE_ID: 'es-cn-ecssync0001',
      ECS_SYNC_GROUP: 'fleet',
      OUTCOME_EVENT_BUS: 'es-guard-outcomes',
    },
  });
  d.cloud.eventbridge.addBus('es-guard-outcomes');
  d.cloud.es.addInstance({
    instanceId: 'es-cn-ecssync0001',
    adminPassword: 'Initial-Passw0rd',
    whiteIpGroupList: [{ groupName: 'default', ips: ['192.168.0.1'], whiteIpType: 'PRIVATE_ES' }],
  });
}, 60_000);
afterAll(async () => {
  await d?.close();
});

function instance(groups: Record<string, string[]>): string {
  n += 1;
  const id = `es-cn-once${String(n).padStart(4, '0')}`;
  d.cloud.es.addInstance({
    instanceId: id,
    adminPassword: 'Initial-Passw0rd',
    whiteIpGroupList: Object.entries(groups).map(([groupName, ips]) => ({ groupName, ips, whiteIpType: 'PRIVATE_ES' as const })),
  });
  return id;
}
const ev = (id: string, instanceId: string, mode: string, group: string, ips: string[]) =>
  change(id, { instanceId, modifyMode: mode, whiteIpGroup: { groupName: group, ips } });

describe('issue 12: exactly once under real delivery', () => {
  it('#1 two concurrent Running events for a sync group not yet created keep both servers', async () => {
    d.cloud.ecs.addInstance({ instanceId: 'i-run-a', status: 'Running', privateIpAddress: ['10.20.0.1'] });
    d.cloud.ecs.addInstance({ instanceId: 'i-run-b', status: 'Running', privateIpAddress: ['10.20.0.2'] });
    const running = (id: string) =>
      cloudEvent({
        source: 'acs.ecs',
        type: 'ecs:Instance:StateChange',
        data: { resourceId: id, resourceType: 'ALIYUN::ECS::Instance', state: 'Running' },
      });
    const out = await Promise.all([d.invoke(running('i-run-a')), d.invoke(running('i-run-b'))]);
    expect(out.every((o) => o.ok)).toBe(true);
    expect([...(d.cloud.es.whitelist('es-cn-ecssync0001', 'fleet') ?? [])].sort()).toEqual(['10.20.0.1', '10.20.0.2']);
  });

  it('#1 an array [Running B, Deleted A] keeps B: the Deleted reconciliation reads the group as Running B left it', async () => {
    // The synced group holds only A, whose ECS instance is now released; B has just started.
    expect(
      (
        await d.invoke(
          change('sync-reset', {
            instanceId: 'es-cn-ecssync0001',
            modifyMode: 'Cover',
            whiteIpGroup: { groupName: 'fleet', ips: ['10.20.0.1'] },
          }),
        )
      ).ok,
    ).toBe(true);
    d.cloud.ecs.addInstance({ instanceId: 'i-new-b', status: 'Running', privateIpAddress: ['10.20.0.9'] });
    d.cloud.ecs.remove('i-run-a');
    const state = (id: string, s: string) =>
      cloudEvent({
        source: 'acs.ecs',
        type: 'ecs:Instance:StateChange',
        data: { resourceId: id, resourceType: 'ALIYUN::ECS::Instance', state: s },
      });
    // An array arrives only from an event-streaming source (e.g. an MNS queue with a batch window).
    const out = await d.invoke([state('i-new-b', 'Running'), state('i-run-a', 'Deleted')]);
    expect(out.ok).toBe(true);
    expect(d.cloud.es.whitelist('es-cn-ecssync0001', 'fleet')).toEqual(['10.20.0.9']);
  });

  it('#2 a redelivered Delete beside another event is not applied again after a later Append', async () => {
    const id = instance({ apps: ['10.1.0.1', '10.1.0.5', '10.1.0.6'] });
    const del = ev(`${id}-del`, id, 'Delete', 'apps', ['10.1.0.5']);
    expect((await d.invoke(del)).ok).toBe(true);
    expect((await d.invoke(ev(`${id}-app`, id, 'Append', 'apps', ['10.1.0.5']))).ok).toBe(true);
    // The Delete again, delivered in one array with another Delete (the old coalescer merged the two).
    expect((await d.invoke([del, ev(`${id}-other`, id, 'Delete', 'apps', ['10.1.0.6'])])).ok).toBe(true);
    expect(d.cloud.es.whitelist(id, 'apps')).toEqual(['10.1.0.1', '10.1.0.5']);
  });

  it('#3 Cover [] then Append is the Append refused (NotFound), not a resurrected group', async () => {
    const id = instance({ default: ['10.0.0.1'], apps: ['10.1.0.1'] });
    const out = await d.invoke([ev(`${id}-1`, id, 'Cover', 'apps', []), ev(`${id}-2`, id, 'Append', 'apps', ['10.1.0.2'])]);
    expect(out.ok).toBe(true);
    expect(d.cloud.es.whitelist(id, 'apps')).toBeUndefined();
    expect((out.answer['rejected'] as { code: string }[]).map((r) => r.code)).toEqual(['NotFound']);
  });

  it('#3 two Appends that each fit WHITELIST_MAX_ENTRIES: the first is applied, only the second refused', async () => {
    const id = instance({ apps: ['10.1.0.1', '10.1.0.2'] });
    const out = await d.invoke([
      ev(`${id}-1`, id, 'Append', 'apps', ['10.1.0.3']),
      ev(`${id}-2`, id, 'Append', 'apps', ['10.1.0.4', '10.1.0.5']),
    ]);
    expect(out.ok).toBe(true);
    expect(d.cloud.es.whitelist(id, 'apps')).toEqual(['10.1.0.1', '10.1.0.2', '10.1.0.3']);
    expect((out.answer['rejected'] as { code: string }[]).map((r) => r.code)).toEqual(['Forbidden.TooManyEntries']);
  });

  it('#4 concurrent Appends in separate instances cannot exceed the cap together, nor across groups', async () => {
    const id = instance({ apps: ['10.1.0.1', '10.1.0.2'], web: ['10.2.0.1', '10.2.0.2'] });
    const outs = await Promise.all([
      d.invoke(ev(`${id}-1`, id, 'Append', 'apps', ['10.1.0.3', '10.1.0.4'])),
      d.invoke(ev(`${id}-2`, id, 'Append', 'apps', ['10.1.0.5', '10.1.0.6'])),
      d.invoke(ev(`${id}-3`, id, 'Append', 'web', ['10.2.0.3', '10.2.0.4'])),
    ]);
    expect(outs.every((o) => o.ok)).toBe(true);
    const apps = d.cloud.es.whitelist(id, 'apps')!;
    const web = d.cloud.es.whitelist(id, 'web')!;
    expect(apps.length).toBeLessThanOrEqual(4);
    expect(apps.length + web.length).toBeLessThanOrEqual(7);
    const refused = outs.flatMap((o) => (o.answer['rejected'] as { code: string }[]).map((r) => r.code));
    expect(refused.length).toBeGreaterThanOrEqual(1);
    expect(refused.every((c) => c === 'Forbidden.TooManyEntries')).toBe(true);
  });

  it('#5 a clientToken replay after a later change answers the first outcome, consistently, and changes nothing', async () => {
    const id = instance({ apps: ['10.1.0.1'] });
    const path = `/openapi/instances/${id}/private-network-white-ips`;
    const first = await d.http('POST', path, {
      query: { modifyMode: 'Append', clientToken: 'tok-replay-1' },
      body: { whiteIpGroup: { groupName: 'apps', ips: ['10.1.0.7'] } },
    });
    expect(first.status).toBe(200);
    expect(
      (await d.http('POST', path, { query: { modifyMode: 'Delete' }, body: { whiteIpGroup: { groupName: 'apps', ips: ['10.1.0.7'] } } }))
        .status,
    ).toBe(200);
    const before = writeCalls(d.cloud, id).accepted;
    const replay = await d.http('POST', path, {
      query: { modifyMode: 'Append', clientToken: 'tok-replay-1' },
      body: { whiteIpGroup: { groupName: 'apps', ips: ['10.1.0.7'] } },
    });
    expect(replay.status).toBe(200);
    expect(replay.json['replayed']).toBe(true);
    expect(replay.json['Plan']).toEqual(first.json['Plan']);
    expect(replay.json['Result']).toEqual(first.json['Result']);
    expect(writeCalls(d.cloud, id).accepted).toBe(before);
    expect(d.cloud.es.whitelist(id, 'apps')).toEqual(['10.1.0.1']);
    // The same token for another request is a conflict, not a silent replay.
    const other = await d.http('POST', path, {
      query: { modifyMode: 'Append', clientToken: 'tok-replay-1' },
      body: { whiteIpGroup: { groupName: 'apps', ips: ['10.1.0.8'] } },
    });
    expect(other.status).toBe(409);
  });

  it('#6 a refused automation event reaches an operator as an outcome event; the invocation succeeds', async () => {
    const id = instance({ apps: ['10.1.0.1'] });
    const out = await d.invoke(ev(`${id}-gone`, id, 'Append', 'missing', ['10.1.0.2']));
    expect(out.ok).toBe(true);
    const published = d.cloud.eventbridge
      .events('es-guard-outcomes')
      .filter((e) => e.event.type === 'es-guard:whitelist:refused' && e.event.subject === id);
    expect(published).toHaveLength(1);
    expect(JSON.stringify(published[0])).toContain('NotFound');
  });
});

describe('issue 12: converges fast', () => {
  let c: Delivery;
  beforeAll(async () => {
    c = await startDelivery({ activationMs: 300, env: { WHITELIST_MAX_ENTRIES: '5000', WHITELIST_MAX_TOTAL_ENTRIES: '5000' } });
  }, 60_000);
  afterAll(async () => {
    await c?.close();
  });

  it('100 concurrent single-event Appends to one instance: at most ceil(N/100)+1 writes, ' +
    'none inside an activation window, none lost or extra', async () => {
    const id = 'es-cn-converge100';
    c.cloud.es.addInstance({
      instanceId: id,
      adminPassword: 'Initial-Passw0rd',
      whiteIpGroupList: [{ groupName: 'apps', ips: ['10.1.0.1'], whiteIpType: 'PRIVATE_ES' }],
    });
    const N = 100;
    // FC keeps warm instances; a burst on the real service lands within a fraction of an activation
    // window (minutes). Here instances are worker threads that take seconds to start on a small machine,
    // so they are started first: the burst then arrives as fast as FC would deliver it.
    await Promise.all(Array.from({ length: N }, () => c.http('GET', `/openapi/instances/${id}/private-network-white-ips`)));
    // The burst meets an instance still activating from an earlier change (as a real burst does: a window
    // lasts minutes). Nothing may be written until it is active; then every recorded change goes in.
    c.cloud.es.setStatus(id, 'activating', { forMs: 600_000 });
    const running = Promise.all(
      Array.from({ length: N }, (_, i) =>
        c.invoke(ev(`${id}-c${i}`, id, 'Append', 'apps', [`10.9.${Math.floor(i / 250)}.${(i % 250) + 1}`])),
      ),
    );
    while (c.records(id).length < N) await new Promise((r) => setTimeout(r, 50));
    expect(writeCalls(c.cloud, id).attempts).toBe(0);
    c.cloud.es.endActivation(id);
    const outs = await running;
    expect(outs.filter((o) => !o.ok)).toEqual([]);
    const calls = writeCalls(c.cloud, id);
    expect(calls.accepted).toBeLessThanOrEqual(Math.ceil(N / 100) + 1);
    expect(calls.busy).toBe(0);
    expect(calls.attempts).toBe(calls.accepted);
    const apps = c.cloud.es.whitelist(id, 'apps')!;
    expect(apps).toHaveLength(N + 1);
    expect(c.records(id).filter((r) => r.attrs['state'] === 'applied')).toHaveLength(N);
  }, 120_000);
});

describe('a lease holder that dies', () => {
  it(
    'loses nothing: its lease expires, a waiting invocation takes over, ' + 'resumes the round it planned and applies its own change',
    async () => {
      const { ChangeStore } = await import('../../shared/whitelist/store');
      const id = instance({ apps: ['10.1.0.1'] });
      const env = d.cloud.env;
      const store = new ChangeStore(tablestoreOf(d.cloud), env['WHITELIST_TABLE']!);
      // What a holder leaves when FC kills its instance mid-round: its change recorded, the lease held (it
      // expires in 2 s, the fixture's WHITELIST_LEASE_MS), the round planned, the write not made.
      const dead = {
        id: 'evt-dead0000000000000000000000000000000000',
        instanceId: id,
        spec: {
          kind: 'request' as const,
          mode: 'Append' as const,
          target: { kind: 'group' as const, groupName: 'apps' },
          ips: ['10.1.0.2'],
        },
        source: 'acs.test#dead',
      };
      await store.record(dead);
      const lease = await store.acquire(id, 'dead-holder', 2000, undefined);
      expect(lease).toBeDefined();
      expect(
        await store.planRound(id, undefined, {
          n: 1,
          epoch: lease!.epoch,
          base: [['apps', ['10.1.0.1']]],
          ids: [dead.id],
          writes: [{ groupName: 'apps', ips: ['10.1.0.1', '10.1.0.2'], clientToken: 'esg-r-dead-round-1' }],
          firstSeq: 0,
        }),
      ).toBe(true);

      const out = await d.invoke(ev(`${id}-after`, id, 'Append', 'apps', ['10.1.0.3']));
      expect(out.ok).toBe(true);
      expect(d.cloud.es.whitelist(id, 'apps')).toEqual(['10.1.0.1', '10.1.0.2', '10.1.0.3']);
      expect((await store.get(id, dead.id))?.state).toBe('applied');
      expect((await store.lease(id))?.holder).not.toBe('dead-holder');
    },
  );
});

describe('HTTP callers who do not wait', () => {
  it('wait=false answers 202 with the change id; the reconcile invocation it queued applies it; GET of the change shows it', async () => {
    const id = instance({ apps: ['10.1.0.1'] });
    const path = `/openapi/instances/${id}/private-network-white-ips`;
    const res = await d.http('POST', path, {
      query: { modifyMode: 'Append', clientToken: 'no-wait-1', wait: 'false' },
      body: { whiteIpGroup: { groupName: 'apps', ips: ['10.1.0.9'] } },
    });
    expect(res.status).toBe(202);
    expect(res.json).toMatchObject({
      state: 'pending',
      changeId: expect.stringMatching(/^tok-/),
      Location: `${path}/changes/${String(res.json['changeId'])}`,
    });
    // FC runs the queued async invocation ({"reconcile": instanceId}) in an instance of its own.
    await d.cloud.fc.idle();
    const state = await d.http('GET', `${path}/changes/${String(res.json['changeId'])}`);
    expect(state.status).toBe(200);
    expect(state.json).toMatchObject({ state: 'applied', changed: true });
    expect(d.cloud.es.whitelist(id, 'apps')).toEqual(['10.1.0.1', '10.1.0.9']);
  });
});
