import { EsGuardError } from '../errors';

/** A deployment setting is wrong: the operator, not the caller, must fix it. */
export class ConfigError extends EsGuardError {
  override readonly name: string = 'ConfigError';
  constructor(variable: string, rule: string) {
    super(500, 'InvalidConfiguration', `environment variable ${variable}: ${rule}`);
  }
}
