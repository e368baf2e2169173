import { EsGuardError } from '../errors';

/** The input could not be parsed; the message names the input and the rule, never the content. */
export class InvalidJsonError extends EsGuardError {
  override readonly name: string = 'InvalidJsonError';
  constructor(message: string) {
    super(400, 'InvalidJSON', message);
  }
}

export class PayloadTooLargeError extends EsGuardError {
  override readonly name: string = 'PayloadTooLargeError';
  readonly limitBytes: number;
  constructor(what: string, sizeBytes: number, limitBytes: number) {
    super(413, 'PayloadTooLarge', `${what} is ${sizeBytes} bytes, over the limit of ${limitBytes} bytes`);
    this.limitBytes = limitBytes;
  }
}

export class MethodNotAllowedError extends EsGuardError {
  override readonly name: string = 'MethodNotAllowedError';
  /** Methods the path does accept, for the `Allow` header. */
  readonly allow: readonly string[];
  constructor(method: string, path: string, allow: readonly string[]) {
    super(405, 'MethodNotAllowed', `${method} is not allowed on ${path}; allowed: ${allow.join(', ')}`);
    this.allow = allow;
  }
}
