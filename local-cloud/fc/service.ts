import type { KeyStore } from '../gate';
import { ApiFault } from '../errors';
import { firstHeader } from '../request';
import type { Operation } from '../operation';
import type { FcHandler, FunctionOptions, InvocationRecord, RegisteredFunction } from './functions';
import { runAttempt, type RuntimeOptions } from './runtime';

export interface FcServiceOptions extends RuntimeOptions {
  readonly keys: KeyStore;
  /** Async invocations running at once (FC's instance concurrency, for the whole emulator). */
  readonly concurrency: number;
  /** Pause before an async retry; FC waits seconds, tests should not. */
  readonly retryDelayMs: number;
}

const FC2_VERSION = '2016-08-15';

/** Function Compute 3.0 (and the FC 2.0 invocation API beside it): a registry of in-process handlers and the async invocation queue. */
export class FcService {
  private readonly functions = new Map<string, RegisteredFunction>();
  private readonly records: InvocationRecord[] = [];
  private readonly taskIds = new Set<string>();
  private readonly queue: InvocationRecord[] = [];
  private running = 0;
  /** Queued, running, or waiting to retry. */
  private outstanding = 0;
  private idleWaiters: Array<() => void> = [];
  private readonly retryTimers = new Set<NodeJS.Timeout>();
  private closed = false;

  constructor(private readonly options: FcServiceOptions) {}

  register(name: string, handler: FcHandler, opts: FunctionOptions = {}): RegisteredFunction {
    const retries = opts.maxAsyncRetryAttempts ?? 3;
    if (!Number.isInteger(retries) || retries < 0 || retries > 8) throw new Error(`maxAsyncRetryAttempts must be an integer from 0 to 8, got ${retries}`);
    const previous = this.functions.get(name);
    if (previous) this.options.keys.remove(previous.credentials.accessKeyId);
    const fn: RegisteredFunction = {
      name,
      handler,
      timeout: opts.timeout ?? 60,
      memory: opts.memory ?? 512,
      maxAsyncRetryAttempts: retries,
      handlerName: opts.handlerName ?? 'index.handler',
      fc2Service: opts.fc2Service,
      credentials: this.options.keys.mintSts(),
    };
    this.functions.set(name, fn);
    return fn;
  }

  unregister(name: string): void {
    const fn = this.functions.get(name);
    if (fn) this.options.keys.remove(fn.credentials.accessKeyId);
    this.functions.delete(name);
  }

  has(name: string): boolean {
    return this.functions.has(name);
  }

  get invocations(): readonly InvocationRecord[] {
    return [...this.records];
  }

  /** Resolves when no async invocation is queued, running or waiting for a retry. */
  idle(): Promise<void> {
    if (this.outstanding === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  close(): void {
    this.closed = true;
    for (const t of this.retryTimers) clearTimeout(t);
    this.retryTimers.clear();
    this.queue.length = 0;
    this.outstanding = this.running;
    if (this.outstanding === 0) this.wakeIdle();
  }

  operation(): Operation {
    return {
      name: 'InvokeFunction',
      service: 'fc',
      handle: async (req) => {
        const fc2 = req.rawPath.startsWith(`/${FC2_VERSION}/`);
        const { fn, qualifier } = fc2 ? this.resolveFc2(req.params) : this.resolveFc3(req.params['functionName'] ?? '', req.query['qualifier']);
        const type = firstHeader(req.headers['x-fc-invocation-type']) ?? 'Sync';
        if (type !== 'Async' && type !== 'Sync') throw new ApiFault(400, 'InvalidArgument', `x-fc-invocation-type must be Async or Sync; got "${type}"`);
        // FC 3.0 names the async task id x-fc-async-task-id; FC 2.0 (and the fc2 SDK) x-fc-stateful-async-invocation-id.
        const taskHeader = fc2 ? 'x-fc-stateful-async-invocation-id' : 'x-fc-async-task-id';
        const taskId = type === 'Async' ? firstHeader(req.headers[taskHeader]) : undefined;
        if (taskId !== undefined) {
          if (!/^[A-Za-z_][A-Za-z0-9_-]{0,127}$/.test(taskId)) {
            throw new ApiFault(400, 'InvalidArgument', `${taskHeader} must start with a letter or underscore and contain only letters, digits, underscores and hyphens (at most 128).`);
          }
          // FC refuses a task ID it has seen for the function, whichever API version queued it: the
          // retry of a submission cannot start the work twice.
          const key = `${fn.name}\n${taskId}`;
          if (this.taskIds.has(key)) throw new ApiFault(409, 'StatefulAsyncInvocationAlreadyExists', `async task '${taskId}' already exists`);
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
        await runAttempt(fn, record, this.options);
        if (record.status === 'Failed') {
          const error = record.error ?? { errorType: 'Error', errorMessage: 'unknown error' };
          return { status: 200, json: { ...error, stackTrace: [] }, headers: { ...headers, 'x-fc-error-type': 'UnhandledInvocationError' } };
        }
        return { status: 200, raw: serialise(record.result), headers };
      },
    };
  }

  private resolveFc3(name: string, qualifier: string | undefined): { fn: RegisteredFunction; qualifier: string | undefined } {
    const fn = this.functions.get(name);
    if (!fn) throw new ApiFault(404, 'FunctionNotFound', `function '${name}' does not exist`);
    return { fn, qualifier: qualifier || undefined };
  }

  /** `services/{service[.qualifier]}/functions/{name}`: the function must have been registered under that service. */
  private resolveFc2(params: Readonly<Record<string, string>>): { fn: RegisteredFunction; qualifier: string | undefined } {
    const [service = '', ...rest] = (params['serviceName'] ?? '').split('.');
    const qualifier = rest.length > 0 ? rest.join('.') : undefined;
    const name = params['functionName'] ?? '';
    const inService = [...this.functions.values()].filter((f) => f.fc2Service === service);
    if (inService.length === 0) throw new ApiFault(404, 'ServiceNotFound', `service '${service}' does not exist`);
    const fn = inService.find((f) => f.name === name);
    if (!fn) throw new ApiFault(404, 'FunctionNotFound', `function '${name}' does not exist in service '${service}'`);
    return { fn, qualifier };
  }

  private enqueue(record: InvocationRecord): void {
    this.outstanding += 1;
    this.queue.push(record);
    this.pump();
  }

  private pump(): void {
    while (!this.closed && this.running < this.options.concurrency && this.queue.length > 0) {
      const record = this.queue.shift()!;
      this.running += 1;
      void this.attempt(record);
    }
  }

  private async attempt(record: InvocationRecord): Promise<void> {
    const fn = this.functions.get(record.functionName);
    if (fn) await runAttempt(fn, record, this.options);
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
