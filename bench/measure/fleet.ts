import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../build';
import type { CallCount, FleetConfig, FleetResult } from '../child/fleet';
import { fixed } from '../report/format';
import type { BenchContext, GrowthSeries, InfoTable, Suite, SuiteResult, TargetRow } from '../suite';
import { only, runChild } from './spawn';

/** A few ms of activation after UpdateAdminPassword, and polls to match: the run is bound by the functions and the API, not by waiting. */
const ACTIVATION_MS = 3;
const POLL_MS = 2;
/** rotate-fleet's own default: secret reads and invocations in flight at once. */
const FLEET_CONCURRENCY = 16;
/** Rotations the emulated FC runs at once (as the fleet-300 test). */
const FC_CONCURRENCY = 32;
/** Only keeps a broken run from hanging the bench. */
const SAFETY_CAP_MS = 120_000;

const ROTATION_ENV: Readonly<Record<string, string>> = {
  ROTATION_TEST: 'true',
  ROTATION_TEST_POLL_MS: String(POLL_MS),
  ROTATION_TEST_TIMEOUT_SECONDS: '30',
  DATA_PLANE_TIMEOUT_MS: '2000',
  FLEET_CONCURRENCY: String(FLEET_CONCURRENCY),
  ROTATION_INTERVAL_DAYS: '30',
};

const bundle = (name: string): string => {
  const path = join(ROOT, 'dist', name, 'index.js');
  if (!existsSync(path)) throw new Error(`dist/${name}/index.js is missing: run npm run build`);
  return path;
};

async function fleetRun(ctx: BenchContext, n: number): Promise<FleetResult> {
  const config: FleetConfig = {
    fleetBundle: bundle('rotate-fleet'),
    rotateBundle: bundle('rotate-password'),
    n,
    activationMs: ACTIVATION_MS,
    fcConcurrency: FC_CONCURRENCY,
    pollMs: POLL_MS,
    env: { ...ROTATION_ENV },
    fleetTimeoutSec: 900,
    rotateTimeoutSec: 60,
  };
  const outcome = await runChild<FleetResult | { error: string }>(ctx.build.child.fleet, config, { capMs: SAFETY_CAP_MS });
  if (outcome.capped) throw new Error(`fleet N=${n}: stopped after ${SAFETY_CAP_MS / 1000} s`);
  return only(outcome, `fleet N=${n}`) as FleetResult;
}

const sum = (calls: readonly CallCount[], pick: (c: CallCount) => number): number => calls.reduce((a, c) => a + pick(c), 0);
const ms = (x: number): string => `${fixed(x, 0)} ms`;

function callTable(runs: readonly FleetResult[]): InfoTable {
  const operations = [...new Set(runs.flatMap((r) => r.calls.map((c) => c.operation)))].sort();
  const cell = (r: FleetResult, op: string): string => {
    const c = r.calls.find((x) => x.operation === op);
    if (!c) return '0';
    const codes = Object.entries(c.refusedCodes)
      .map(([code, k]) => `${k} ${code}`)
      .join(', ');
    return `${c.fleet} + ${c.rotations}${c.refused ? ` (refused: ${codes})` : ''}`;
  };
  return {
    title: 'Fleet rotation: API calls of the first firing by operation (rotate-fleet + rotate-password)',
    columns: ['operation', ...runs.map((r) => `N=${r.n}`), ...runs.map((r) => `per instance, N=${r.n}`)],
    rows: operations.map((op) => [
      op,
      ...runs.map((r) => cell(r, op)),
      ...runs.map((r) => {
        const c = r.calls.find((x) => x.operation === op);
        return fixed(c ? (c.fleet + c.rotations) / r.n : 0, 2);
      }),
    ]),
    notes: [
      "Counted in the local cloud's call log; split by caller key: rotate-fleet signs with the context's key, " +
        'each rotate-password with the STS key FC hands it.',
      'Refused: answers other than 2xx, by code; Forbidden.ResourceNotFound is a GetSecretValue of a secret (or stage) ' +
        'not written yet: every instance here starts without a secret.',
    ],
  };
}

/**
 * rotate-fleet fired once by a timer over N tagged instances that are all due (no secret yet), the built
 * rotate-password run by the emulator's FC for every queued rotation, then fired again in the same period.
 * Each size runs in a fresh process holding the local cloud and both bundles.
 */
export const fleet: Suite = {
  name: 'fleet',
  async run(ctx: BenchContext): Promise<SuiteResult> {
    const runs: FleetResult[] = [];
    for (const n of ctx.options.fleetSizes) {
      ctx.log(`  fleet: N=${n}`);
      runs.push(await fleetRun(ctx, n));
    }
    const rows = runs.map((r) => {
      const fleetCalls = sum(r.calls, (c) => c.fleet);
      const rotationCalls = sum(r.calls, (c) => c.rotations);
      return [
        String(r.n),
        `${r.counts.due} / ${r.counts.dispatched} / ${r.counts.failed}`,
        ms(r.fleetMs),
        ms(r.allRotatedMs),
        `${fleetCalls} + ${rotationCalls} = ${r.callsTotal}${r.callLogFull ? ' (log full: undercount)' : ''}`,
        fixed(r.callsTotal / r.n, 1),
        String(r.peakRotations),
        `${r.invocations} (${r.invocationsFailed} failed, ${r.invocationsRetried} retried)`,
        String(r.mismatches),
        `${r.refire.counts.dispatched} (${ms(r.refire.ms)})`,
      ];
    });
    const mismatches = runs.reduce((a, r) => a + r.mismatches, 0);
    const redispatched = runs.reduce((a, r) => a + r.refire.counts.dispatched + r.refire.newInvocations + r.refire.passwordChanges, 0);
    const otherPeriod = runs.filter((r) => !r.refire.samePeriod);
    const sizes = runs.map((r) => r.n).join(', ');
    const examples = runs.flatMap((r) => r.mismatchExamples.map((e) => `N=${r.n} ${e}`)).slice(0, 5);
    const target: TargetRow = {
      name: 'fleet: each due instance rotated exactly once, second firing dispatches nothing',
      target: '0 mismatches, 0 dispatched on re-fire',
      measured:
        `mismatches ${runs.map((r) => r.mismatches).join('/')}, re-fire dispatched ` +
        `${runs.map((r) => r.refire.counts.dispatched).join('/')} (N=${sizes.replace(/, /g, '/')})`,
      met: mismatches === 0 && redispatched === 0 && otherPeriod.length === 0,
      value: mismatches + redispatched,
      limit: 0,
      unit: 'instances',
      ...((mismatches > 0 || redispatched > 0 || otherPeriod.length > 0) && {
        note: [
          examples.length ? `mismatches: ${examples.join('; ')}` : '',
          redispatched ? `the second firing queued ${redispatched} invocations/changes` : '',
          otherPeriod.length ? `the second firing fell in another rotation period at N=${otherPeriod.map((r) => r.n).join(', ')}` : '',
        ]
          .filter(Boolean)
          .join('; '),
      }),
    };
    const growth: GrowthSeries[] = [
      { name: 'fleet: rotate-fleet run', unit: 'ms', points: runs.map((r) => ({ size: r.n, value: r.fleetMs })) },
      { name: 'fleet: time to all rotated', unit: 'ms', points: runs.map((r) => ({ size: r.n, value: r.allRotatedMs })) },
      { name: 'fleet: API calls', unit: 'calls', points: runs.map((r) => ({ size: r.n, value: r.callsTotal })) },
    ];
    return {
      tables: [
        {
          title: `Fleet rotation: rotate-fleet fired once over N tagged instances, all due (activation window ${ACTIVATION_MS} ms)`,
          columns: [
            'N',
            'due / dispatched / failed',
            'fleet run',
            'to all rotated',
            'API calls (fleet + rotations)',
            'calls / instance',
            'peak rotations',
            'rotate-password invocations',
            'mismatches',
            're-fire dispatched',
          ],
          rows,
          notes: [
            'One fresh node process per N holds the local cloud and both built bundles (dist/rotate-fleet, dist/rotate-password): ' +
              'the emulated FC runs the rotate function in-process, as FC would run it beside the API.',
            `Fleet run: the rotate-fleet invocation (ListInstance pages, a GetSecretValue and an async InvokeFunction per due ` +
              `instance, FLEET_CONCURRENCY=${FLEET_CONCURRENCY}); rotations start meanwhile.`,
            `To all rotated: from the firing until the emulated FC (async concurrency ${FC_CONCURRENCY}) has nothing queued, ` +
              `running or waiting to retry; polls every ${POLL_MS} ms, login test on.`,
            'Mismatches: instances without exactly one UpdateAdminPassword, or whose cluster password is not the one ACSCurrent ' +
              'holds (or is still the seeded one).',
            'Re-fire: rotate-fleet fired again in the same rotation period after all rotations ended; every instance is then fresh.',
          ],
        },
        callTable(runs),
      ],
      targets: [target],
      growth,
      raw: runs,
    };
  },
};
