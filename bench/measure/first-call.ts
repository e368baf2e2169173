import { startLocalCloud } from '../../local-cloud';
import { httpTriggerEvent } from '../../local-cloud/runner/fc-events';
import { fixed, spread } from '../report/format';
import type { BenchContext, Suite, SuiteResult } from '../suite';
import { contextBase, functionEnv, seedInstance } from './local';
import { only, runChild } from './spawn';
import { pairRatios, rotate, summarize } from './stats';
import { baselineSubject, functionSubjects } from './subjects';

interface FirstCallSample {
  readonly requireMs: number;
  readonly callMs: number;
  readonly totalMs: number;
  readonly sinceProcessStartMs: number;
  readonly status: number | undefined;
  readonly rssBytes: number;
}

/**
 * Poll interval against a zero-latency cloud. activationMs 0 still leaves an instance `activating` until
 * a 1 ms timer fires, and es-guard's read-back after a write can meet that; 1 ms is the least it allows.
 */
export const FAST_POLL_MS = 1;
const IP = '10.100.0.1';

/**
 * Cold start end to end: a fresh process loads the bundle and serves one HTTP-trigger Append against a
 * local cloud started here (activationMs 0), each run on an instance of its own.
 */
export const firstCall: Suite = {
  name: 'cold start: first invocation',
  async run(ctx: BenchContext): Promise<SuiteResult> {
    const whitelist = functionSubjects().find((s) => s.name === 'whitelist');
    if (!whitelist) throw new Error('dist/whitelist/index.js is missing: run npm run build');
    const sides = [baselineSubject(ctx.build.baselineDir), whitelist];
    const runs = ctx.options.firstCallRuns;
    const idOf = (side: string, r: number) => `es-cn-first-${side === 'baseline' ? 'base' : 'esg'}-${r}`;
    const cloud = await startLocalCloud({
      activationMs: 0,
      seed: { instances: sides.flatMap((s) => Array.from({ length: runs }, (_, r) => seedInstance(idOf(s.name, r)))) },
    });
    const samples = new Map<string, FirstCallSample[]>(sides.map((s) => [s.name, []]));
    try {
      for (let r = 0; r < runs; r++) {
        for (const side of rotate(sides, r)) {
          const instanceId = idOf(side.name, r);
          const event = httpTriggerEvent({
            method: 'POST',
            rawPath: `/openapi/instances/${instanceId}/private-network-white-ips`,
            query: { modifyMode: 'Append' },
            headers: { 'content-type': 'application/json', 'user-agent': 'bench' },
            // Append exists only in the group form (SDK remark); the baseline passes the body on as it is.
            body: JSON.stringify({ whiteIpGroup: { groupName: 'default', ips: [IP] } }),
          });
          const config = {
            bundle: side.entry,
            env: functionEnv(cloud, FAST_POLL_MS),
            event,
            context: contextBase(cloud, `es-guard-${side.name}`, 60),
          };
          const sample = only(await runChild<FirstCallSample>(ctx.build.child['first-call'], config), `first call ${side.name}`);
          if (sample.status !== 200 || !cloud.es.whitelist(instanceId)?.includes(IP)) {
            throw new Error(
              `first call ${side.name}: answered ${sample.status}; whitelist now ${JSON.stringify(cloud.es.whitelist(instanceId))}`,
            );
          }
          samples.get(side.name)!.push(sample);
        }
      }
    } finally {
      await cloud.close();
    }
    const base = samples.get('baseline')!;
    const esg = samples.get('whitelist')!;
    const ratio = summarize(
      pairRatios(
        esg.map((s) => s.totalMs),
        base.map((s) => s.totalMs),
      ),
    );
    const rows = sides.map((s) => {
      const list = samples.get(s.name)!;
      const total = summarize(list.map((x) => x.totalMs));
      return [
        s.name,
        spread(summarize(list.map((x) => x.requireMs)), 'ms'),
        spread(summarize(list.map((x) => x.callMs)), 'ms'),
        spread(total, 'ms'),
        spread(summarize(list.map((x) => x.sinceProcessStartMs)), 'ms'),
        s.isBaseline ? '—' : `${fixed(ratio.median, 3)} (1/${fixed(1 / ratio.median, 1)})`,
      ];
    });
    return {
      tables: [
        {
          title: `Cold start: first invocation end to end (${runs} fresh processes each, median (min–max))`,
          columns: ['bundle', 'require()', 'first call', 'load + first call', 'process start → answered', 'total / baseline'],
          rows,
          notes: [
            'One HTTP-trigger POST …/private-network-white-ips?modifyMode=Append against the local cloud ' +
              '(V3 signatures verified, activationMs 0).',
            'es-guard makes three API calls (DescribeInstance to check state and rules, the write, ' +
              'DescribeInstance to read the result back), plus a poll when the read-back meets the 1 ms activation tick; ' +
              'the baseline makes one.',
          ],
        },
      ],
      targets: [],
      raw: { samples: Object.fromEntries(samples), ratio },
    };
  },
};
