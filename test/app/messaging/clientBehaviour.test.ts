// CONTRACT-client-behaviour: the course's client, as test/app/messaging/courseClient.ts behaves,
// against the real server (HTTP, WebSocket, MariaDB, Redis).
import { strict as assert } from 'node:assert';
import { assertOk, login, logout, register } from '../../helpers';
import { testPort } from '../../ports';
import { TcpProxy } from '../hardening/support';
import { CourseClient, eventually } from './courseClient';
import { befriend, listen, sendText, sleep, user } from './support';
import { LOGIN_CHAT, REG_CHAT, arrive, newDeviceId, visitorSettings, withCredentials } from '../visitors/support';

const sum = (counts: number[]) => counts.reduce((a, b) => a + b, 0);

describe('the course client against the server (CONTRACT-client-behaviour)', () => {
  const server = listen();
  const url = () => `ws://127.0.0.1:${server.port}`;
  const clients: CourseClient[] = [];
  const client = (token: string, role: 'user' | 'visitor') => {
    const made = new CourseClient(url, token, role);
    clients.push(made);
    return made;
  };
  afterEach(() => {
    for (const made of clients.splice(0)) made.stop();
  });

  describe('sockets of one session (§2)', () => {
    for (const count of [ 2, 8 ]) {
      it(`${count} sockets of one session opened 0-2 ms apart: exactly one active, it receives the next message, all stay open`, async () => {
        const from = await user('sender01');
        const me = await user('receiver1');
        await befriend(from.id, me.id);
        const phone = client(me.token, 'user');
        for (let i = 0; i < count; i++) {
          phone.connect();
          if (i % 2) await sleep(i % 3); // 0, 1 or 2 ms apart
        }
        await eventually(() => phone.open().length === count, `${count} open sockets`);
        await sleep(200);
        await sendText(server.base, from.token, me.id, `to ${count}`);
        await eventually(() => sum(phone.received(`to ${count}`)) >= 1, 'the message');
        await sleep(300);
        assert.deepEqual(phone.received(`to ${count}`).filter(n => n > 0), [ 1 ], JSON.stringify(phone.received(`to ${count}`)));
        assert.equal(phone.open().length, count);
        assert.deepEqual([ phone.codes, phone.loggedOut ], [[], false ]);
      });
    }

    describe('reconnect storm after an outage (a proxy in front of the app cuts every connection)', () => {
      const target = { host: '127.0.0.1', port: 0 };
      const proxy = new TcpProxy(testPort(7153), target);
      before(() => { target.port = server.port; });
      after(() => proxy.down());
      for (const outageMs of [ 1000, 3000, 10000 ]) {
        it(`after ${outageMs / 1000} s: within 5 s one active socket receives messages and no further handshakes`, async function() {
          this.timeout(60000);
          await proxy.up();
          const from = await user('sender01');
          const me = await user('receiver1');
          await befriend(from.id, me.id);
          const phone = new CourseClient(() => `ws://127.0.0.1:${proxy.port}`, me.token, 'user');
          clients.push(phone);
          await phone.connectPair();
          await eventually(() => phone.open().length === 2, 'two sockets');
          await proxy.down();
          await sleep(outageMs);
          await proxy.up();
          await sleep(5000);
          const settled = phone.handshakes;
          await sendText(server.base, from.token, me.id, `after ${outageMs}`);
          await eventually(() => sum(phone.received(`after ${outageMs}`)) >= 1,
            () => `the message (open ${phone.open().length}, handshakes ${phone.handshakes}, codes ${JSON.stringify(phone.codes)}, logged out ${phone.loggedOut})`);
          await sleep(2000);
          assert.equal(phone.handshakes, settled, 'no handshake after convergence');
          assert.deepEqual(phone.received(`after ${outageMs}`).filter(n => n > 0), [ 1 ]);
          assert.ok(phone.open().length >= 1);
          assert.deepEqual([ phone.codes, phone.loggedOut ], [[], false ]);
        });
      }
    });
  });

  describe('visitor mode (§3)', () => {
    it('logout -> visitorRegister x2 -> login works 20 times in a row on one device (default limits)', async () => {
      // Calls of the real client are minutes apart: the twin rule does not help here.
      visitorSettings({ twinMs: 0 });
      const me = await register('cycle001');
      const deviceId = newDeviceId();
      let token = (await login('cycle001')).token;
      for (let round = 0; round < 20; round++) {
        assertOk(await logout(token));
        const [ first, second ] = [ await arrive(deviceId), await arrive(deviceId) ];
        assert.equal(first.id, second.id, `round ${round}: the device's visitor`);
        await arrive(deviceId); // the client's visitorRegister at login
        const back = await login('cycle001');
        assert.equal(back.id, me.id);
        token = back.token;
      }
    });
  });

  /**
   * A visitor (befriended by friend01) with the course client's two sockets, then `route`
   * (registering in place, or logging in to `username`) on the same device and the new
   * account's two sockets: after 300 ms the visitor's sockets are still open, with no close code.
   */
  async function visitorThenAccount(route: typeof REG_CHAT | typeof LOGIN_CHAT, username: string) {
    const friend = await user('friend01');
    const deviceId = newDeviceId();
    const visitor = await arrive(deviceId);
    await befriend(friend.id, visitor.id);
    const old = client(visitor.token, 'visitor');
    await old.connectPair();
    await eventually(() => old.open().length === 2, 'the visitor\'s two sockets');
    const account = await withCredentials(route, deviceId, username);
    const fresh = client(account.token, 'user');
    await fresh.connectPair();
    await eventually(() => fresh.open().length === 2, 'the account\'s two sockets');
    await sleep(300);
    assert.deepEqual(old.codes, [], 'no close code for the visitor\'s sockets');
    assert.equal(old.open().length, 2);
    return { friend, visitor, account, old, fresh };
  }

  describe('registering in place (§3)', () => {
    it('the visitor\'s sockets get no close code, the old instance reconnects with the visitor token as the same session, messages flow', async () => {
      const { friend, visitor, account, old, fresh } = await visitorThenAccount(REG_CHAT, 'newuser01');
      assert.equal(account.id, visitor.id);

      await sendText(server.base, friend.token, visitor.id, 'after the upgrade');
      await eventually(() => sum(fresh.received('after the upgrade')) === 1 && sum(old.received('after the upgrade')) === 1, () => `one copy per session: ${JSON.stringify([ fresh.sockets.map(s => s.chats.length), old.sockets.map(s => s.chats.length) ])}`);

      // The old instance's sockets drop; it reconnects with the visitor token: accepted, same session.
      const before = old.handshakes;
      old.dropAll();
      await eventually(() => old.handshakes >= before + 2 && old.open().length === 2, 'the old instance back');
      await sendText(server.base, friend.token, visitor.id, 'after the reconnect');
      await eventually(() => sum(fresh.received('after the reconnect')) === 1 && sum(old.received('after the reconnect')) === 1, () => `one copy per session: ${JSON.stringify([ fresh.sockets.map(s => s.chats.length), old.sockets.map(s => s.chats.length) ])}`);
      await sleep(300);
      assert.equal(sum(old.received('after the reconnect')), 1);
      assert.deepEqual([ old.codes, fresh.codes, fresh.loggedOut ], [[], [], false ]);
    });
  });

  describe('logging in to another account (§3: visitorloginChat leaves the visitor\'s sessions alone)', () => {
    it('the old visitor instance keeps its sockets, and after they drop it reconnects with the visitor token: no close code, messages flow', async () => {
      await register('existing01');
      const { friend, visitor, account, old, fresh } = await visitorThenAccount(LOGIN_CHAT, 'existing01');
      assert.notEqual(account.id, visitor.id);

      const before = old.handshakes;
      old.dropAll();
      await eventually(() => old.handshakes >= before + 2 && old.open().length === 2, () => `the old instance back (codes ${JSON.stringify(old.codes)})`);
      await sendText(server.base, friend.token, visitor.id, 'to the visitor');
      await eventually(() => sum(old.received('to the visitor')) === 1, 'the visitor\'s message on the old instance');
      await sleep(300);
      assert.deepEqual([ old.codes, old.loggedOut, fresh.codes, fresh.loggedOut ], [[], false, [], false ]);
    });
  });
});
