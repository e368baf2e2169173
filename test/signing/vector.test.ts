import { describe, expect, it } from 'vitest';
import { signRequest } from '../../shared/signing';
import { buildCanonicalRequest, EMPTY_SHA256, sha256Hex } from '../../shared/signing/signer';

// Alibaba Cloud's published V3 example (the "signature method" page); the official SDK reproduces it.
describe('ACS3-HMAC-SHA256 published test vector', () => {
  const request = {
    method: 'POST',
    path: '/',
    query: { ImageId: 'win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd', RegionId: 'cn-shanghai' },
    headers: { host: 'ecs.cn-shanghai.aliyuncs.com' },
  };
  const headers = signRequest(
    request,
    { accessKeyId: 'YourAccessKeyId', accessKeySecret: 'YourAccessKeySecret' },
    { action: 'RunInstances', version: '2014-05-26', date: '2023-10-26T10:22:32Z', nonce: '3156853299f313e23d1673dc12e1703d' },
  );

  it('hashes the canonical request to the published value', () => {
    const { canonicalRequest } = buildCanonicalRequest({ ...request, headers }, EMPTY_SHA256);
    expect(sha256Hex(canonicalRequest)).toBe('7ea06492da5221eba5297e897ce16e55f964061054b7695beedaac1145b1e259');
  });

  it('produces the published Authorization header', () => {
    expect(headers['authorization']).toBe(
      'ACS3-HMAC-SHA256 Credential=YourAccessKeyId,' +
        'SignedHeaders=host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version,' +
        'Signature=06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0',
    );
    expect(headers['x-acs-content-sha256']).toBe(EMPTY_SHA256);
  });
});
