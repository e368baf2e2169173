import { type LocalCloud, startLocalCloud } from '../../local-cloud';
import { fixed } from '../report/format';
import type { BenchContext, Suite, SuiteResult } from '../suite';
import { FAST_POLL_MS } from './first-call';
import { contextBase, functionEnv, seedInstance } from './local';
import { only, runChild } from './spawn';
import { type Summary, summarize } from './stats';
import { captureAnswers, type StubServer, startStub } from './stub-server';
import { baselineSubject, functionSubjects, type Subject } from './subjects';

interface WarmSample {
  readonly samplesUs: number[];
  readonly wallMs: number;
  readonly failures: number;
  readonly warmupFailures: number;
  readonly floorUs: number[];
}

/** Instances the requests go round, so that no write meets the previous write's one-tick activation. */
const INSTANCES = 64;
const IP = '10.100.0.1';
const FLOOR_PATH = '/floor';

interface WarmRun {
  readonly side: string;
  readonly server: string;
  readonly latencyUs: Summary;
  readonly perSecond: number;
  readonly callsPerInvocation: number;
  readonly activatingRefusals: number;
  /** Against the stub: the latency less `callsPerInvocation` bare round trips. */
  readonly netUs?: Summary;
  readonly floorUs?: Summary;
  /** Every measured invocation and bare round trip, µs, for raw.json. */
  readonly samples: { readonly invocationUs: readonly number[]; readonly floorUs: readonly number[] };
}

/** Sequential invocations: one over the mean time (the wall clock of a stub run also holds the bare round trips). */
const perSecond = (samplesUs: readonly number[]): number => (samplesUs.length / samplesUs.reduce((a, b) => a + b, 0)) * 1e6;

function idsFor(prefix: string): string[] {
  return Array.from({ length: INSTANCES }, (_, i) => `es-cn-warm-${prefix}-${i}`);
}

async function runWarm(
  ctx: BenchContext,
  side: Subject,
  env: Record<string, string>,
  cloud: LocalCloud,
  instances: string[],
  pattern: 'alternate' | 'append',
  floorUrl?: string,
): Promise<WarmSample> {
  const { warmup, iterations } = ctx.options;
  const config = {
    bundle: side.entry,
    env,
    context: contextBase(cloud, `es-guard-${side.name}`, 60),
    instances,
    pattern,
    ip: IP,
    warmup,
    iterations,
    ...(floorUrl && { floorUrl }),
  };
  const sample = only(await runChild<WarmSample>(ctx.build.child.warm, config), `warm ${side.name}`);
  if (sample.failures + sample.warmupFailures > 0)
    throw new Error(`warm ${side.name}: ${sample.failures + sample.warmupFailures} invocations did not answer 200`);
  return sample;
}

/** Against the local cloud: a fresh emulator per side, so its call log counts that side's calls alone. */
async function againstLocalCloud(ctx: BenchContext, side: Subject): Promise<WarmRun> {
  const prefix = side.isBaseline ? 'base' : 'esg';
  const cloud = await startLocalCloud({ activationMs: 0, seed: { instances: idsFor(prefix).map(seedInstance) } });
  try {
    const sample = await runWarm(ctx, side, functionEnv(cloud, FAST_POLL_MS), cloud, idsFor(prefix), 'alternate');
    const calls = cloud.calls();
    const invocations = ctx.options.warmup + ctx.options.iterations;
    return {
      side: side.name,
      server: 'local cloud',
      latencyUs: summarize(sample.samplesUs),
      perSecond: perSecond(sample.samplesUs),
      callsPerInvocation: calls.length / invocations,
      activatingRefusals: calls.filter((c) => c.code === 'InstanceActivating').length,
      samples: { invocationUs: sample.samplesUs, floorUs: [] },
    };
  } finally {
    await cloud.close();
  }
}

async function againstStub(ctx: BenchContext, side: Subject, stub: StubServer, cloud: LocalCloud): Promise<WarmRun> {
  const before = stub.requests();
  const env = functionEnv(cloud, FAST_POLL_MS, { ES_ENDPOINT: stub.url });
  const sample = await runWarm(ctx, side, env, cloud, idsFor('stub'), 'append', `${stub.url}${FLOOR_PATH}`);
  const calls = (stub.requests() - before) / (ctx.options.warmup + ctx.options.iterations);
  const floor = summarize(sample.floorUs);
  return {
    side: side.name,
    server: 'instant stub',
    latencyUs: summarize(sample.samplesUs),
    perSecond: perSecond(sample.samplesUs),
    callsPerInvocation: calls,
    activatingRefusals: 0,
    netUs: summarize(sample.samplesUs.map((us) => us - calls * floor.median)),
    floorUs: floor,
    samples: { invocationUs: sample.samplesUs, floorUs: sample.floorUs },
  };
}

const us = (x: number): string => `${fixed(x / 1000, 3)} ms`;

/**
 * The warm path, one process per side after a warm-up: first against the local cloud with no activation
 * delay, then against an instant-answer stub, where the bare keep-alive round trip measured in the same
 * process (one after each invocation) is subtracted once per API call to leave the function's own work (decode, validate, plan,
 * sign, build and parse requests, log).
 */
export const warmPath: Suite = {
  name: 'warm path',
  async run(ctx: BenchContext): Promise<SuiteResult> {
    const whitelist = functionSubjects().find((s) => s.name === 'whitelist');
    if (!whitelist) throw new Error('dist/whitelist/index.js is missing: run npm run build');
    const sides = [whitelist, baselineSubject(ctx.build.baselineDir)];
    const runs: WarmRun[] = [];
    for (const side of sides) runs.push(await againstLocalCloud(ctx, side));

    const cloud = await startLocalCloud({ activationMs: 0, seed: { instances: [seedInstance('es-cn-warm-capture')] } });
    const stub = await startStub(await captureAnswers(cloud, 'es-cn-warm-capture', IP), { uncounted: FLOOR_PATH });
    try {
      for (const side of sides) runs.push(await againstStub(ctx, side, stub, cloud));
    } finally {
      await stub.close();
      await cloud.close();
    }

    const esgStub = runs.find((r) => r.side === 'whitelist' && r.netUs)!;
    const baselineOn = (server: string) => runs.find((r) => r.server === server && r.side === 'baseline')!;
    const rows = runs.map((r) => [
      r.side,
      r.server,
      fixed(r.perSecond, 0),
      us(r.latencyUs.median),
      r.side === 'baseline' ? '—' : `${fixed(r.latencyUs.median / baselineOn(r.server).latencyUs.median, 2)}×`,
      us(r.latencyUs.p99),
      fixed(r.callsPerInvocation, 2),
      r.netUs ? us(r.netUs.median) : '—',
      r.netUs ? us(r.netUs.p99) : '—',
      r.netUs ? us(r.netUs.median / r.callsPerInvocation) : '—',
    ]);
    const baseStub = baselineOn('instant stub');
    const ownMs = esgStub.netUs!.median / 1000;
    const perCallMs = ownMs / esgStub.callsPerInvocation;
    const basePerCallMs = baseStub.netUs!.median / 1000 / baseStub.callsPerInvocation;
    // Information only: the target is per API call (bench/measure/per-call.ts), because a whitelist
    // request makes several signed calls by design and the SDK baseline one.
    const whole =
      `whole request, own overhead (information; the target is per API call, see the next table): ` +
      `es-guard ${us(esgStub.netUs!.median)} p50 for ${fixed(esgStub.callsPerInvocation, 1)} API calls ` +
      `(${fixed(perCallMs, 3)} ms each, each call less a ${us(esgStub.floorUs!.median)} bare round trip), ` +
      `the baseline ${us(baseStub.netUs!.median)} for ${fixed(baseStub.callsPerInvocation, 1)} (${fixed(basePerCallMs, 3)} ms each).`;
    return {
      tables: [
        {
          title:
            'Warm path: sequential HTTP-trigger whitelist requests in one process ' +
            `(${ctx.options.warmup} warm-up, ${ctx.options.iterations} measured)`,
          columns: [
            'bundle',
            'server',
            'invocations/s',
            'p50',
            'p50 / baseline',
            'p99',
            'API calls/inv.',
            'own overhead p50',
            'own overhead p99',
            'own p50 per API call',
          ],
          rows,
          notes: [
            `local cloud: activationMs 0, signatures verified; requests go round ${INSTANCES} instances alternating Append/Delete of ` +
              `one entry, so every request is a real write.`,
            `Even at activationMs 0 an instance stays activating until a 1 ms timer fires; es-guard's read-back meets it and polls ` +
              `again after INSTANCE_POLL_MS=${FAST_POLL_MS} (calls/inv. above 3), the baseline never reads back.`,
            'instant stub: answers DescribeInstance and the write with bodies recorded from the local cloud, ' +
              'verifies nothing (Append only; it keeps no state).',
            'own overhead = invocation time − (API calls per invocation × median bare keep-alive GET to the same stub, ' +
              'one made after each invocation in the same process).',
            "Only the Elasticsearch endpoint is stubbed: the whitelist's change records still go to the local cloud's Tablestore in " +
              'the bench process, and those round trips are not subtracted, so own overhead holds them.',
            'es-guard reads the instance before each write (state, guardrails, no-op detection) and reads the result back after it: ' +
              "3 calls to the baseline's 1.",
            whole,
          ],
        },
      ],
      targets: [],
      raw: runs,
    };
  },
};
