import { NonceCache } from '../gate';
import { defineService } from '../service';
import { EventBusStore, type PublishedEvent } from './bus';
import { eventBridgeOperations } from './operations';
import { EventBridgeSignatureGate } from './signature';

declare module '../operation' {
  interface OperationNames {
    PutEvents: 'eventbridge';
  }
}

/** EventBridge's PutEvents (EVENTBRIDGE_ENDPOINT): buses and every event published, oldest first. */
export interface EventBridgeFacade {
  addBus(name: string): void;
  removeBus(name: string): boolean;
  events(eventBusName?: string): PublishedEvent[];
  /** Called for each accepted event, synchronously; returns the unsubscribe function. */
  subscribe(listener: (event: PublishedEvent) => void): () => void;
  clear(): void;
}

export interface EventBridgeOptions {
  /** Custom EventBridge buses that exist from the start (`default` always does). */
  readonly eventBuses?: readonly string[];
}

/** EventBridge's data plane (`/openapi/putEvents`, its own `acs` HMAC-SHA1 signature): `default` and the custom buses given. */
export const eventBridgeService = defineService({
  name: 'eventbridge',
  gateways: {
    eventbridge: {
      gate: (setup) => new EventBridgeSignatureGate({ keys: setup.keys, nonces: new NonceCache() }),
      // What @alicloud/eventbridge's doRequest reads from an error: `code`, `message`, `requestId`.
      errorBody: (error, requestId) => ({ requestId, code: error.code, message: error.message }),
    },
  },
  start: (setup, options: EventBridgeOptions) => {
    const buses = new EventBusStore();
    for (const name of options.eventBuses ?? []) buses.addBus(name);
    const eventbridge: EventBridgeFacade = {
      addBus: (name) => buses.addBus(name),
      removeBus: (name) => buses.removeBus(name),
      events: (name) => buses.events(name),
      subscribe: (listener) => buses.subscribe(listener),
      clear: () => buses.clear(),
    };
    return {
      operations: eventBridgeOperations(buses, setup.accountId),
      endpointVariables: ['EVENTBRIDGE_ENDPOINT'],
      facades: { eventbridge },
    };
  },
});
