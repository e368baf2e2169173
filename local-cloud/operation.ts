import type { IncomingHttpHeaders } from 'node:http';
import type { Caller } from './gate';

/**
 * Every emulated API operation by its real action name (the unit that faults and logs are keyed by),
 * mapped to its service's name. Each service folder adds its own, in the file that defines the service:
 * `declare module '../operation' { interface OperationNames { CreateSecret: 'kms' } }`.
 */
// biome-ignore lint/suspicious/noEmptyInterface: declaration merging: the services' folders fill it in
export interface OperationNames {}

export type OperationName = keyof OperationNames;
export type ServiceName = OperationNames[OperationName];

export interface OperationRequest {
  readonly requestId: string;
  readonly method: string;
  readonly rawPath: string;
  /** ROA: decoded path parameters by name. RPC: the query merged with a form body. */
  readonly params: Readonly<Record<string, string>>;
  readonly query: Readonly<Record<string, string>>;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
  readonly caller: Caller;
}

export interface Answer {
  readonly status?: number;
  /** Serialised as JSON; RequestId is the handler's business (services differ). */
  readonly json?: unknown;
  /** Sent as is (FC sync invocation results). */
  readonly raw?: Buffer;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface IdempotencyKey {
  /** Scope and token: the same token for another operation or instance is another request. */
  readonly key: string;
  /** What the request asked for, without the token; a replay must ask for the same thing. */
  readonly fingerprint: string;
}

/**
 * The gateway a request meets, which decides its signature check, request-id form and error shape: the
 * POP gateway (V3) unless a route names another, which its service declares (ServiceDefinition.gateways).
 */
export type Gateway = string;

/** The gateway of every request no route claims for another. */
export const POP_GATEWAY: Gateway = 'pop';

/**
 * Where the gateway finds an operation. Paths are written as the API reference writes them, `{Name}`
 * marking a path parameter (as shared/ does).
 */
export type Route =
  /** ROA: method and path pick the operation; `x-acs-action` (the operation's name) and `x-acs-version` must agree. */
  | {
      readonly style: 'roa';
      readonly version: string;
      readonly methods: readonly string[];
      readonly path: string;
      /** A gateway of its own owns every path under the route's first segment (FC 3.0: `/2023-03-30/`). */
      readonly gateway?: Gateway;
    }
  /** RPC: every operation at `/`; `x-acs-version` picks the product, `x-acs-action` (the operation's name) the operation. */
  | { readonly style: 'rpc'; readonly version: string }
  /**
   * An API with its own signature and no `x-acs-action` (FC 2.0, EventBridge's PutEvents): the path alone.
   * `claims` is a path prefix the API owns: a request under it that no route of the API matches is refused
   * with `unmatched` (FC 2.0's PathNotSupported) rather than the gateway's not-found.
   */
  | {
      readonly style: 'path';
      readonly methods: readonly string[];
      readonly path: string;
      readonly claims?: { readonly prefix: string; readonly status: number; readonly code: string };
      /** Its gateway: for a parameterised path, every path under its first segment; else the path itself. */
      readonly gateway?: Gateway;
    };

export interface Operation {
  readonly name: OperationName;
  readonly service: ServiceName;
  /** How requests reach it (InvokeFunction has two: FC 3.0 and FC 2.0's invocation path). */
  readonly routes: readonly Route[];
  handle(req: OperationRequest): Answer | Promise<Answer>;
  /** The instance a call names, for instance-scoped faults and the call log (Elasticsearch's `{InstanceId}`). */
  instanceId?(req: OperationRequest): string | undefined;
  /** Present for writes that take a clientToken. */
  idempotency?(req: OperationRequest): IdempotencyKey | undefined;
}

export const roa = (version: string, methods: readonly string[], path: string, gateway?: Gateway): Route => ({
  style: 'roa',
  version,
  methods,
  path,
  ...(gateway && { gateway }),
});
export const rpc = (version: string): Route => ({ style: 'rpc', version });
