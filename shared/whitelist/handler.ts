import { cloudFor } from '../api';
import { ValidationError } from '../errors';
import type { FcContext, Trigger } from '../triggers';
import { isInstanceId } from '../validation';
import { depsFor, writeDepsFor } from './deps';
import { onEvents } from './events';
import { reconcile, tryAcquire } from './reconciler';
import { onHttp } from './routes';

/** `{"reconcile": "<instanceId>"}`: apply whatever is pending for the instance (after a 202 answer). */
function reconcileRequest(payload: unknown): string | undefined {
  if (!payload || typeof payload !== 'object' || Array.isArray(payload)) return undefined;
  const keys = Object.keys(payload);
  const id = (payload as { reconcile?: unknown }).reconcile;
  if (keys.length !== 1 || keys[0] !== 'reconcile') return undefined;
  if (typeof id !== 'string' || !isInstanceId(id))
    throw new ValidationError([{ field: 'reconcile', rule: 'instance-id', message: 'is not an Elasticsearch instance id' }]);
  return id;
}

/** The whitelist function's job for one decoded trigger. */
export async function whitelistHandler(trigger: Trigger, context: FcContext): Promise<unknown> {
  const cloud = cloudFor(context);
  switch (trigger.kind) {
    case 'http':
      return onHttp(trigger.http, context, cloud);
    case 'events':
      return onEvents(trigger.events, context, cloud);
    case 'direct': {
      const instanceId = reconcileRequest(trigger.payload);
      if (instanceId !== undefined) {
        const deps = writeDepsFor(context, cloud, depsFor(context, cloud));
        const lease = await tryAcquire(deps, instanceId);
        if (lease) await reconcile(deps, instanceId, lease);
        return { reconciled: lease !== undefined };
      }
      // A direct (or async) invocation carries one request, as an event's data would.
      return onEvents(
        [{ specversion: '1.0', id: context.requestId, source: 'direct', type: 'es-guard:whitelist', data: trigger.payload }],
        context,
        cloud,
      );
    }
    case 'timer':
      throw new ValidationError([{ field: 'event', rule: 'trigger-kind', message: 'the whitelist function has no timer trigger' }]);
  }
}
