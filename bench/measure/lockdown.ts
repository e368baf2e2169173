import { createRequire } from 'node:module';
import { join } from 'node:path';
import Elasticsearch, * as $ES from '@alicloud/elasticsearch20170613';
import { $OpenApiUtil } from '@alicloud/openapi-core';
import { type LocalCloud, startLocalCloud, type WhiteIpGroup } from '../../local-cloud';
import { ROOT } from '../build';
import { fixed } from '../report/format';
import type { BenchContext, InfoTable, Suite, SuiteResult, TargetRow } from '../suite';

/**
 * The lockdown function (dist/lockdown, in this process) over a fleet on the local cloud:
 * - a report-mode timer sweep over N tagged instances, some with drift: time to the complete drift
 *   report, API calls per instance, writes (must be 0);
 * - enforce mode, one instance at a time: a console user (own key, official SDK) opens Elasticsearch public
 *   access; the ActionTrail event the local cloud emits is handed to the handler as EventBridge would;
 *   time from the change's answer to the handler's answer with the access closed again. Event delivery by
 *   EventBridge itself (seconds on the real bus) is not in the figure.
 */

const N = 1000;
const DRIFTED = 100;
const EVENT_SAMPLES = 20;
const ACTIVATION_MS = 3;
const CONSOLE = { accessKeyId: 'bench-console', accessKeySecret: 'bench-console-secret' };
const GUARD = { accessKeyId: 'bench-lockdown', accessKeySecret: 'bench-lockdown-secret' };

type Handler = (event: Buffer, context: Record<string, unknown>) => Promise<unknown>;

const GROUPS: readonly WhiteIpGroup[] = [
  { groupName: 'default', ips: ['192.168.0.0/24'], whiteIpType: 'PRIVATE_ES' },
  { groupName: 'es_guard', ips: ['10.1.0.0/24'], whiteIpType: 'PRIVATE_ES' },
  { groupName: 'default', ips: ['203.0.113.0/24'], whiteIpType: 'PUBLIC_KIBANA' },
];

const POLICY = JSON.stringify({
  version: 1,
  policies: [
    {
      name: 'bench',
      select: { tags: [{ tagKey: 'lockdown', tagValue: 'on' }] },
      exposure: { elasticsearchPublic: false, kibanaPublic: false, https: true },
      whitelists: { PRIVATE_ES: { groups: { es_guard: { entries: ['10.1.0.0/24'] } } } },
    },
  ],
});

function sdk(cloud: LocalCloud) {
  const Client = ((Elasticsearch as unknown as { default?: typeof Elasticsearch }).default ?? Elasticsearch) as typeof Elasticsearch;
  return new Client(
    new $OpenApiUtil.Config({ ...CONSOLE, endpoint: `127.0.0.1:${cloud.port}`, protocol: 'http', regionId: 'cn-hangzhou' }),
  );
}

let seq = 0;
function context(timeoutSec: number): Record<string, unknown> {
  seq += 1;
  return {
    requestId: `bench-lockdown-${seq}`,
    credentials: { ...GUARD, securityToken: '' },
    function: { name: 'es-guard-lockdown', handler: 'index.handler', memory: 256, timeout: timeoutSec },
    region: 'cn-hangzhou',
    accountId: '1234567890123456',
  };
}

/** The function's log lines go to FC's log service, not the bench's output: counted and dropped. */
async function quiet<T>(fn: () => Promise<T>): Promise<{ value: T; logBytes: number }> {
  const write = process.stdout.write.bind(process.stdout);
  let logBytes = 0;
  process.stdout.write = ((chunk: string | Uint8Array) => {
    logBytes += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length;
    return true;
  }) as typeof process.stdout.write;
  try {
    return { value: await fn(), logBytes };
  } finally {
    process.stdout.write = write;
  }
}

export const lockdown: Suite = {
  name: 'lockdown',
  async run(ctx: BenchContext): Promise<SuiteResult> {
    const saved = { ...process.env };
    const cloud = await startLocalCloud({
      activationMs: ACTIVATION_MS,
      accessKeys: { [GUARD.accessKeyId]: GUARD.accessKeySecret, [CONSOLE.accessKeyId]: CONSOLE.accessKeySecret },
    });
    try {
      const drifted = new Set<string>();
      for (let i = 0; i < N; i++) {
        const instanceId = `es-cn-bench${String(i).padStart(5, '0')}`;
        const kind = i < DRIFTED ? i % 3 : -1;
        if (kind >= 0) drifted.add(instanceId);
        cloud.es.addInstance({
          instanceId,
          adminPassword: 'Initial-Passw0rd',
          tags: [{ tagKey: 'lockdown', tagValue: 'on' }],
          whiteIpGroupList: GROUPS.map((g) =>
            kind === 2 && g.groupName === 'es_guard' ? { ...g, ips: ['10.1.0.0/24', '10.99.0.0/16'] } : { ...g, ips: [...g.ips] },
          ),
          network: { protocol: 'HTTPS', enablePublic: kind === 0, enableKibanaPublicNetwork: kind === 1 },
        });
      }
      Object.assign(process.env, cloud.env, {
        LOCKDOWN_POLICY: POLICY,
        LOCKDOWN_MODE: 'report',
        LOCKDOWN_CONCURRENCY: '16',
        INSTANCE_POLL_MS: '2',
        LOG_LEVEL: 'info',
      });
      for (const k of ['LOCKDOWN_STATE_SECRET', 'ALLOWED_INSTANCE_IDS', 'OUTCOME_EVENT_BUS']) delete process.env[k];
      const handler = (createRequire(__filename)(join(ROOT, 'dist', 'lockdown', 'index.js')) as { handler: Handler }).handler;

      ctx.log(`  lockdown: report sweep over ${N} instances (${DRIFTED} with drift)`);
      const callsBefore = cloud.calls().length;
      const writesBefore = cloud.es.changes.length;
      const started = process.hrtime.bigint();
      const sweep = await quiet(
        () =>
          handler(
            Buffer.from(JSON.stringify({ triggerTime: new Date().toISOString(), triggerName: 'sweep', payload: '{}' })),
            context(900),
          ) as Promise<{ instances: number; counts: Record<string, number>; writes: number }>,
      );
      const sweepMs = Number(process.hrtime.bigint() - started) / 1e6;
      const calls = cloud.calls().slice(callsBefore);
      const reportWrites = cloud.es.changes.length - writesBefore;
      const byOp = new Map<string, number>();
      for (const c of calls) byOp.set(c.operation ?? 'refused', (byOp.get(c.operation ?? 'refused') ?? 0) + 1);

      ctx.log(`  lockdown: ${EVENT_SAMPLES} out-of-band changes, each event to its remediation (enforce)`);
      process.env['LOCKDOWN_MODE'] = 'enforce';
      const user = sdk(cloud);
      const latencies: number[] = [];
      let remediated = 0;
      for (let i = 0; i < EVENT_SAMPLES; i++) {
        const instanceId = `es-cn-bench${String(N - 1 - i).padStart(5, '0')}`;
        await user.triggerNetwork(
          instanceId,
          new $ES.TriggerNetworkRequest({ nodeType: 'WORKER', networkType: 'PUBLIC', actionType: 'OPEN' }),
        );
        const changedAt = process.hrtime.bigint();
        const event = cloud.trail.events().at(-1)!;
        const out = await quiet(
          () => handler(Buffer.from(JSON.stringify(event)), context(60)) as Promise<{ counts: Record<string, number> }>,
        );
        latencies.push(Number(process.hrtime.bigint() - changedAt) / 1e6);
        const after = (await user.describeInstance(instanceId)).body?.result;
        if (out.value.counts['remediated'] === 1 && after?.enablePublic === false) remediated += 1;
      }
      latencies.sort((a, b) => a - b);
      const median = latencies[Math.floor(latencies.length / 2)] ?? 0;
      const p95 = latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * 0.95))] ?? 0;

      const perInstance = calls.length / N;
      const table: InfoTable = {
        title: `Lockdown: report sweep over ${N} instances (${DRIFTED} with drift) and out-of-band change to remediation`,
        columns: ['figure', 'value'],
        rows: [
          ['time to the complete drift report (timer sweep, report mode)', `${fixed(sweepMs, 0)} ms`],
          ['instances reported / with drift found', `${sweep.value.instances} / ${sweep.value.counts['drift'] ?? 0} (expected ${DRIFTED})`],
          ['API calls per instance (sweep)', `${fixed(perInstance, 3)} (${[...byOp].map(([op, n]) => `${op} ${n}`).join(', ')})`],
          ['writes in report mode', String(reportWrites)],
          ['log volume of the sweep (one drift record per instance)', `${fixed(sweep.logBytes / 1024, 0)} KiB`],
          [
            `out-of-band change to remediation, enforce (${EVENT_SAMPLES} events)`,
            `median ${fixed(median, 1)} ms, p95 ${fixed(p95, 1)} ms (${remediated} of ${latencies.length} remediated)`,
          ],
        ],
        notes: [
          `Local cloud in this process, activation window ${ACTIVATION_MS} ms, DescribeInstance poll 2 ms, LOCKDOWN_CONCURRENCY 16; ` +
            `the handler is dist/lockdown/index.js.`,
          "Remediation time runs from the console user's TriggerNetwork answer to the handler's answer: " +
            'DescribeInstance until active, the TriggerNetwork CLOSE, DescribeInstance until active again. ' +
            "EventBridge's own delivery delay is not included.",
        ],
      };
      const targets: TargetRow[] = [
        {
          name: 'lockdown: writes in report mode',
          target: '= 0',
          measured: String(reportWrites),
          met: reportWrites === 0,
          value: reportWrites,
          limit: 0,
          unit: 'writes',
        },
        {
          name: 'lockdown: API calls per instance in a sweep',
          target: '<= 1.1',
          measured: fixed(perInstance, 3),
          met: perInstance <= 1.1,
          value: perInstance,
          limit: 1.1,
          unit: 'calls',
        },
        {
          name: 'lockdown: out-of-band changes remediated',
          target: `= ${EVENT_SAMPLES}`,
          measured: String(remediated),
          met: remediated === EVENT_SAMPLES,
          value: remediated,
          limit: EVENT_SAMPLES,
          unit: 'events',
        },
        {
          name: `lockdown: drift report over ${N} instances`,
          target: '<= 30000 ms',
          measured: `${fixed(sweepMs, 0)} ms`,
          met: sweepMs <= 30_000,
          value: sweepMs,
          limit: 30_000,
          unit: 'ms',
        },
      ];
      return {
        tables: [table],
        targets,
        raw: {
          sweepMs,
          remediated,
          perInstance,
          byOp: Object.fromEntries(byOp),
          reportWrites,
          counts: sweep.value.counts,
          latencies,
          drifted: drifted.size,
        },
      };
    } finally {
      await cloud.close();
      for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
      Object.assign(process.env, saved);
    }
  },
};
