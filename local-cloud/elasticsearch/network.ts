import { ApiFaultError, invalidParameter } from '../errors';
import { type Operation, type OperationRequest, roa } from '../operation';
import { jsonBody } from '../request';
import type { ActionTrail } from './action-trail';
import type { InstanceStore } from './instances';
import type { InstanceRecord, NetworkSwitches } from './model';

/**
 * The exposure switches DescribeInstance reports (`enablePublic`, `enableKibanaPublicNetwork`,
 * `enableKibanaPrivateNetwork`, `protocol`) and the calls that flip them: TriggerNetwork,
 * UpdatePublicNetwork, OpenHttps, CloseHttps. Paths and bodies are the official SDK's
 * (@alicloud/elasticsearch20170613 src/client.ts); rules are cited per line in local-cloud/FIDELITY.md.
 */

/**
 * Without a seed: a new cluster's defaults per "Access control methods for Elasticsearch clusters"
 * (cluster public access off, Kibana public access on, Kibana private access off). `protocol` HTTP is assumed.
 */
export const DEFAULT_SWITCHES: NetworkSwitches = {
  enablePublic: false,
  enableKibanaPublicNetwork: true,
  enableKibanaPrivateNetwork: false,
  protocol: 'HTTP',
};

export function switchesOf(record: InstanceRecord): NetworkSwitches {
  record.network ??= { ...DEFAULT_SWITCHES };
  return record.network;
}

/** DescribeInstance's fields for the switches; spread over the rest of its Result. */
export function describeSwitches(record: InstanceRecord): NetworkSwitches {
  return { ...switchesOf(record) };
}

export type NetworkOperationName = 'ModifyWhiteIps' | 'TriggerNetwork' | 'UpdatePublicNetwork' | 'OpenHttps' | 'CloseHttps';

export interface NetworkContext {
  readonly store: InstanceStore;
  readonly trail: ActionTrail | undefined;
  /** Marks the change applied: updatedAt, the change log and the activation window (operations.ts). */
  applied(record: InstanceRecord, operation: NetworkOperationName, requestId: string): void;
}

function oneOf<T extends string>(body: Record<string, unknown>, field: string, values: readonly T[]): T {
  const value = body[field];
  if (value === undefined || value === null || value === '') throw invalidParameter(`${field} is mandatory for this action.`);
  if (typeof value !== 'string' || !(values as readonly string[]).includes(value)) {
    throw invalidParameter(`${field} must be one of ${values.join(', ')}; got "${String(value)}".`);
  }
  return value as T;
}

type SwitchName = 'enablePublic' | 'enableKibanaPublicNetwork' | 'enableKibanaPrivateNetwork';

/** TriggerNetwork's nodeType x networkType, as Terraform's provider maps its three arguments onto them. */
function switchFor(nodeType: 'WORKER' | 'KIBANA', networkType: 'PUBLIC' | 'PRIVATE'): SwitchName {
  if (nodeType === 'WORKER' && networkType === 'PUBLIC') return 'enablePublic';
  if (nodeType === 'KIBANA' && networkType === 'PUBLIC') return 'enableKibanaPublicNetwork';
  if (nodeType === 'KIBANA' && networkType === 'PRIVATE') return 'enableKibanaPrivateNetwork';
  // Elasticsearch's private (VPC) endpoint cannot be switched off; no source documents the answer.
  throw invalidParameter(
    'The private network access of the Elasticsearch cluster (nodeType WORKER, networkType PRIVATE) cannot be triggered.',
  );
}

type Idempotency = (name: NetworkOperationName) => Operation['idempotency'];

export function networkOperations(ctx: NetworkContext, idempotencyFor: Idempotency): Operation[] {
  return [
    triggerNetwork(ctx, idempotencyFor),
    updatePublicNetwork(ctx, idempotencyFor),
    https(ctx, idempotencyFor, 'OpenHttps', 'HTTPS'),
    https(ctx, idempotencyFor, 'CloseHttps', 'HTTP'),
  ];
}

/** The change is applied: the activation window and change log, and the ActionTrail event. */
function applied(
  ctx: NetworkContext,
  record: InstanceRecord,
  req: OperationRequest,
  name: NetworkOperationName,
  params: Record<string, unknown>,
): void {
  ctx.applied(record, name, req.requestId);
  ctx.trail?.record({
    eventName: name,
    instanceId: record.instanceId,
    requestId: req.requestId,
    accessKeyId: req.caller.accessKeyId,
    requestParameters: params,
  });
}

function triggerNetwork(ctx: NetworkContext, idempotencyFor: Idempotency): Operation {
  const { store } = ctx;
  return {
    name: 'TriggerNetwork',
    service: 'elasticsearch',
    routes: [roa('2017-06-13', ['POST'], '/openapi/instances/{InstanceId}/actions/network-trigger')],
    idempotency: idempotencyFor('TriggerNetwork'),
    handle(req) {
      const body = jsonBody(req.body);
      const nodeType = oneOf(body, 'nodeType', ['WORKER', 'KIBANA'] as const);
      const networkType = oneOf(body, 'networkType', ['PUBLIC', 'PRIVATE'] as const);
      const actionType = oneOf(body, 'actionType', ['OPEN', 'CLOSE'] as const);
      const record = store.require(req.params['InstanceId'] ?? '');
      const name = switchFor(nodeType, networkType);
      store.assertWritable(record);
      const switches = switchesOf(record);
      const wanted = actionType === 'OPEN';
      // Terraform's provider treats this code as "already so" (service_alicloud_elasticsearch.go, TriggerNetwork).
      if (switches[name] === wanted) {
        throw new ApiFaultError(
          400,
          'RepetitionOperationError',
          `The ${nodeType} ${networkType} network access is already ${wanted ? 'open' : 'closed'}.`,
        );
      }
      switches[name] = wanted;
      applied(ctx, record, req, 'TriggerNetwork', { nodeType, networkType, actionType });
      return { json: { RequestId: req.requestId, Result: true } };
    },
  };
}

function updatePublicNetwork(ctx: NetworkContext, idempotencyFor: Idempotency): Operation {
  const { store } = ctx;
  return {
    name: 'UpdatePublicNetwork',
    service: 'elasticsearch',
    routes: [roa('2017-06-13', ['PATCH', 'POST'], '/openapi/instances/{InstanceId}/public-network')],
    idempotency: idempotencyFor('UpdatePublicNetwork'),
    handle(req) {
      const body = jsonBody(req.body);
      const value = body['enablePublic'];
      // The API page: enablePublic is optional and defaults to false.
      if (value !== undefined && typeof value !== 'boolean') throw invalidParameter('enablePublic must be a boolean.');
      const record = store.require(req.params['InstanceId'] ?? '');
      store.assertWritable(record);
      const switches = switchesOf(record);
      switches.enablePublic = value === true;
      applied(ctx, record, req, 'UpdatePublicNetwork', { enablePublic: switches.enablePublic });
      return { json: { RequestId: req.requestId, Result: { enablePublic: switches.enablePublic } } };
    },
  };
}

/** OpenHttps and CloseHttps: set the protocol, whatever it was. */
function https(ctx: NetworkContext, idempotencyFor: Idempotency, name: 'OpenHttps' | 'CloseHttps', protocol: 'HTTP' | 'HTTPS'): Operation {
  const { store } = ctx;
  return {
    name,
    service: 'elasticsearch',
    routes: [roa('2017-06-13', ['POST'], `/openapi/instances/{InstanceId}/actions/${name === 'OpenHttps' ? 'open-https' : 'close-https'}`)],
    idempotency: idempotencyFor(name),
    handle(req) {
      const record = store.require(req.params['InstanceId'] ?? '');
      store.assertWritable(record);
      switchesOf(record).protocol = protocol;
      applied(ctx, record, req, name, {});
      return { json: { RequestId: req.requestId, Result: true } };
    },
  };
}
