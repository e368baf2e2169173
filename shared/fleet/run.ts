import { assessFleet } from './assess-fleet';
import type { FleetDeps } from './deps';
import { fanOut } from './fan-out';
import { listFleet } from './list-fleet';
import { effectiveWindow, rotationPeriod, startOffsets } from './schedule';
import { type FleetSummary, type PlannedRotation, type RunRecord, summarise } from './summary';

/**
 * One fleet run: list the tagged instances of every region, find those whose password is due, and queue
 * one async rotate-function invocation per due instance under a task id fixed by (instance, period), at
 * most `concurrency` at a time and spread over the start window. Nothing here waits for a rotation:
 * rotate-password does that, one invocation per cluster, with FC's retries behind it. A dry run stops
 * after the plan. Failures of one instance (or one region) never stop the others.
 */
export async function runFleet(deps: FleetDeps, options: { readonly dryRun: boolean }): Promise<FleetSummary> {
  const now = deps.now ?? Date.now;
  const { settings } = deps;
  const startedAt = now();
  const period = rotationPeriod(startedAt, settings.intervalSeconds);
  const run: RunRecord = { failed: [], skipped: [], pending: new Map(), currentAges: [], dispatched: [], failedRotations: [] };

  const { candidates, tagged } = await listFleet(deps, run);
  const due = await assessFleet(deps, candidates, startedAt, period, run);
  // When each starts: jittered slots over the window, the same plan for every run of the period.
  const windowMs = effectiveWindow(settings.spreadSeconds * 1000, now(), deps.deadline);
  const offsets = startOffsets(
    due.map((d) => d.instanceId),
    windowMs,
    String(period),
  );
  const plan: PlannedRotation[] = due.map((d, i) => ({ ...d, startOffsetMs: offsets[i]! }));
  if (!options.dryRun && plan.length > 0) await fanOut(deps, plan, period, run);
  // A stuck rotation that never reached its dispatch (deadline, no invoker) was not resumed.
  if (!options.dryRun) for (const [id, p] of run.pending) if (p.action === 'planned') run.pending.set(id, { ...p, action: 'failed' });
  return summarise(deps, options.dryRun, { period, windowMs, tagged, plan, startedAt, now }, run);
}
