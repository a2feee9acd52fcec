import { strict as assert } from 'node:assert';
import { app, mm } from 'egg-mock/bootstrap';
import configDefault from '../../../config/config.default';
import { hashSlots } from '../../../app/lib/account/password';
import { PASSWORD, post, register } from '../../helpers';
import { keepTestServerListening } from './support';

const TOO_MANY = '请求过于频繁，请稍后再试';
const UNAVAILABLE = '服务暂不可用，请稍后再试';

const attemptLogin = (username: string, password = PASSWORD) => post('/api/loginChat').type('form').send({ username, password });

function limits(overrides: Partial<typeof app.config.im.rateLimit>) {
  mm(app.config.im, 'rateLimit', { ...app.config.im.rateLimit, ...overrides });
}

async function until(check: () => boolean) {
  while (!check()) await new Promise(resolve => setTimeout(resolve, 5));
}

describe('successful logins and the hashing capacity (issue 16, item 3)', () => {
  keepTestServerListening();

  describe('successful logins are counted', () => {
    it('30 logins of one account within the window pass (the default); the 31st answers 429 with Retry-After', async () => {
      await register('alice');
      const { loginOkLimitUser, loginOkWindow } = app.config.im.rateLimit;
      assert.ok(loginOkLimitUser >= 30);
      for (let i = 0; i < loginOkLimitUser; i++) await attemptLogin('alice').expect(200);
      const res = await attemptLogin('Alice').expect(429);
      assert.deepEqual(res.body, { msg: 'fail', data: TOO_MANY });
      const retryAfter = Number(res.headers['retry-after']);
      assert.ok(retryAfter > loginOkWindow - 10 && retryAfter <= loginOkWindow, `Retry-After ${retryAfter}`);
    });

    it('per account from every IP (behind a trusted proxy)', async () => {
      mm(app.config, 'proxy', true);
      await register('bobby');
      limits({ loginOkLimitUser: 2 });
      await attemptLogin('bobby').set('X-Forwarded-For', '10.0.0.1').expect(200);
      await attemptLogin('bobby').set('X-Forwarded-For', '10.0.0.2').expect(200);
      await attemptLogin('bobby').set('X-Forwarded-For', '10.0.0.3').expect(429);
    });

    it('wrong passwords never use up the account\'s successful logins', async () => {
      await register('carol');
      limits({ loginOkLimitUser: 2, loginFailLimitUserIp: 10 });
      for (let i = 0; i < 6; i++) await attemptLogin('carol', 'wrong-password').expect(400);
      await attemptLogin('carol').expect(200);
      await attemptLogin('carol').expect(200);
      await attemptLogin('carol').expect(429);
    });

    it('per IP, whichever accounts log in', async () => {
      await register('dave1');
      await register('erin1');
      limits({ loginOkLimitIp: 3 });
      await attemptLogin('dave1').expect(200);
      await attemptLogin('erin1').expect(200);
      await attemptLogin('dave1', 'wrong-password').expect(400); // a failure counts as a failure only
      await attemptLogin('dave1').expect(200);
      const res = await attemptLogin('erin1').expect(429);
      assert.ok(Number(res.headers['retry-after']) > 0);
    });
  });

  describe('hashes in flight per process', () => {
    const slots = (maxInFlight: number, maxQueued: number) =>
      mm(app.config.im, 'password', { ...app.config.im.password, maxInFlight, maxQueued });

    it('a full queue answers 503 with Retry-After; a queued login goes on once a hash ends', async () => {
      await register('frank');
      slots(1, 1);
      // The test itself holds the only slot, as a long hash would.
      const release = (await hashSlots.acquire({ maxInFlight: 1, maxQueued: 1 }))!;
      let queued: Promise<any> | undefined;
      try {
        queued = attemptLogin('frank').then(res => res);
        await until(() => hashSlots.queued === 1);
        const refused = await attemptLogin('frank').expect(503);
        assert.deepEqual(refused.body, { msg: 'fail', data: UNAVAILABLE });
        assert.equal(refused.headers['retry-after'], '1');
        const registering = await post('/api/regChat').type('form').send({ username: 'grace', password: PASSWORD }).expect(503);
        assert.equal(registering.headers['retry-after'], '1');
      } finally {
        release();
      }
      assert.equal((await queued!).status, 200);
      assert.equal(hashSlots.inFlight, 0);
      assert.equal(await app.model.User.count({ where: { username: 'grace' } }), 0);
      // A 503 is no attempt: neither a failure nor a success was counted for it.
      limits({ loginOkLimitUser: 2 });
      await attemptLogin('frank').expect(200);
      await attemptLogin('frank').expect(429);
    });

    it('a burst from one address neither fills the queue nor goes first: another address takes its newest place and is served next', async () => {
      await register('ivan1');
      await register('judy1');
      mm(app.config, 'proxy', true);
      slots(1, 3);
      const order: string[] = [];
      const from = (name: string, ip: string) => attemptLogin(name).set('X-Forwarded-For', ip)
        .then(res => { order.push(`${ip} ${res.status}`); return res; });
      // The test itself holds the only slot, as a long hash would.
      const release = (await hashSlots.acquire({ maxInFlight: 1, maxQueued: 3 }))!;
      let burst: Array<Promise<any>> = [];
      let other: Promise<any> | undefined;
      try {
        burst = [ 1, 2, 3 ].map(() => from('ivan1', '10.7.0.1'));
        await until(() => hashSlots.queued === 3);
        // The queue is full of one address's logins: that address's next one is refused at once...
        const refused = await attemptLogin('ivan1').set('X-Forwarded-For', '10.7.0.1').expect(503);
        assert.deepEqual(refused.body, { msg: 'fail', data: UNAVAILABLE });
        assert.equal(refused.headers['retry-after'], '1');
        // ...while another address takes the place of its newest waiting login, which answers 503.
        other = from('judy1', '10.7.0.2');
        await until(() => hashSlots.queuedFor('10.7.0.2') === 1);
        assert.equal(hashSlots.queuedFor('10.7.0.1'), 2);
        await until(() => order.length === 1);
        assert.deepEqual(order, [ '10.7.0.1 503' ]);
      } finally {
        release();
      }
      await Promise.all([ ...burst, other ]);
      // Round-robin: the other address is served right after the burst's first login, not after all of it.
      assert.deepEqual(order, [ '10.7.0.1 503', '10.7.0.1 200', '10.7.0.2 200', '10.7.0.1 200' ]);
      assert.equal(hashSlots.queued, 0);
      assert.equal(hashSlots.inFlight, 0);
    });

    it('never runs more hashes than the bound, however many logins arrive', async () => {
      const names = Array.from({ length: 12 }, (_, i) => `henry${i}`);
      for (const name of names) await register(name);
      slots(2, 20);
      let highest = 0;
      const watch = setInterval(() => { highest = Math.max(highest, hashSlots.inFlight); }, 1);
      const results = await Promise.all(names.map(name => attemptLogin(name).then(res => res.status)));
      clearInterval(watch);
      assert.deepEqual(results, Array(12).fill(200));
      assert.ok(highest <= 2, `${highest} hashes at once`);
    });
  });

  describe('configuration', () => {
    const appInfo = { env: 'unittest', baseDir: process.cwd(), root: process.cwd(), name: 'im', pkg: {} } as any;
    const password = () => (configDefault(appInfo) as any).im.password;
    const saved = { UV_THREADPOOL_SIZE: process.env.UV_THREADPOOL_SIZE, HASH_MAX_IN_FLIGHT: process.env.HASH_MAX_IN_FLIGHT };
    afterEach(() => {
      for (const [ key, value ] of Object.entries(saved)) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
    });

    it('keeps one thread of libuv\'s pool free of hashing by default (UV_THREADPOOL_SIZE - 1)', () => {
      delete process.env.UV_THREADPOOL_SIZE;
      delete process.env.HASH_MAX_IN_FLIGHT;
      assert.equal(password().maxInFlight, 3);
      process.env.UV_THREADPOOL_SIZE = '8';
      assert.equal(password().maxInFlight, 7);
    });

    it('refuses to start with HASH_MAX_IN_FLIGHT >= UV_THREADPOOL_SIZE', () => {
      process.env.UV_THREADPOOL_SIZE = '4';
      process.env.HASH_MAX_IN_FLIGHT = '4';
      assert.throws(() => password(), /HASH_MAX_IN_FLIGHT \(4\) must be below UV_THREADPOOL_SIZE \(4\)/);
      process.env.HASH_MAX_IN_FLIGHT = '2';
      assert.equal(password().maxInFlight, 2);
    });
  });
});
