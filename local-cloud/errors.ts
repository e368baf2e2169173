/**
 * An answer that is not a success, as the real service gives it: an HTTP status, a `Code` clients
 * branch on, and a message for people. Thrown anywhere below the dispatcher; the server turns it into
 * the service's error JSON.
 */
export class ApiFaultError extends Error {
  readonly status: number;
  readonly code: string;
  readonly headers: Readonly<Record<string, string>>;

  constructor(status: number, code: string, message: string, headers: Readonly<Record<string, string>> = {}) {
    super(message);
    this.name = 'ApiFaultError';
    this.status = status;
    this.code = code;
    this.headers = headers;
  }
}

export const invalidParameter = (message: string): ApiFaultError => new ApiFaultError(400, 'InvalidParameter', message);

/** The POP gateway's answer for a missing required RPC parameter: `Missing<Name>`. */
export const missingParameter = (name: string): ApiFaultError =>
  new ApiFaultError(400, `Missing${name}`, `${name} is mandatory for this action.`);

export const apiNotFound = (detail: string): ApiFaultError =>
  new ApiFaultError(404, 'InvalidAction.NotFound', `Specified api is not found, please check your url and method. (${detail})`);
