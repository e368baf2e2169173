import type { Server } from 'node:http';
import type { CallRecord } from './dispatch';
import { CallLog, Dispatcher } from './dispatch';
import { FaultPlan } from './faults';
import { KeyStore, NonceCache, SignatureGate, type StsCredentials } from './gate';
import { IdempotencyStore } from './idempotency';
import type { Gateway, Operation, OperationName } from './operation';
import { Router } from './router';
import { parseSeedOf, type SeedFile } from './seed';
import { type GatewayParts, popGateway, startApiServer } from './server';
import type { AnyService, FacadesOfServices, GateSetup, OptionsOfServices, RunningService } from './service';
import { SERVICES, type Services } from './services';

export type { CallHold, HookedCall, HookPoint } from './call-hooks';
export type { CallRecord } from './dispatch';
export type { EcsInstanceRecord, EcsInstanceSeed, EcsStatus } from './ecs/inventory';
export type { EcsFacade } from './ecs/start';
export type { ActionTrailEvent, TrailListener } from './elasticsearch/action-trail';
export { ACTIONTRAIL_API_CALL, ACTIONTRAIL_SOURCE } from './elasticsearch/action-trail';
export type { Health, InstanceSeed, InstanceStatus, Tag, WhiteIpGroup, WhiteIpType } from './elasticsearch/model';
export type { EsChange } from './elasticsearch/operations';
export type { EsFacade, InstanceView, TrailFacade } from './elasticsearch/start';
export type { PublishedEvent } from './eventbridge/bus';
export type { EventBridgeFacade } from './eventbridge/start';
export type { Fault, FaultKind, FaultStats, RandomFaultOptions } from './faults';
export { DEFAULT_RANDOM_FAULTS, FAULTS, seededRandom } from './faults';
export type {
  CodeFunctionOptions,
  FcContext,
  FcHandler,
  FcLogger,
  FunctionOptions,
  InstanceStats,
  InvocationRecord,
  RegisteredFunction,
} from './fc/functions';
export type { FcFacade } from './fc/start';
export type { StsCredentials } from './gate';
export type { SecretSeed } from './kms/secrets';
export type { KmsFacade, SecretView } from './kms/start';
export type { OperationName } from './operation';
export type { ParsedSeed, SeedFile } from './seed';
export { loadSeedFile, parseSeed } from './seed';
export type { AnyService, GatewayDefinition, RunningService, SeedPart, ServiceDefinition, ServiceSetup } from './service';
export { defineService, seedPart } from './service';
export type { Services } from './services';
export { SERVICES } from './services';
export type { TablestoreFacade } from './tablestore/start';

export const DEFAULT_ACCESS_KEY_ID = 'local-key';
export const DEFAULT_ACCESS_KEY_SECRET = 'local-secret';

/** The cloud's own options; each service adds its own (`activationMs`, `fc`, `eventBuses`, ...). */
interface CloudOptions<S extends readonly AnyService[]> {
  /** 0 (the default) picks a free port. */
  readonly port?: number;
  readonly seed?: SeedFile<S>;
  /** Long-term keys the gate accepts; default: ESGUARD_LOCAL_ACCESS_KEY_ID/SECRET or local-key/local-secret. */
  readonly accessKeys?: Readonly<Record<string, string>>;
  /** STS keys the gate accepts, each only with its security token. */
  readonly stsCredentials?: readonly StsCredentials[];
  readonly region?: string;
  readonly accountId?: string;
  /** The services to run (default SERVICES, every one): a test may add one of its own. */
  readonly services?: S;
}

export type LocalCloudOptions<S extends readonly AnyService[] = Services> = CloudOptions<S> & OptionsOfServices<S>;

/** The handle's own members; each service adds its facades (`es`, `trail`, `kms`, ...). */
interface CloudHandle {
  /** `http://127.0.0.1:<port>`: ES_ENDPOINT, KMS_ENDPOINT, FC_ENDPOINT and ECS_ENDPOINT alike. */
  readonly url: string;
  readonly port: number;
  /** The first long-term key, for clients in tests. */
  readonly accessKey: { readonly accessKeyId: string; readonly accessKeySecret: string };
  /** Environment for code under test: the services' endpoint overrides and env, region and account. */
  readonly env: Readonly<Record<string, string>>;
  readonly keys: KeyStore;
  readonly faults: FaultPlan;
  /** Every API call so far (bounded), oldest first. */
  calls(): readonly CallRecord[];
  close(): Promise<void>;
}

export type LocalCloud<S extends readonly AnyService[] = Services> = CloudHandle & FacadesOfServices<S>;

function defaultKeys(): Record<string, string> {
  const id = process.env['ESGUARD_LOCAL_ACCESS_KEY_ID'] || DEFAULT_ACCESS_KEY_ID;
  const secret = process.env['ESGUARD_LOCAL_ACCESS_KEY_SECRET'] || DEFAULT_ACCESS_KEY_SECRET;
  return { [id]: secret };
}

/** Starts the services in order; if one fails, those already started are stopped again. */
async function startServices(
  services: readonly AnyService[],
  setup: GateSetup,
  seed: Readonly<Record<string, readonly unknown[]>>,
  options: object,
): Promise<RunningService<object>[]> {
  const running: RunningService<object>[] = [];
  try {
    for (const service of services) {
      const part = service.seed;
      running.push(
        await service.start(
          {
            ...setup,
            seed: part ? (seed[part.key] ?? []) : [],
            checkSeed: (entry, source) => (part ? parseSeedOf([service], { [part.key]: [entry] }, source)[part.key]![0] : entry),
          },
          options,
        ),
      );
    }
    return running;
  } catch (error) {
    await closeAll(running);
    throw error;
  }
}

/** In the reverse of the start order: a service stops before those it calls. */
function closeAll(running: readonly RunningService<object>[]): Promise<unknown> {
  return Promise.all([...running].reverse().map((s) => s.close?.()));
}

/** Each operation once, by name; two services may not declare the same name. */
function operationsOf(services: readonly AnyService[], running: readonly RunningService<object>[]): Map<OperationName, Operation> {
  const operations = new Map<OperationName, Operation>();
  running.forEach((s, i) => {
    for (const op of s.operations) {
      const known = operations.get(op.name);
      if (known && known !== op) throw new Error(`service ${services[i]!.name} declares ${op.name}, which another service already does`);
      operations.set(op.name, op);
    }
  });
  return operations;
}

/** Every gateway the services declare, built once; a route naming one that none declares is a mistake. */
function gatewaysOf(services: readonly AnyService[], operations: Iterable<Operation>, setup: GateSetup, pop: GatewayParts) {
  const gateways = new Map<Gateway, GatewayParts>();
  for (const service of services) {
    for (const [name, g] of Object.entries(service.gateways ?? {})) {
      gateways.set(name, {
        gate: g.gate?.(setup) ?? pop.gate,
        newRequestId: g.newRequestId ?? pop.newRequestId,
        answerHeaders: g.answerHeaders ?? pop.answerHeaders,
        errorBody: g.errorBody ?? pop.errorBody,
      });
    }
  }
  for (const op of operations)
    for (const route of op.routes)
      if (route.style !== 'rpc' && route.gateway !== undefined && !gateways.has(route.gateway))
        throw new Error(`${op.name} names gateway ${route.gateway}, which no service declares`);
  return gateways;
}

/** The API port in front of the started services: the router, the gateways and the dispatcher. */
async function serveApis(services: readonly AnyService[], running: readonly RunningService<object>[], setup: GateSetup, port: number) {
  const operations = operationsOf(services, running);
  const pop = popGateway(new SignatureGate({ keys: setup.keys, nonces: new NonceCache() }));
  const gateways = gatewaysOf(services, operations.values(), setup, pop);
  const faults = new FaultPlan();
  const log = new CallLog();
  const effects = running.flatMap((s) => (s.faultEffects ? [s.faultEffects] : []));
  const dispatcher = new Dispatcher(faults, new IdempotencyStore(), log, effects);
  const api = await startApiServer({ pop, gateways, router: new Router(operations.values()), dispatcher, log }, port);
  return { ...api, faults, log };
}

/** Starts the emulator: one loopback port for every API, and a data-plane port per instance on demand. */
export async function startLocalCloud<S extends readonly AnyService[] = Services>(
  options: LocalCloudOptions<S> = {} as LocalCloudOptions<S>,
): Promise<LocalCloud<S>> {
  const services: readonly AnyService[] = options.services ?? SERVICES;
  const region = options.region ?? 'cn-hangzhou';
  const accountId = options.accountId ?? '1234567890123456';
  const seed = parseSeedOf(services, options.seed ?? {}, 'options.seed') as Readonly<Record<string, readonly unknown[]>>;

  const keys = new KeyStore();
  const accessKeys = options.accessKeys ?? defaultKeys();
  const firstKey = Object.entries(accessKeys)[0];
  if (!firstKey) throw new Error('accessKeys must hold at least one key');
  for (const [id, secret] of Object.entries(accessKeys)) keys.addKey(id, secret);
  for (const sts of options.stsCredentials ?? []) keys.addSts(sts);

  // Each service starts from the same setup and its part of the seed, and brings its operations,
  // endpoint variables, facades and the gateways its routes name.
  const setup: GateSetup = { keys, region, accountId };
  const running = await startServices(services, setup, seed, options);
  const { server, port, faults, log } = await serveApis(services, running, setup, options.port ?? 0).catch(async (error: unknown) => {
    await closeAll(running);
    throw error;
  });
  const url = `http://127.0.0.1:${port}`;
  const serviceEnv: Record<string, string> = {};
  for (const s of running) for (const name of s.endpointVariables) serviceEnv[name] = url;
  for (const s of running) Object.assign(serviceEnv, s.env);
  for (const s of running) s.ready?.(serviceEnv);

  const handle: CloudHandle = {
    url,
    port,
    accessKey: { accessKeyId: firstKey[0], accessKeySecret: firstKey[1] },
    env: { ...serviceEnv, FC_REGION: region, FC_ACCOUNT_ID: accountId },
    keys,
    faults,
    calls: () => log.list(),
    close: async () => {
      await Promise.all([closeAll(running), closeServer(server)]);
    },
  };
  return Object.assign({}, ...running.map((s) => s.facades), handle) as LocalCloud<S>;
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
}
