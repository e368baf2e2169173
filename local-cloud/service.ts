import type { z } from 'zod';
import type { FaultEffects } from './dispatch';
import type { ApiFaultError } from './errors';
import type { Caller, GateRequest, KeyStore } from './gate';
import type { Gateway, Operation } from './operation';

/*
 * A new service is a folder under local-cloud/ and one entry in services.ts (its import and its name in
 * SERVICES); nothing else outside the folder changes. The folder exports one `defineService({...})`:
 * - `name`, with its operations' names added to OperationNames from the folder
 *   (`declare module '../operation' { interface OperationNames { CreateSecret: 'kms' } }`);
 * - `seed`, if the seed file has a part for it: `seedPart<'key', Entry>('key', entrySchema)`;
 * - `gateways`, if a route of its names a gateway of its own (a signature other than V3, another
 *   request-id form or error shape);
 * - `start(setup, options)`, whose options parameter is what it adds to LocalCloudOptions, returning
 *   a RunningService.
 * Its seed key, options and facades then appear in SeedFile, LocalCloudOptions and LocalCloud by type.
 */

/** Where an emulated service is reached and with what keys: what its gate needs. */
export interface GateSetup {
  readonly keys: KeyStore;
  readonly region: string;
  readonly accountId: string;
}

/** What every emulated service is started with. */
export interface ServiceSetup<E = never> extends GateSetup {
  /** The service's part of the validated seed (empty for a service without one). */
  readonly seed: readonly E[];
  /** Checks an entry added after the start as the seed file's would be (`source` names it in the error). */
  checkSeed(entry: E, source: string): E;
}

/** A service's part of the seed file: a list under `key`, each entry checked by `entry` and read as E. */
export interface SeedPart<K extends string, E> {
  readonly key: K;
  readonly entry: z.ZodType<E>;
}

/** `entry`'s output is read as E, the folder's own seed type (its enums are written as plain strings there). */
export const seedPart = <K extends string, E>(key: K, entry: z.ZodType): SeedPart<K, E> => ({ key, entry: entry as z.ZodType<E> });

/** A signature check: the verified caller, or an ApiFaultError with the gateway's refusal. */
export interface RequestGate {
  check(req: GateRequest): Caller;
}

/**
 * A gateway of a service's own (FC 3.0, FC 2.0, EventBridge's data plane); what it leaves out is the POP
 * gateway's: the V3 signature gate, a POP RequestId, the POP error JSON.
 */
export interface GatewayDefinition {
  /** Its signature check, built once per cloud. */
  gate?(setup: GateSetup): RequestGate;
  newRequestId?(): string;
  /** Headers every answer carries besides `x-acs-request-id`. */
  answerHeaders?(requestId: string): Readonly<Record<string, string>>;
  /** The error JSON its clients read. */
  errorBody?(error: ApiFaultError, requestId: string, host: string): unknown;
}

/**
 * A started service, as startLocalCloud registers it: its operations go to the router, its endpoint
 * variables point at the shared API port, and its facades become part of the LocalCloud handle.
 */
export interface RunningService<F extends object> {
  readonly operations: readonly Operation[];
  /** The `<SERVICE>_ENDPOINT` variables (shared/config/endpoints.ts) that reach it on the API port. */
  readonly endpointVariables: readonly string[];
  /** Further environment for code under test (a service on a port of its own says where). */
  readonly env?: Readonly<Record<string, string>>;
  /** Test controls and views, keyed as they appear on LocalCloud (`es`, `kms`, ...). */
  readonly facades: F;
  /** What an injected fault may do to this service's state besides the call (the dispatcher calls it). */
  readonly faultEffects?: FaultEffects;
  /** Called once every service has started, with every service's endpoint variables and env. */
  ready?(env: Readonly<Record<string, string>>): void;
  /** Called in the reverse of the start order: a service listed after those it calls stops first. */
  close?(): Promise<void> | void;
}

export interface ServiceDefinition<K extends string, E, O, F extends object> {
  /** For messages (a clash of operation names, a start that failed). */
  readonly name: string;
  readonly seed?: SeedPart<K, E>;
  /** The gateways its routes name, by the name they use. */
  readonly gateways?: Readonly<Record<Gateway, GatewayDefinition>>;
  /** `options` is what the service adds to LocalCloudOptions (all of it optional). */
  start(setup: ServiceSetup<E>, options: O): RunningService<F> | Promise<RunningService<F>>;
}

/** Declares a service; the type parameters are inferred from what it declares. */
export const defineService = <K extends string = never, E = never, O = Record<never, never>, F extends object = Record<never, never>>(
  definition: ServiceDefinition<K, E, O, F>,
): ServiceDefinition<K, E, O, F> => definition;

/** Any service definition, as a list of them holds it. */
export type AnyService = ServiceDefinition<string, unknown, unknown, object>;

type UnionToIntersection<U> = (U extends unknown ? (u: U) => void : never) extends (i: infer I) => void ? I : never;

type SeedOf<D> = D extends ServiceDefinition<infer K, infer E, infer _O, infer _F> ? { readonly [key in K]?: readonly E[] } : never;
// A start without an options parameter adds none (`unknown` would swallow the others in the union).
type OptionsOf<D> =
  D extends ServiceDefinition<infer _K, infer _E, infer O, infer _F> ? (unknown extends O ? Record<never, never> : O) : never;
type FacadesOf<D> = D extends ServiceDefinition<infer _K, infer _E, infer _O, infer F> ? F : never;

/** The seed file of a list of services: each one's part under its key. */
export type SeedOfServices<S extends readonly AnyService[]> = UnionToIntersection<SeedOf<S[number]>>;
/** The options the services of a list add to LocalCloudOptions. */
export type OptionsOfServices<S extends readonly AnyService[]> = UnionToIntersection<OptionsOf<S[number]>>;
/** The facades the services of a list add to the LocalCloud handle. */
export type FacadesOfServices<S extends readonly AnyService[]> = UnionToIntersection<FacadesOf<S[number]>>;
