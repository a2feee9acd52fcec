import { strict as assert } from 'node:assert';
import { addressAllowed, allowList, scrapeAllowed, tokenAllowed } from '../../../../app/lib/metrics/access';
import { dependencyOf } from '../../../../app/lib/dependencyErrors';
import { countRateLimited, rateLimitRefusals } from '../../../../app/lib/metrics/registry';

describe('app/lib/metrics', () => {
  describe('allowList / addressAllowed', () => {
    const list = allowList([ '127.0.0.1', '::1', '10.1.0.0/16', '2001:db8::/32' ]);

    it('takes addresses and CIDR ranges of both families; IPv4-mapped IPv6 counts as IPv4', () => {
      for (const ip of [ '127.0.0.1', '::ffff:127.0.0.1', '::1', '10.1.255.7', '::ffff:10.1.0.1', '2001:db8:1::5' ]) assert.ok(addressAllowed(list, ip), ip);
      for (const ip of [ '127.0.0.2', '10.2.0.1', '::2', '2001:db9::1', '', 'unknown', '::ffff:10.2.0.1' ]) assert.ok(!addressAllowed(list, ip), ip);
    });

    it('an empty list allows no address', () => {
      assert.ok(!addressAllowed(allowList([]), '127.0.0.1'));
    });

    it('refuses entries that are not addresses or ranges', () => {
      for (const entry of [ 'localhost', '127.0.0.1/33', '::1/129', '10.0.0.0/8/1', '10.0.0.0/x', '10.0.0.0/' ]) {
        assert.throws(() => allowList([ entry ]), /METRICS_ALLOW_IPS/, entry);
      }
    });
  });

  describe('tokenAllowed', () => {
    it('needs `Bearer <token>` with exactly the token; an empty METRICS_TOKEN allows nothing', () => {
      assert.ok(tokenAllowed('Bearer s3cret-token', 's3cret-token'));
      assert.ok(tokenAllowed('bearer s3cret-token', 's3cret-token'));
      for (const given of [ 'Bearer s3cret-toke', 'Bearer s3cret-tokenx', 's3cret-token', 'Basic s3cret-token', '' ]) assert.ok(!tokenAllowed(given, 's3cret-token'), given);
      assert.ok(!tokenAllowed('Bearer ', ''));
      assert.ok(!tokenAllowed('', ''));
    });
  });

  describe('scrapeAllowed', () => {
    const list = allowList([ '127.0.0.1' ]);
    const req = (extra: Partial<Parameters<typeof scrapeAllowed>[2]> = {}) => ({ ip: '127.0.0.1', authorization: '', headers: {}, trustProxy: false, ...extra });

    it('a listed address, or the token from anywhere', () => {
      assert.ok(scrapeAllowed(list, '', req()));
      assert.ok(!scrapeAllowed(list, '', req({ ip: '192.0.2.1' })));
      assert.ok(scrapeAllowed(list, 'tok', req({ ip: '192.0.2.1', authorization: 'Bearer tok' })));
    });

    it('with TRUST_PROXY off, a forwarded request is allowed by token only', () => {
      assert.ok(!scrapeAllowed(list, 'tok', req({ headers: { 'x-forwarded-for': '127.0.0.1' } })));
      assert.ok(scrapeAllowed(list, 'tok', req({ headers: { 'x-forwarded-for': '127.0.0.1' }, authorization: 'Bearer tok' })));
      assert.ok(scrapeAllowed(list, '', req({ headers: { 'x-forwarded-for': '127.0.0.1' }, trustProxy: true })));
    });
  });

  describe('labels', () => {
    it('names a rate limit by its buckets, never by address, user or username', async () => {
      countRateLimited([ 'im:rl:{10.9.8.7}:login:Alice', 'im:rl:{10.9.8.7}:login' ]);
      countRateLimited([ 'im:rl:{u42}:msg' ]);
      const labels = (await rateLimitRefusals.get()).values.map(value => value.labels.limit);
      assert.ok(labels.includes('login') && labels.includes('msg'), labels.join());
      assert.ok(labels.every(label => !/Alice|10\.9|42/.test(String(label))), labels.join());
    });

    it('tells MySQL errors from Redis errors', () => {
      const named = (name: string, message = '', extra: object = {}) => Object.assign(new Error(message), { name }, extra);
      assert.equal(dependencyOf(named('SequelizeConnectionRefusedError')), 'mysql');
      assert.equal(dependencyOf(named('SequelizeDatabaseError', 'Deadlock found')), 'mysql');
      assert.equal(dependencyOf(named('Error', 'Connection lost', { code: 'PROTOCOL_CONNECTION_LOST' })), 'mysql');
      assert.equal(dependencyOf(named('MaxRetriesPerRequestError')), 'redis');
      assert.equal(dependencyOf(named('Error', "Stream isn't writeable and enableOfflineQueue options is false")), 'redis');
      assert.equal(dependencyOf(named('Error', 'Command timed out')), 'redis');
      assert.equal(dependencyOf(named('TypeError', 'x is undefined')), null);
      assert.equal(dependencyOf(undefined), null);
    });
  });
});
