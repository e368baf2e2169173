import middy from '@middy/core';
import { handleFleetTrigger } from '../../shared/fleet';
import { fcLogging } from '../../shared/logging';
import { fcTrigger, type FcContext, type FcEvent, type Trigger } from '../../shared/triggers';

/**
 * es-guard-rotate-fleet: finds every tagged Elasticsearch instance whose password is due and queues one
 * async invocation of rotate-password for each (task id per instance and period, so never twice).
 * Triggers: a timer (payload `{}` or `{"dryRun":true}`), HTTP `POST /fleet/rotations[?dryRun=true]`,
 * and direct invocations. The logic lives in shared/fleet.
 */
export const handler = middy<FcEvent, unknown, Error, FcContext>()
  .use(fcTrigger())
  .use(fcLogging())
  .handler<FcEvent>(async (trigger: Trigger, context: FcContext) => handleFleetTrigger(trigger, context));
