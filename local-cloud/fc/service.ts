import { join } from 'node:path';
import { ApiFaultError } from '../errors';
import type { KeyStore } from '../gate';
import { type Operation, roa } from '../operation';
import { firstHeader } from '../request';
import { recordDetectedForm } from '../undocumented';
import type {
  CodeFunctionOptions,
  FcHandler,
  FunctionOptions,
  FunctionRunner,
  InstanceStats,
  InvocationRecord,
  RegisteredFunction,
} from './functions';
import { InstancePool } from './instances';
import { type RuntimeOptions, runAttempt } from './runtime';

export interface FcServiceOptions extends RuntimeOptions {
  readonly keys: KeyStore;
  /** Async invocations running at once (FC's instance concurrency, for the whole emulator). */
  readonly concurrency: number;
  /** Pause before an async retry; FC waits seconds, tests should not. */
  readonly retryDelayMs: number;
}

const FC2_VERSION = '2016-08-15';

const DEFAULT_IDLE_MS = 10 * 60_000;

/**
 * Function Compute 3.0 (and the FC 2.0 invocation API beside it): a registry of functions and the async
 * invocation queue. A function registered by code runs in isolated instances (see InstancePool); one
 * registered as a closure runs in this process, for unit tests of the emulator itself.
 */
export class FcService {
  private readonly functions = new Map<string, RegisteredFunction>();
  private readonly pools = new Map<string, InstancePool>();
  private readonly held = new Set<string>();
  /**
   * Set by the local cloud once it listens: the endpoint overrides (ES_ENDPOINT, ...) every instance gets,
   * standing in for the network route a deployed function has to the real APIs.
   */
  endpointEnv: Readonly<Record<string, string>> = {};
  private readonly records: InvocationRecord[] = [];
  private readonly taskIds = new Set<string>();
  private readonly queue: InvocationRecord[] = [];
  private running = 0;
  /** Queued, running, or waiting to retry. */
  private outstanding = 0;
  private idleWaiters: Array<() => void> = [];
  private readonly settleWaiters = new Map<string, Array<(r: InvocationRecord) => void>>();
  private readonly retryTimers = new Set<NodeJS.Timeout>();
  private closed = false;

  constructor(private readonly options: FcServiceOptions) {}

  /** A closure run in this process: concurrent invocations share its module state (unit tests only). */
  register(name: string, handler: FcHandler, opts: FunctionOptions = {}): RegisteredFunction {
    return this.add(name, { kind: 'in-process', handler }, opts, opts.handlerName ?? 'index.handler');
  }

  /** A function by its code package, run as FC runs it: one request at a time per isolated instance. */
  registerCode(name: string, opts: CodeFunctionOptions): RegisteredFunction {
    const handlerName = opts.handler ?? 'index.handler';
    const dot = handlerName.lastIndexOf('.');
    if (dot <= 0 || dot === handlerName.length - 1) throw new Error(`handler must be <file>.<export>, got "${handlerName}"`);
    const idleMs = opts.idleMs ?? DEFAULT_IDLE_MS;
    if (!(idleMs > 0)) throw new Error(`idleMs must be positive, got ${idleMs}`);
    const runner: FunctionRunner = {
      kind: 'instances',
      codeDir: opts.codeDir,
      file: join(opts.codeDir, `${handlerName.slice(0, dot)}.js`),
      exportName: handlerName.slice(dot + 1),
      environmentVariables: { ...(opts.environmentVariables ?? {}) },
      idleMs,
    };
    const fn = this.add(name, runner, opts, handlerName);
    this.pools.set(
      name,
      new InstancePool({
        functionName: name,
        file: runner.file,
        exportName: runner.exportName,
        memory: fn.memory,
        idleMs,
        env: (instanceId) => this.instanceEnv(fn, runner, instanceId),
      }),
    );
    return fn;
  }

  /**
   * What an instance's process.env holds: the local cloud's endpoint overrides, then the function's
   * environmentVariables, then FC's own variables (FC reserves FC_* and sets the role's keys), as the
   * FC environment-variables page lists them. Nothing else of this process's environment.
   */
  private instanceEnv(
    fn: RegisteredFunction,
    runner: Extract<FunctionRunner, { kind: 'instances' }>,
    instanceId: string,
  ): Record<string, string> {
    return {
      ...this.endpointEnv,
      ...runner.environmentVariables,
      FC_FUNC_CODE_PATH: runner.codeDir,
      FC_FUNCTION_NAME: fn.name,
      FC_FUNCTION_HANDLER: fn.handlerName,
      FC_FUNCTION_MEMORY_SIZE: String(fn.memory),
      FC_REGION: this.options.region,
      FC_ACCOUNT_ID: this.options.accountId,
      FC_INSTANCE_ID: instanceId,
      ALIBABA_CLOUD_ACCESS_KEY_ID: fn.credentials.accessKeyId,
      ALIBABA_CLOUD_ACCESS_KEY_SECRET: fn.credentials.accessKeySecret,
      ALIBABA_CLOUD_SECURITY_TOKEN: fn.credentials.securityToken,
    };
  }

  private add(name: string, runner: FunctionRunner, opts: FunctionOptions, handlerName: string): RegisteredFunction {
    const retries = opts.maxAsyncRetryAttempts ?? 3;
    if (!Number.isInteger(retries) || retries < 0 || retries > 8)
      throw new Error(`maxAsyncRetryAttempts must be an integer from 0 to 8, got ${retries}`);
    this.retirePool(name);
    const previous = this.functions.get(name);
    if (previous) this.options.keys.remove(previous.credentials.accessKeyId);
    const fn: RegisteredFunction = {
      name,
      runner,
      timeout: opts.timeout ?? 60,
      memory: opts.memory ?? 512,
      maxAsyncRetryAttempts: retries,
      handlerName,
      fc2Service: opts.fc2Service,
      asyncTask: opts.asyncTask ?? true,
      credentials: this.options.keys.mintSts(),
    };
    this.functions.set(name, fn);
    return fn;
  }

  unregister(name: string): void {
    const fn = this.functions.get(name);
    if (fn) this.options.keys.remove(fn.credentials.accessKeyId);
    this.functions.delete(name);
    this.retirePool(name);
  }

  /** Instances of a function registered by code (undefined for closures and unknown names). */
  instanceStats(name: string): InstanceStats | undefined {
    return this.pools.get(name)?.stats();
  }

  /**
   * A test control, not an FC behaviour: async invocations of `name` stay queued (not started) until
   * `release(name)`, so a test can act while work is pending.
   */
  hold(name: string): void {
    this.held.add(name);
  }

  release(name: string): void {
    this.held.delete(name);
    this.pump();
  }

  private retirePool(name: string): void {
    const pool = this.pools.get(name);
    if (!pool) return;
    this.pools.delete(name);
    // Running requests finish on their instances; new ones go to the new configuration, as after UpdateFunction.
    void pool.close();
  }

  has(name: string): boolean {
    return this.functions.has(name);
  }

  get invocations(): readonly InvocationRecord[] {
    return [...this.records];
  }

  /**
   * Resolves with the invocation's record once it has ended: succeeded, or failed with no retry left
   * (undefined for a request id the emulator never queued).
   */
  settled(requestId: string): Promise<InvocationRecord | undefined> {
    const record = this.records.find((r) => r.requestId === requestId);
    if (!record) return Promise.resolve(undefined);
    if (record.status === 'Succeeded' || record.status === 'Failed') return Promise.resolve(record);
    return new Promise((resolve) => {
      const list = this.settleWaiters.get(requestId) ?? [];
      list.push(resolve);
      this.settleWaiters.set(requestId, list);
    });
  }

  private wakeSettled(record: InvocationRecord): void {
    const list = this.settleWaiters.get(record.requestId);
    if (!list) return;
    this.settleWaiters.delete(record.requestId);
    for (const resolve of list) resolve(record);
  }

  /** Resolves when no async invocation is queued, running or waiting for a retry. */
  idle(): Promise<void> {
    if (this.outstanding === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  close(): Promise<void> {
    this.closed = true;
    for (const t of this.retryTimers) clearTimeout(t);
    this.retryTimers.clear();
    this.queue.length = 0;
    this.outstanding = this.running;
    if (this.outstanding === 0) this.wakeIdle();
    const pools = [...this.pools.values()];
    this.pools.clear();
    return Promise.all(pools.map((p) => p.close())).then(() => undefined);
  }

  operation(): Operation {
    return {
      name: 'InvokeFunction',
      service: 'fc',
      routes: [
        roa('2023-03-30', ['POST'], '/2023-03-30/functions/{functionName}/invocations', 'fc3'),
        // FC 2.0 (2016-08-15) carries no x-acs-action/x-acs-version: its own `FC` signature and the path say
        // it all. Only its invocation API is emulated, served by the same functions as FC 3.0's.
        {
          style: 'path',
          methods: ['POST'],
          path: '/2016-08-15/services/{serviceName}/functions/{functionName}/invocations',
          claims: { prefix: '/2016-08-15', status: 400, code: 'PathNotSupported' },
          gateway: 'fc2',
        },
      ],
      handle: async (req) => {
        const fc2 = req.rawPath.startsWith(`/${FC2_VERSION}/`);
        const { fn, qualifier } = fc2
          ? this.resolveFc2(req.params)
          : this.resolveFc3(req.params['functionName'] ?? '', req.query['qualifier']);
        const type = firstHeader(req.headers['x-fc-invocation-type']) ?? 'Sync';
        if (type !== 'Async' && type !== 'Sync')
          throw new ApiFaultError(400, 'InvalidArgument', `x-fc-invocation-type must be Async or Sync; got "${type}"`);
        // FC 3.0 names the async task id x-fc-async-task-id; FC 2.0 (and the fc2 SDK) x-fc-stateful-async-invocation-id.
        const taskHeader = fc2 ? 'x-fc-stateful-async-invocation-id' : 'x-fc-async-task-id';
        // Without the async task feature the id is not a task id (assumed: FC ignores it rather than refusing
        // the call; FIDELITY.md). es-guard enables asyncTask where it relies on the id (s.yaml).
        const sentTaskId = type === 'Async' ? firstHeader(req.headers[taskHeader]) : undefined;
        const taskId = fn.asyncTask ? sentTaskId : undefined;
        if (sentTaskId !== undefined && !fn.asyncTask) {
          recordDetectedForm('fc-task-id-without-async-task', {
            operation: 'InvokeFunction',
            requestId: req.requestId,
            userAgent: firstHeader(req.headers['user-agent']),
            accessKeyId: req.caller.accessKeyId,
          });
        }
        if (taskId !== undefined) {
          if (!/^[A-Za-z_][A-Za-z0-9_-]{0,127}$/.test(taskId)) {
            throw new ApiFaultError(
              400,
              'InvalidArgument',
              `${taskHeader} must start with a letter or underscore and ` +
                `contain only letters, digits, underscores and hyphens (at most 128).`,
            );
          }
          // FC refuses a task ID it has seen for the function, whichever API version queued it: the
          // retry of a submission cannot start the work twice.
          const key = `${fn.name}\n${taskId}`;
          if (this.taskIds.has(key))
            throw new ApiFaultError(409, 'StatefulAsyncInvocationAlreadyExists', `async task '${taskId}' already exists`);
          this.taskIds.add(key);
        }
        const record: InvocationRecord = {
          requestId: req.requestId,
          functionName: fn.name,
          api: fc2 ? FC2_VERSION : '2023-03-30',
          qualifier,
          invocationType: type,
          taskId,
          payload: Buffer.from(req.body),
          enqueuedAt: Date.now(),
          status: 'Enqueued',
          attempts: 0,
          startedAt: undefined,
          endedAt: undefined,
          result: undefined,
          error: undefined,
          logs: [],
        };
        this.records.push(record);
        const headers: Record<string, string> = { 'x-fc-request-id': req.requestId };
        if (type === 'Async') {
          if (taskId !== undefined) headers[taskHeader] = taskId;
          this.enqueue(record);
          return { status: 202, raw: Buffer.alloc(0), headers };
        }
        await runAttempt(fn, record, this.options, this.pools.get(fn.name));
        this.wakeSettled(record);
        if (record.status === 'Failed') {
          const error = record.error ?? { errorType: 'Error', errorMessage: 'unknown error' };
          return {
            status: 200,
            json: { ...error, stackTrace: [] },
            headers: { ...headers, 'x-fc-error-type': 'UnhandledInvocationError' },
          };
        }
        return { status: 200, raw: serialise(record.result), headers };
      },
    };
  }

  private resolveFc3(name: string, qualifier: string | undefined): { fn: RegisteredFunction; qualifier: string | undefined } {
    const fn = this.functions.get(name);
    if (!fn) throw new ApiFaultError(404, 'FunctionNotFound', `function '${name}' does not exist`);
    return { fn, qualifier: qualifier || undefined };
  }

  /** `services/{service[.qualifier]}/functions/{name}`: the function must have been registered under that service. */
  private resolveFc2(params: Readonly<Record<string, string>>): { fn: RegisteredFunction; qualifier: string | undefined } {
    const [service = '', ...rest] = (params['serviceName'] ?? '').split('.');
    const qualifier = rest.length > 0 ? rest.join('.') : undefined;
    const name = params['functionName'] ?? '';
    const inService = [...this.functions.values()].filter((f) => f.fc2Service === service);
    if (inService.length === 0) throw new ApiFaultError(404, 'ServiceNotFound', `service '${service}' does not exist`);
    const fn = inService.find((f) => f.name === name);
    if (!fn) throw new ApiFaultError(404, 'FunctionNotFound', `function '${name}' does not exist in service '${service}'`);
    return { fn, qualifier };
  }

  private enqueue(record: InvocationRecord): void {
    this.outstanding += 1;
    this.queue.push(record);
    this.pump();
  }

  private pump(): void {
    while (!this.closed && this.running < this.options.concurrency) {
      const at = this.queue.findIndex((r) => !this.held.has(r.functionName));
      if (at < 0) return;
      const [record] = this.queue.splice(at, 1);
      this.running += 1;
      void this.attempt(record!);
    }
  }

  private async attempt(record: InvocationRecord): Promise<void> {
    const fn = this.functions.get(record.functionName);
    if (fn) await runAttempt(fn, record, this.options, this.pools.get(fn.name));
    else {
      record.status = 'Failed';
      record.error = { errorType: 'FunctionNotFound', errorMessage: `function '${record.functionName}' was removed` };
    }
    this.running -= 1;
    if (record.status === 'Failed' && fn && record.attempts <= fn.maxAsyncRetryAttempts && !this.closed) {
      record.status = 'Enqueued';
      const timer = setTimeout(() => {
        this.retryTimers.delete(timer);
        this.queue.push(record);
        this.pump();
      }, this.options.retryDelayMs * record.attempts);
      this.retryTimers.add(timer);
    } else {
      this.outstanding -= 1;
      this.wakeSettled(record);
      if (this.outstanding === 0) this.wakeIdle();
    }
    this.pump();
  }

  private wakeIdle(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}

function serialise(result: unknown): Buffer {
  if (result === undefined || result === null) return Buffer.alloc(0);
  if (Buffer.isBuffer(result)) return result;
  if (typeof result === 'string') return Buffer.from(result, 'utf8');
  return Buffer.from(JSON.stringify(result), 'utf8');
}
