// One fleet size in one fresh process: the local cloud, N due instances, rotate-fleet fired by a timer,
// rotate-password run by the emulator's FC for every queued rotation. Both bundles and the emulator share
// this process because the emulator's FC runs registered handlers in-process (as the fleet-300 test does).
import { performance } from 'node:perf_hooks';
import { type CallRecord, startLocalCloud } from '../../local-cloud';
import { timerTriggerEvent } from '../../local-cloud/runner/fc-events';
import type { FleetSummary } from '../../shared/fleet';
import { contextBase, functionEnv } from '../measure/local';
import { contextFor } from './events';
import { loadBundle, readConfig, report } from './protocol';

export interface FleetConfig {
  readonly fleetBundle: string;
  readonly rotateBundle: string;
  readonly n: number;
  readonly activationMs: number;
  /** The emulated FC's async concurrency (rotations at once). */
  readonly fcConcurrency: number;
  /** DescribeInstance and login-test polls of rotate-password. */
  readonly pollMs: number;
  /** Both functions' further settings (FLEET_CONCURRENCY…); the cloud's endpoints are added here. */
  readonly env: Record<string, string>;
  readonly fleetTimeoutSec: number;
  readonly rotateTimeoutSec: number;
}

export interface CallCount {
  readonly operation: string;
  /** The fleet function's own calls (the long-term key), and rotate-password's (the STS keys FC hands it). */
  readonly fleet: number;
  readonly rotations: number;
  /** Answers other than 2xx, and their error codes. */
  readonly refused: number;
  readonly refusedCodes: Readonly<Record<string, number>>;
}

export interface FleetResult {
  readonly n: number;
  readonly fleetMs: number;
  /** From the firing until FC has nothing queued, running or waiting to retry. */
  readonly allRotatedMs: number;
  readonly summaryDurationMs: number;
  readonly counts: FleetSummary['counts'];
  readonly calls: readonly CallCount[];
  readonly callsTotal: number;
  /** The call log is bounded; a full log would undercount. */
  readonly callLogFull: boolean;
  readonly peakRotations: number;
  readonly invocations: number;
  readonly invocationsFailed: number;
  /** Invocations that needed more than one attempt. */
  readonly invocationsRetried: number;
  /** Instances not ending with exactly one password change and the cluster password equal to ACSCurrent. */
  readonly mismatches: number;
  readonly mismatchExamples: readonly string[];
  readonly refire: {
    readonly ms: number;
    readonly counts: FleetSummary['counts'];
    readonly samePeriod: boolean;
    readonly newInvocations: number;
    readonly passwordChanges: number;
  };
}

const CALL_LOG_CAPACITY = 10_000;

function countCalls(calls: readonly CallRecord[], fleetKey: string): CallCount[] {
  const by = new Map<string, { fleet: number; rotations: number; refused: number; refusedCodes: Record<string, number> }>();
  for (const c of calls) {
    const op = c.operation ?? '(refused before routing)';
    const row = by.get(op) ?? { fleet: 0, rotations: 0, refused: 0, refusedCodes: {} };
    if (c.accessKeyId === fleetKey) row.fleet += 1;
    else row.rotations += 1;
    if (c.status < 200 || c.status >= 300) {
      row.refused += 1;
      const code = c.code ?? `HTTP ${c.status}`;
      row.refusedCodes[code] = (row.refusedCodes[code] ?? 0) + 1;
    }
    by.set(op, row);
  }
  return [...by.entries()].map(([operation, r]) => ({ operation, ...r })).sort((a, b) => a.operation.localeCompare(b.operation));
}

async function main(): Promise<void> {
  const cfg = readConfig<FleetConfig>();
  const cloud = await startLocalCloud({ activationMs: cfg.activationMs, fc: { concurrency: cfg.fcConcurrency, retryDelayMs: 5 } });
  try {
    Object.assign(process.env, functionEnv(cloud, cfg.pollMs, cfg.env));
    const context = contextBase(cloud, 'es-guard-rotate-fleet', cfg.fleetTimeoutSec);
    const initial = new Map<string, string>();
    for (let i = 0; i < cfg.n; i++) {
      const instanceId = `es-cn-fleet${String(i).padStart(4, '0')}`;
      const adminPassword = `Init-fleet-${i}-Pw9`;
      // Tagged, and no secret yet: every instance is due.
      cloud.es.addInstance({ instanceId, adminPassword, tags: [{ tagKey: 'es-guard:rotate', tagValue: 'true' }] });
      initial.set(instanceId, adminPassword);
    }
    const fleet = loadBundle(cfg.fleetBundle).handler;
    const rotate = loadBundle(cfg.rotateBundle).handler;
    let running = 0;
    let peak = 0;
    cloud.fc.register(
      'es-guard-rotate-password',
      async (event, context) => {
        running += 1;
        peak = Math.max(peak, running);
        try {
          return await rotate(event, context);
        } finally {
          running -= 1;
        }
      },
      { timeout: cfg.rotateTimeoutSec, maxAsyncRetryAttempts: 3 },
    );
    const fire = () =>
      fleet(Buffer.from(JSON.stringify(timerTriggerEvent('schedule', '{}'))), contextFor(context)) as Promise<FleetSummary>;

    const started = performance.now();
    const summary = await fire();
    const fleetMs = performance.now() - started;
    await cloud.fc.idle();
    const allRotatedMs = performance.now() - started;

    const calls = cloud.calls();
    const invocations = cloud.fc.invocations.filter((i) => i.functionName === 'es-guard-rotate-password');
    const changes = new Map<string, number>();
    for (const c of cloud.es.changes)
      if (c.operation === 'UpdateAdminPassword') changes.set(c.instanceId, (changes.get(c.instanceId) ?? 0) + 1);
    const mismatchExamples: string[] = [];
    let mismatches = 0;
    for (const [instanceId, initialPassword] of initial) {
      const n = changes.get(instanceId) ?? 0;
      const data = cloud.kms.value(`es-guard/${instanceId}/elastic`, 'ACSCurrent');
      const current = data === undefined ? undefined : (JSON.parse(data) as { password?: unknown }).password;
      // Reasons only: no password may reach the bench's output.
      const problem =
        n !== 1
          ? `${n} password changes`
          : typeof current !== 'string'
            ? 'no password in ACSCurrent'
            : current === initialPassword
              ? 'ACSCurrent still holds the seeded password'
              : cloud.es.effectivePassword(instanceId) !== current
                ? 'cluster password differs from ACSCurrent'
                : undefined;
      if (problem) {
        mismatches += 1;
        if (mismatchExamples.length < 5) mismatchExamples.push(`${instanceId}: ${problem}`);
      }
    }

    // The same period again: every instance is now fresh, so nothing may be queued.
    const before = cloud.fc.invocations.length;
    const changesBefore = cloud.es.changes.length;
    const again = performance.now();
    const second = await fire();
    const refireMs = performance.now() - again;
    await cloud.fc.idle();

    const result: FleetResult = {
      n: cfg.n,
      fleetMs,
      allRotatedMs,
      summaryDurationMs: summary.durationMs,
      counts: summary.counts,
      calls: countCalls(calls, cloud.accessKey.accessKeyId),
      callsTotal: calls.length,
      callLogFull: calls.length >= CALL_LOG_CAPACITY,
      peakRotations: peak,
      invocations: invocations.length,
      invocationsFailed: invocations.filter((i) => i.status !== 'Succeeded').length,
      invocationsRetried: invocations.filter((i) => i.attempts > 1).length,
      mismatches,
      mismatchExamples,
      refire: {
        ms: refireMs,
        counts: second.counts,
        samePeriod: second.period === summary.period,
        newInvocations: cloud.fc.invocations.length - before,
        passwordChanges: cloud.es.changes.slice(changesBefore).filter((c) => c.operation === 'UpdateAdminPassword').length,
      },
    };
    report(result);
  } finally {
    await cloud.close();
  }
}

main().catch((error: unknown) => {
  report({ error: error instanceof Error ? error.message : String(error) });
  process.exitCode = 1;
});
