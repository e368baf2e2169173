// The part of @alicloud/fc2 (2.6.x, untyped CommonJS: `module.exports = Client`) that rotate-fleet uses.
declare module '@alicloud/fc2' {
  interface Fc2Config {
    accessKeyID: string;
    accessKeySecret: string;
    /** Required by the SDK when the key id starts with `STS`; sent as x-fc-security-token. */
    securityToken?: string;
    region: string;
    /** Full base URL (`https://<account>.<region>.fc.aliyuncs.com`); defaults to that, over http unless `secure`. */
    endpoint?: string;
    /** Milliseconds per request (default 60 000). */
    timeout?: number;
    secure?: boolean;
    internal?: boolean;
  }
  interface Fc2Response {
    headers: Record<string, string | string[] | undefined>;
    data: unknown;
  }
  class FC {
    constructor(accountId: string, config: Fc2Config);
    invokeFunction(serviceName: string, functionName: string, event: string | Buffer, headers?: Record<string, string>, qualifier?: string): Promise<Fc2Response>;
  }
  export = FC;
}
