import type { ApiFaultError } from '../errors';
import { newFcRequestId } from '../ids';
import { defineService, type GatewayDefinition } from '../service';
import { getAsyncTaskOperation } from './async-tasks';
import { Fc2SignatureGate } from './fc2-signature';
import type { CodeFunctionOptions, FcHandler, FunctionOptions, InstanceStats, InvocationRecord, RegisteredFunction } from './functions';
import { FcService } from './service';

declare module '../operation' {
  interface OperationNames {
    InvokeFunction: 'fc';
    GetAsyncTask: 'fc';
  }
}

export interface FcFacade {
  /** A closure run in this process (concurrent invocations share its state): for unit tests of the emulator. */
  register(name: string, handler: FcHandler, options?: FunctionOptions): RegisteredFunction;
  /** A built code package (dist/<fn>) run as FC runs it: isolated instances, one request at a time each. */
  registerCode(name: string, options: CodeFunctionOptions): RegisteredFunction;
  instanceStats(name: string): InstanceStats | undefined;
  /** The invocation's record once it has ended (succeeded, or failed with no retry left). */
  settled(requestId: string): Promise<InvocationRecord | undefined>;
  /** Test control: async invocations of `name` stay queued until release(name). */
  hold(name: string): void;
  release(name: string): void;
  unregister(name: string): void;
  readonly invocations: readonly InvocationRecord[];
  /** Resolves when no async invocation is queued, running or waiting to retry. */
  idle(): Promise<void>;
}

export interface FcOptions {
  readonly fc?: { readonly concurrency?: number; readonly retryDelayMs?: number; readonly echoLogs?: boolean };
}

/** FC's request ids, on every answer as `x-fc-request-id` too. */
const fcAnswers = {
  newRequestId: newFcRequestId,
  answerHeaders: (requestId: string) => ({ 'x-fc-request-id': requestId }),
} satisfies GatewayDefinition;

/**
 * Function Compute (3.0, and 2.0's invocation API): functions, their instances and async tasks. Listed
 * after the services its functions call, it stops first: its async invocations end before they go away.
 */
export const fcService = defineService({
  name: 'fc',
  gateways: {
    // V3-signed, with FC 3.0's smaller error shape.
    fc3: {
      ...fcAnswers,
      errorBody: (error: ApiFaultError, requestId: string) => ({ Code: error.code, Message: error.message, RequestId: requestId }),
    },
    // The fc2 SDK's `FC` signature, and the `ErrorCode`/`ErrorMessage` it reads.
    fc2: {
      ...fcAnswers,
      gate: (setup) => new Fc2SignatureGate({ keys: setup.keys, accountId: setup.accountId }),
      errorBody: (error: ApiFaultError, requestId: string) => ({
        ErrorCode: error.code,
        ErrorMessage: error.message,
        RequestId: requestId,
      }),
    },
  },
  start: (setup, options: FcOptions) => {
    const fc = new FcService({
      keys: setup.keys,
      region: setup.region,
      accountId: setup.accountId,
      concurrency: options.fc?.concurrency ?? 4,
      retryDelayMs: options.fc?.retryDelayMs ?? 50,
      echoLogs: options.fc?.echoLogs ?? false,
    });
    const facade: FcFacade = {
      register: (name, handler, o) => fc.register(name, handler, o),
      registerCode: (name, o) => fc.registerCode(name, o),
      instanceStats: (name) => fc.instanceStats(name),
      settled: (requestId) => fc.settled(requestId),
      hold: (name) => fc.hold(name),
      release: (name) => fc.release(name),
      unregister: (name) => fc.unregister(name),
      get invocations() {
        return fc.invocations;
      },
      idle: () => fc.idle(),
    };
    return {
      operations: [fc.operation(), getAsyncTaskOperation(fc, setup.region, setup.accountId)],
      endpointVariables: ['FC_ENDPOINT'],
      facades: { fc: facade },
      // The functions learn where the emulated APIs are once the API port is known.
      ready: (env) => {
        fc.endpointEnv = env;
      },
      close: () => fc.close(),
    };
  },
});
