import { cloudFor } from '../api';
import { ValidationError } from '../errors';
import type { FcContext, Trigger } from '../triggers';
import { onEvents } from './events';
import { onHttp } from './http';

/** The whitelist function's job for one decoded trigger. */
export async function whitelistHandler(trigger: Trigger, context: FcContext): Promise<unknown> {
  const cloud = cloudFor(context);
  switch (trigger.kind) {
    case 'http':
      return onHttp(trigger.http, context, cloud);
    case 'events':
      return onEvents(trigger.events, context, cloud);
    case 'direct':
      // A direct (or async) invocation carries one request, as an event's data would.
      return onEvents([{ specversion: '1.0', id: context.requestId, source: 'direct', type: 'es-guard:whitelist', data: trigger.payload }], context, cloud);
    case 'timer':
      throw new ValidationError([{ field: 'event', rule: 'trigger-kind', message: 'the whitelist function has no timer trigger' }]);
  }
}
