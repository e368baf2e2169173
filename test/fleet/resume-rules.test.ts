import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalCloud, startLocalCloud } from '../../local-cloud';
import { ApiClient, ElasticsearchApi, KmsApi } from '../../shared/api';
import type { InvokeRequest, Invoker } from '../../shared/fleet/invoker';
import { runFleet } from '../../shared/fleet/run';
import { fleetTaskId, resumeTaskId, rotationPeriod } from '../../shared/fleet/schedule';
import { fleetSettings } from '../../shared/fleet/settings';

/*
 * The resume rules of runFleet on their own, with the emulated ListInstance and KMS and a recording
 * invoker, at a fixed clock: which stuck rotation is queued again, under which id, and when it is held back.
 */

let cloud: LocalCloud;
let es: ElasticsearchApi;
let kms: KmsApi;
let n = 0;
const R = 1000; // FLEET_RESUME_PENDING_AFTER_SECONDS
const NOW = Date.parse('2026-12-01T02:00:00Z');
const iso = (msAgo: number) => new Date(NOW - msAgo).toISOString().replace(/\.\d{3}Z$/, 'Z');

beforeAll(async () => {
  cloud = await startLocalCloud();
  const client = new ApiClient({ endpoint: cloud.url, credentials: () => Promise.resolve(cloud.accessKey) });
  es = new ElasticsearchApi(client);
  kms = new KmsApi(client);
});
afterAll(() => cloud.close());

/** One tagged instance whose secret has an old ACSCurrent and an ACSPending written `pendingAgeS` ago. */
function stuckInstance(pendingAgeS: number | undefined): { tag: string; instanceId: string } {
  n += 1;
  const tag = `es-guard:rules${n}`;
  const instanceId = `es-cn-rules${n}`;
  cloud.es.addInstance({ instanceId, adminPassword: `Rules-${n}-pass-word`, tags: [{ tagKey: tag, tagValue: 'true' }] });
  const record = (password: string) => JSON.stringify({ username: 'elastic', password, instanceId });
  cloud.kms.addSecret({
    secretName: `es-guard/${instanceId}/elastic`,
    versions: [
      { versionId: 'v0', secretData: record(`Rules-${n}-pass-word`), versionStages: ['ACSCurrent'], createTime: iso(40 * 86_400_000) },
      ...(pendingAgeS === undefined
        ? []
        : [
            {
              versionId: `rot-${n}`,
              secretData: record(`Pending-${n}-pass-word`),
              versionStages: ['ACSPending'],
              createTime: iso(pendingAgeS * 1000),
            },
          ]),
    ],
  });
  return { tag, instanceId };
}

function invoker(status?: (taskId: string) => string | undefined): Invoker & { readonly sent: InvokeRequest[]; readonly asked: string[] } {
  const sent: InvokeRequest[] = [];
  const asked: string[] = [];
  return {
    api: status ? 'fc3' : 'fc2',
    sent,
    asked,
    invoke: (req) => {
      sent.push(req);
      return Promise.resolve({ kind: 'queued', requestId: `r-${sent.length}` });
    },
    ...(status && {
      taskStatus: (req: { taskId: string }) => {
        asked.push(req.taskId);
        return Promise.resolve(status(req.taskId));
      },
    }),
  };
}

function run(tag: string, inv: Invoker) {
  const settings = fleetSettings({ FLEET_TAG_KEY: tag, FLEET_RESUME_PENDING_AFTER_SECONDS: String(R) });
  return runFleet(
    {
      settings,
      regions: ['cn-hangzhou'],
      apis: () => ({ es, kms, invoker: () => Promise.resolve(inv) }),
      deadline: NOW + 60_000,
      now: () => NOW,
    },
    { dryRun: false },
  );
}

describe('resuming stuck rotations', () => {
  it('a pending version younger than the setting is under way: nothing is queued', async () => {
    const s = stuckInstance(R - 10);
    const inv = invoker(() => undefined);
    const summary = await run(s.tag, inv);
    expect(inv.sent).toHaveLength(0);
    expect(summary.skipped).toEqual([{ instanceId: s.instanceId, reason: 'rotation-pending', ageSeconds: 40 * 86_400 }]);
    expect(summary.pending).toEqual([
      expect.objectContaining({ state: 'under-way', versionId: expect.stringMatching(/^rot-/), ageSeconds: R - 10 }),
    ]);
  });

  it('older: queued under resume-<id>-<digest>-k<age / setting>, after FC says the earlier tasks are over', async () => {
    const s = stuckInstance(2 * R + 300);
    const inv = invoker(() => 'Failed');
    const summary = await run(s.tag, inv);
    const pendingId = summary.pending[0]!.versionId;
    expect(inv.sent.map((r) => r.taskId)).toEqual([resumeTaskId(s.instanceId, pendingId, 2)]);
    expect(inv.sent[0]!.taskId).toMatch(new RegExp(`^resume-${s.instanceId}-[0-9a-f]{12}-k2$`));
    const settings = fleetSettings({ FLEET_TAG_KEY: s.tag });
    // The period's task and the previous window's resume were both looked at.
    expect(inv.asked.sort()).toEqual(
      [
        fleetTaskId(s.instanceId, rotationPeriod(NOW, settings.intervalSeconds), settings.intervalSeconds),
        resumeTaskId(s.instanceId, pendingId, 1),
      ].sort(),
    );
    expect(summary.pending[0]).toMatchObject({ state: 'stuck', action: 'resumed', taskId: inv.sent[0]!.taskId });
  });

  it.each(['Enqueued', 'Running', 'Retrying', 'Stopping'])(
    'held back while an earlier task is %s: resume-in-flight, nothing queued',
    async (state) => {
      const s = stuckInstance(3 * R + 10);
      const inv = invoker((taskId) => (taskId.startsWith('rotate-') ? state : undefined));
      const summary = await run(s.tag, inv);
      expect(inv.sent).toHaveLength(0);
      expect(summary.skipped).toEqual([{ instanceId: s.instanceId, reason: 'resume-in-flight' }]);
      expect(summary.pending[0]).toMatchObject({ state: 'stuck', action: 'in-flight' });
    },
  );

  it('without GetAsyncTask (fc2): resumed in the first half of its window only', async () => {
    const early = stuckInstance(2 * R + R / 2 - 1);
    const first = invoker();
    await run(early.tag, first);
    expect(first.sent).toHaveLength(1);
    const late = stuckInstance(2 * R + R / 2 + 1);
    const second = invoker();
    const summary = await run(late.tag, second);
    expect(second.sent).toHaveLength(0);
    expect(summary.skipped).toEqual([{ instanceId: late.instanceId, reason: 'resume-window' }]);
  });

  it('a pending version older than ACSCurrent is stale: reported, never resumed; the instance is judged by ACSCurrent', async () => {
    n += 1;
    const tag = `es-guard:rules${n}`;
    const instanceId = `es-cn-rules${n}`;
    cloud.es.addInstance({ instanceId, adminPassword: 'Stale-pass-word-1', tags: [{ tagKey: tag, tagValue: 'true' }] });
    const record = (password: string) => JSON.stringify({ username: 'elastic', password, instanceId });
    cloud.kms.addSecret({
      secretName: `es-guard/${instanceId}/elastic`,
      versions: [
        {
          versionId: 'old-pending',
          secretData: record('Stale-pending-pw-1'),
          versionStages: ['ACSPending'],
          createTime: iso(10 * 86_400_000),
        },
        { versionId: 'manual', secretData: record('Stale-pass-word-1'), versionStages: ['ACSCurrent'], createTime: iso(86_400_000) },
      ],
    });
    const inv = invoker(() => undefined);
    const summary = await run(tag, inv);
    expect(inv.sent).toHaveLength(0);
    expect(summary.skipped).toEqual([{ instanceId, reason: 'fresh', ageSeconds: 86_400 }]);
    expect(summary.pending).toEqual([expect.objectContaining({ instanceId, versionId: 'old-pending', state: 'stale' })]);
    expect(summary.currentAges).toEqual([{ instanceId, ageSeconds: 86_400 }]);
  });
});
