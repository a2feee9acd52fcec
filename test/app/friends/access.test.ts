import { strict as assert } from 'node:assert';
import { app } from 'egg-mock/bootstrap';
import { assertFail, assertOk, AUTH_FAILURES } from '../../helpers';
import { member, members, VISITOR_FORBIDDEN } from './support';

interface Route {
  method: 'get' | 'post';
  path: string;
  /** CONTRACT (friends): the visitors' whitelist. */
  visitors: boolean;
}

const UUID = '00000000-0000-4000-8000-000000000000';
// Every /api/chat route of the friends domain.
const ROUTES: Route[] = [
  { method: 'post', path: '/api/chat/applyfriend', visitors: true },
  { method: 'get', path: '/api/chat/listapplyfriend', visitors: false },
  { method: 'get', path: '/api/chat/listapplyfriend/2?limit=5', visitors: false },
  { method: 'post', path: '/api/chat/handleapply/1', visitors: false },
  { method: 'post', path: `/api/chat/isApplyfriend/${UUID}`, visitors: false },
  { method: 'get', path: '/api/chat/goodfriendlist', visitors: false },
  { method: 'get', path: '/api/chat/goodfriendlist/1?limit=20', visitors: false },
  { method: 'get', path: '/api/chat/getgoodfriendinfo/1', visitors: false },
  { method: 'post', path: '/api/chat/setblackgoodfriend/1', visitors: false },
  { method: 'post', path: '/api/chat/setstargoodfriend/1', visitors: false },
  { method: 'post', path: '/api/chat/setmeOrfriendCanSee/1', visitors: false },
  { method: 'post', path: '/api/chat/ismygoodfriend/1', visitors: true },
  { method: 'post', path: '/api/chat/deletegoodfriend/1', visitors: true },
  { method: 'post', path: '/api/chat/userset', visitors: true },
  { method: 'post', path: '/api/chat/updateUserinfo', visitors: true },
  { method: 'post', path: '/api/chat/getUserSetInfo', visitors: true },
];

function send(route: Route, headers: Record<string, string>, body: object = {}) {
  const req = app.httpRequest()[route.method](route.path).set(headers);
  return route.method === 'post' ? req.send(body) : req;
}

describe('friends routes: session and visitor gate', () => {
  for (const route of ROUTES) {
    describe(`${route.method.toUpperCase()} ${route.path}`, () => {
      it('every session failure answers before anything else (fields are not looked at)', async () => {
        for (const [ i, failure ] of AUTH_FAILURES.entries()) {
          const user = await member(`auth${String(i).padStart(4, '0')}`);
          const headers = await failure.prepare(user);
          assertFail(await send(route, headers, { friend_id: 'bad', status: 'bad', userset: 5 }), failure.status, failure.reason);
        }
      });

      if (route.visitors) {
        it('is open to visitors', async () => {
          const visitor = await member({ username: 'VISitor01', role: 'visitor' });
          const res = await send(route, { token: visitor.token });
          assert.notEqual(res.status, 403, JSON.stringify(res.body));
          assert.ok(res.status === 200 || res.status === 404 || res.status === 422, `${res.status} ${JSON.stringify(res.body)}`);
        });
      } else {
        it('is closed to visitors: 403 before the fields and the path are checked', async () => {
          const visitor = await member({ username: 'VISitor01', role: 'visitor' });
          assertFail(await send(route, { token: visitor.token }, { status: 'bad', isblack: 9 }), 403, VISITOR_FORBIDDEN);
          // A user who became a visitor by SQL: the stored role decides, not the token.
          const user = await member('user0001');
          await app.model.User.update({ role: 'visitor' }, { where: { id: user.id } });
          assertFail(await send(route, { token: user.token }), 403, VISITOR_FORBIDDEN);
        });
      }
    });
  }

  it('the gate matches method and path exactly: visitors still get 404 for unknown paths and methods', async () => {
    const visitor = await member({ username: 'VISitor01', role: 'visitor' });
    for (const [ method, path ] of [[ 'get', '/api/chat/applyfriend' ], [ 'post', '/api/chat/goodfriendlist' ], [ 'get', '/api/chat/goodfriendlistX' ],
      [ 'post', '/api/chat/handleapply' ], [ 'get', '/api/chat/handleapply/1' ], [ 'post', '/api/chat/deletegoodfriend' ]] as const) {
      assertFail(await app.httpRequest()[method](path).set('token', visitor.token), 404, '404 错误');
    }
  });

  it('GET /api/userinfo/:uuid is public: no token needed, any token ignored', async () => {
    const [ a ] = await members([ 'alice01' ]);
    assert.equal(assertOk(await app.httpRequest().get(`/api/userinfo/${a.uuid}`)).id, a.id);
    assert.equal(assertOk(await app.httpRequest().get(`/api/userinfo/${a.uuid}`).set('token', 'garbage')).id, a.id);
  });
});
