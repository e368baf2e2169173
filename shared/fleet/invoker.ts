/**
 * What rotate-fleet's invocations are made of: one async invocation of the rotate function, the answers
 * FC gives, and the Invoker that sends it through one FC API (fc3-invoker.ts, fc2-invoker.ts). dispatch.ts
 * retries it.
 */
import type { FleetInvoker } from './settings';

/** One async invocation of the rotate function. */
export interface InvokeRequest {
  readonly functionName: string;
  readonly qualifier: string | undefined;
  readonly payload: { readonly instanceId: string; readonly secretName: string };
  readonly taskId: string;
}

/** FC queued it (`requestId`), or it already holds a task with this id (409). */
export type InvokeOutcome = { readonly kind: 'queued'; readonly requestId: string | undefined } | { readonly kind: 'exists' };

/** One attempt, no retries of its own: `dispatch` retries, so it can tell a first 409 from a 409 after a lost answer. */
export interface Invoker {
  /** The FC API it calls (FLEET_TRANSPORT). */
  readonly api: FleetInvoker;
  invoke(req: InvokeRequest, deadline: number): Promise<InvokeOutcome>;
  /**
   * The state FC reports for an async task id (GetAsyncTask), undefined when it holds none. Absent where the
   * API has no such call here (FC 2.0): then resumes rely on the resume window alone.
   */
  taskStatus?(
    req: { readonly functionName: string; readonly qualifier: string | undefined; readonly taskId: string },
    deadline: number,
  ): Promise<string | undefined>;
}

/** Task states in which the invocation may still run (AsyncTask.status, @alicloud/fc20230330 src/models/AsyncTask.ts). */
export const IN_FLIGHT_TASK_STATES: ReadonlySet<string> = new Set(['Enqueued', 'Running', 'Retrying', 'Stopping', 'Suspended']);
/** Task states that ended without success: the rotation it carried failed, was stopped or expired. */
export const FAILED_TASK_STATES: ReadonlySet<string> = new Set(['Failed', 'Stopped', 'Expired', 'Invalid']);
