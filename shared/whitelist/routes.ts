import type { Cloud } from '../api';
import { EsGuardError, NotFoundError, ValidationError } from '../errors';
import type { Logger } from '../logging';
import { booleanQuery, createRouter, type FcContext, type IncomingRequest as HttpRequest } from '../triggers';
import { isInstanceId } from '../validation';
import { depsFor, writeDepsFor } from './deps';
import { assertEntriesAllowed, assertInstanceAllowed } from './guardrails';
import { DEFAULT_GROUP } from './model';
import { freshChangeId, type NewChange, tokenChangeId } from './records';
import { changeOf, parseHttpRequest } from './requests';
import { planChange, randomClientToken, readWhitelist } from './service';
import { type ChangeState, readChange, submitChanges } from './submit';
import type { WhitelistView } from './view';

const WHITELIST_PATH = '/openapi/instances/{InstanceId}/private-network-white-ips';
const CHANGE_PATH = `${WHITELIST_PATH}/changes/{ChangeId}`;
const routes = createRouter({
  [`GET ${WHITELIST_PATH}`]: 'read',
  [`POST ${WHITELIST_PATH}`]: 'write',
  [`GET ${CHANGE_PATH}`]: 'change',
} as const);
const CHANGE_ID = /^(evt|tok|req)-[0-9a-f-]{36,40}$/;

/**
 * `privateNetworkIpWhiteList` is what the service reports: every group's entries, the addresses admitted.
 * A plain-list write changes only the Default group, so that group is shown on its own as `defaultGroup`
 * (null when it does not exist): what a plain-list Cover replaces and a plain-list Delete removes from.
 */
function resultOf(view: WhitelistView) {
  return {
    instanceId: view.instanceId,
    status: view.status,
    privateNetworkIpWhiteList: view.privateNetworkIpWhiteList,
    defaultGroup: view.groups.find((g) => g.groupName === DEFAULT_GROUP)?.ips ?? null,
    whiteIpGroupList: view.groups.map((g) => ({ groupName: g.groupName, ips: g.ips, whiteIpType: 'PRIVATE_ES' })),
  };
}

function instanceOf(params: Readonly<Record<string, string>>): string {
  const instanceId = params['InstanceId'] ?? '';
  if (!isInstanceId(instanceId))
    throw new ValidationError([{ field: 'path.InstanceId', rule: 'instance-id', message: 'is not an Elasticsearch instance id' }]);
  return instanceId;
}

/** A change's state as the GET of its id and a 202 show it. */
function stateBody(s: ChangeState) {
  return {
    changeId: s.changeId,
    state: s.state,
    ...(s.seq !== undefined && { seq: s.seq }),
    ...(s.outcome?.state === 'applied' && { changed: !s.outcome.plan.noop, Plan: s.outcome.plan }),
    ...(s.outcome?.state === 'refused' && { error: { status: s.outcome.status, code: s.outcome.code, message: s.outcome.message } }),
    ...(s.result && { Result: resultOf(s.result) }),
    ...(s.pendingReason !== undefined && { pendingReason: s.pendingReason }),
  };
}

function accepted(s: ChangeState, instanceId: string, requestId: string, clientToken: string, pollMs: number) {
  const location = `/openapi/instances/${instanceId}/private-network-white-ips/changes/${s.changeId}`;
  return {
    statusCode: 202,
    headers: { location, 'retry-after': String(Math.max(1, Math.ceil(pollMs / 1000))) },
    body: { RequestId: requestId, clientToken, ...stateBody(s), Location: location },
  };
}

/**
 * An answer before the change is applied must not leave it to chance: an async invocation of this
 * function (`{"reconcile": instanceId}`) takes the lease when it is free and applies what is pending; FC
 * retries it if it fails. If a reconciler holds the lease it finds nothing to do. Queued with a task id
 * Every 202 queues one; the extra ones find the lease held or nothing pending.
 */
async function queueReconcile(context: FcContext, cloud: Cloud, instanceId: string, log: Logger): Promise<void> {
  const functionName = context.function?.name ?? process.env['FC_FUNCTION_NAME'];
  if (!functionName)
    return log.warn('whitelist.reconcile-not-queued: the function name is unknown; the change waits for the next invocation', {
      instanceId,
    });
  try {
    await cloud.fc.invokeAsync({ functionName, payload: { reconcile: instanceId } }, { deadline: Date.now() + 3000 });
  } catch (error) {
    log.warn('whitelist.reconcile-not-queued: the change stays recorded and is applied by the next invocation for the instance', {
      instanceId,
      error: error instanceof Error ? error.message : String(error),
    });
  }
}

/**
 * The HTTP API: GET reads, POST writes as UpdatePrivateNetworkWhiteIps is called (or plans, with
 * `dryRun=true`). A write is recorded, then applied by the instance's reconciler; the answer comes once it
 * is applied (200) or refused (its error). With `wait=false`, or if the function's time runs out first, the
 * answer is 202 with the change id and a Location to GET its state.
 */
export async function onHttp(http: HttpRequest, context: FcContext, cloud: Cloud): Promise<unknown> {
  const { value, params } = routes.match(http);
  const deps = depsFor(context, cloud);
  const instanceId = instanceOf(params);
  if (value === 'read') return { RequestId: context.requestId, Result: resultOf(await readWhitelist(deps, instanceId)) };
  if (value === 'change') {
    const changeId = params['ChangeId'] ?? '';
    if (!CHANGE_ID.test(changeId))
      throw new ValidationError([{ field: 'path.ChangeId', rule: 'change-id', message: 'is not a change id es-guard gave' }]);
    assertInstanceAllowed(instanceId, deps.settings);
    const state = await readChange(writeDepsFor(context, cloud, deps), instanceId, changeId);
    if (!state) throw new NotFoundError('ChangeNotFound', `no change ${changeId} on ${instanceId}`);
    return { RequestId: context.requestId, ...stateBody(state) };
  }
  // dryRun and wait are es-guard's own flags; every other query parameter is the API's and is validated strictly.
  const { dryRun: _dryRun, wait: _wait, ...query } = http.query;
  const dryRun = booleanQuery(http, 'dryRun');
  const wait = http.query['wait'] === undefined ? true : booleanQuery(http, 'wait');
  const request = parseHttpRequest({ ...query, instanceId }, http.json() ?? {});
  const clientToken = request.clientToken ?? randomClientToken();
  const change = changeOf(request, `http#${clientToken}`);
  if (dryRun) {
    const { plan } = await planChange(deps, { ...change, sources: [change.source] }, { waitActive: false });
    return { RequestId: context.requestId, dryRun: true, Plan: plan };
  }
  // Checked now, with nothing recorded: the entries and the instance, which no order of application changes.
  // The seed's rules depend on the state the change meets, so the reconciler checks them in order.
  assertInstanceAllowed(instanceId, deps.settings);
  assertEntriesAllowed(change, deps.settings);
  const record: NewChange = {
    id: request.clientToken === undefined ? freshChangeId() : tokenChangeId(instanceId, request.clientToken),
    instanceId,
    spec: { kind: 'request', mode: change.mode, target: change.target, ips: change.ips },
    source: change.source,
  };
  const [state] = await submitChanges(writeDepsFor(context, cloud, deps), [record], { wait, onConflict: 'refuse' });
  const s = state!;
  if (s.conflict)
    throw new EsGuardError(
      409,
      'IdempotentParameterMismatch',
      `clientToken ${clientToken} was already used for a different request on ${instanceId}`,
    );
  if (s.state === 'pending') {
    await queueReconcile(context, cloud, instanceId, deps.log);
    return accepted(s, instanceId, context.requestId, clientToken, deps.settings.pollMs);
  }
  // Refused in order: the error a direct call would have got, with the change id it was recorded under.
  if (s.outcome?.state === 'refused')
    return {
      statusCode: s.outcome.status,
      body: {
        code: s.outcome.code,
        message: s.outcome.message,
        requestId: context.requestId,
        changeId: s.changeId,
        state: 'refused',
        ...(s.replayed && { replayed: true }),
      },
    };
  return { RequestId: context.requestId, clientToken, ...stateBody(s), ...(s.replayed && { replayed: true }) };
}
