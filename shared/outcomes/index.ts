/**
 * Outcome events: what es-guard did (or refused, or found), published to an EventBridge bus so operators
 * can route it (alerts, tickets, DingTalk) without reading logs.
 *
 * API (kept small and stable; other functions call it too):
 *
 *   publishOutcome({ type, subject, data, id? }, { context?, env?, deadline? }): Promise<PublishResult>
 *
 * - `type`: `es-guard:<area>:<what>`, e.g. `es-guard:rotation:succeeded`, `es-guard:rotation:failed`,
 *   `es-guard:rotation:stuck`, `es-guard:whitelist:refused`, `es-guard:lockdown:drift`.
 * - `subject`: what it is about, normally the instance id (the CloudEvent `subject`).
 * - `data`: flat facts: ids, version ids, steps, error codes, counts, short messages. Values are JSON
 *   scalars or arrays of them. A password never belongs here; even so every value passes the log redactor
 *   (secret-named keys dropped, registered secrets cut out of strings) before it leaves the process.
 * - `id`: give one when the same outcome may be published twice (a retried invocation) so consumers can
 *   de-duplicate; otherwise a random UUID.
 *
 * It never throws and never waits long: a failure to publish is logged (`outcome not published`, with the
 * code) and answered as `{ published: false }`, and the caller's own work goes on. It does nothing unless
 * OUTCOME_EVENT_BUS names a bus.
 *
 * Settings: OUTCOME_EVENT_BUS (bus name; unset = off), OUTCOME_EVENT_SOURCE (CloudEvent `source`, default
 * `es-guard`), OUTCOME_TIMEOUT_MS (whole budget, default 3000), EVENTBRIDGE_ENDPOINT (full URL; default
 * `https://<accountId>.eventbridge.<region>.aliyuncs.com`). The function's role needs `eventbridge:PutEvents`
 * on the bus.
 *
 * `deadline`: pass `publishDeadline(context, startedAt)` (the function's whole timeout less 1.5 s) rather than
 * the invocation's work deadline, so the outcome of work that ran into that deadline is still told.
 *
 * Helpers for rotations: `withRotationOutcome(subject, context, options, run)` runs one rotation and
 * publishes `succeeded`/`failed` (rethrowing the rotation's own error); `rotationStuck(...)` builds the fleet's
 * `stuck` outcome.
 *
 * Wire format (EventBridge PutEvents, CloudEvents 1.0): see shared/api/eventbridge.ts.
 */

export { publishDeadline, publishOutcome } from './publish';
export { rotationStuck, withRotationOutcome } from './rotation';
