import { IN_FLIGHT_TASK_STATES, type Invoker } from './invoker';
import { fleetTaskId, resumeTaskId } from './schedule';

/** Earlier resume windows whose task is checked before a resume is queued. */
export const RESUME_LOOKBACK = 3;

export interface ResumeCandidate {
  readonly instanceId: string;
  readonly pendingVersionId: string;
  readonly pendingAgeSeconds: number | undefined;
  /** floor(pending age / FLEET_RESUME_PENDING_AFTER_SECONDS), at least 1. */
  readonly index: number;
}

export interface ResumeContext {
  readonly functionName: string;
  readonly qualifier: string | undefined;
  readonly period: number;
  readonly intervalSeconds: number;
  readonly windowSeconds: number;
  readonly deadline: number;
}

/**
 * Why a stuck rotation must not be queued again now, or undefined when it may: never two dispatches of one
 * rotation at once. With GetAsyncTask (FC 3.0), the period's task and the resumes of the last
 * RESUME_LOOKBACK windows must all be over (an older one outlived the setting several times over). Without
 * it (FC 2.0 here), a resume goes out only in the first half of its window, so two are half a window apart.
 * Throws when FC cannot be asked.
 */
export async function resumeHold(
  invoker: Invoker,
  c: ResumeCandidate,
  ctx: ResumeContext,
): Promise<'resume-in-flight' | 'resume-window' | undefined> {
  if (!invoker.taskStatus) {
    const intoWindow = c.pendingAgeSeconds === undefined ? Number.POSITIVE_INFINITY : c.pendingAgeSeconds - c.index * ctx.windowSeconds;
    return intoWindow < ctx.windowSeconds / 2 ? undefined : 'resume-window';
  }
  const earlier = [fleetTaskId(c.instanceId, ctx.period, ctx.intervalSeconds)];
  for (let k = Math.max(1, c.index - RESUME_LOOKBACK); k < c.index; k++) earlier.push(resumeTaskId(c.instanceId, c.pendingVersionId, k));
  const status = invoker.taskStatus.bind(invoker);
  const states = await Promise.all(
    earlier.map((taskId) => status({ functionName: ctx.functionName, qualifier: ctx.qualifier, taskId }, ctx.deadline)),
  );
  return states.some((st) => st !== undefined && IN_FLIGHT_TASK_STATES.has(st)) ? 'resume-in-flight' : undefined;
}
