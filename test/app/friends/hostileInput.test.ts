// Hostile input on every friends route (property-based, fast-check): random bodies, path
// segments and query strings with a valid session always answer the envelope, never a 5xx,
// and leave no stray row.
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { app } from 'egg-mock/bootstrap';
import { anyString, assertBodiesAnswered, assertFailEnvelope, hostileSamples, NUM_RUNS, percentEncode } from '../hardening/hostileSamples';
import { keepTestServerListening } from '../hardening/support';
import { befriendBySql, Member, members, query } from './support';

const FIELD_NAMES = [
  'friend_id', 'nickname', 'status', 'isblack', 'ismystarfriend', 'friendlookme', 'melookfriend', 'userset', 'fieldname', 'fieldValue',
  'userid', 'friend_id[]', 'status[0]', 'fieldname[a]', '__proto__', 'constructor', 'toString',
];
const samples = hostileSamples(FIELD_NAMES);
const RUNS = Math.max(10, Math.round(NUM_RUNS / 2));

// Path segments and query values: any text, percent-encoded byte by byte, and near-misses of valid ones.
const segment = fc.oneof(
  anyString.map(percentEncode),
  fc.string({ maxLength: 20 }).map(encodeURIComponent),
  fc.constantFrom('0', '1', '2', '01', '-1', '1.5', '1e3', '4294967295', '4294967296', '99999999999999999999', '%00', '%2F', '..', '%20',
    '00000000-0000-4000-8000-000000000000', '00000000-0000-4000-8000-00000000000G', encodeURIComponent('ＡＢ'), '%F0%9F%98%80'),
  fc.nat().map(String),
);

async function rowsSnapshot() {
  const [ counts ] = await query<{ users: number; friends: number; applications: number }>(
    'SELECT (SELECT COUNT(*) FROM `user`) AS users, (SELECT COUNT(*) FROM goodfriend) AS friends, (SELECT COUNT(*) FROM goodfriendapply) AS applications');
  return { users: Number(counts.users), friends: Number(counts.friends), applications: Number(counts.applications) };
}

const decoded = (text: string) => {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
};

const fail5xx = (res: { status: number; body: unknown }, what: string) => assert.ok(res.status < 500, `${what}: ${res.status} ${JSON.stringify(res.body)}`);

describe('hostile input on every friends route (property-based, fast-check)', () => {
  keepTestServerListening();
  let me: Member;
  let friend: Member;

  beforeEach(async () => {
    [ me, friend ] = await members([ 'prober01', 'friend01' ]);
    await befriendBySql(me.id, [ friend.id ]);
  });

  // With a real friend's id in the path, so valid bodies reach the writes; no application exists
  // and the only other user is already a friend, so no body can create a row.
  const BODY_ROUTES = () => [
    '/api/chat/applyfriend', '/api/chat/handleapply/1', `/api/chat/setblackgoodfriend/${friend.id}`, `/api/chat/setstargoodfriend/${friend.id}`,
    `/api/chat/setmeOrfriendCanSee/${friend.id}`, '/api/chat/userset', '/api/chat/updateUserinfo', '/api/chat/getUserSetInfo',
    `/api/chat/ismygoodfriend/${friend.id}`, `/api/chat/isApplyfriend/${friend.uuid}`,
  ];

  it('any body on every POST route: the envelope, 4xx or 200, never a 5xx; no row added or removed', async () => {
    const before = await rowsSnapshot();
    const { token } = me;
    await assertBodiesAnswered(BODY_ROUTES(), samples, token, RUNS);
    assert.deepEqual(await rowsSnapshot(), before);
  });

  it('any path segment and query string: never a 5xx; no row added or removed', async () => {
    const before = await rowsSnapshot();
    const { token } = me;
    const paths: Array<[ 'get' | 'post', (s: string, q: string) => string ]> = [
      [ 'get', (s, q) => `/api/chat/listapplyfriend/${s}?limit=${q}` ],
      [ 'get', (s, q) => `/api/chat/goodfriendlist/${s}?limit=${q}` ],
      [ 'get', (_s, q) => `/api/chat/goodfriendlist?limit=${q}&limit=${q}` ],
      [ 'get', s => `/api/chat/getgoodfriendinfo/${s}` ],
      [ 'get', s => `/api/userinfo/${s}` ],
      [ 'post', s => `/api/chat/isApplyfriend/${s}` ],
      [ 'post', s => `/api/chat/handleapply/${s}` ],
      [ 'post', s => `/api/chat/ismygoodfriend/${s}` ],
      [ 'post', s => `/api/chat/setstargoodfriend/${s}` ],
      // Any id but the friend's (deleting it would be a valid request).
      [ 'post', s => `/api/chat/deletegoodfriend/${decoded(s) === String(friend.id) ? '0' : s}` ],
    ];
    for (const [ method, path ] of paths) {
      await fc.assert(fc.asyncProperty(segment, segment, async (s, q) => {
        const url = path(s, q);
        const req = app.httpRequest()[method](url).set('token', token);
        const res = method === 'post' ? await req.send({ status: 'refuse' }) : await req;
        fail5xx(res, url);
        if (res.status !== 200) assertFailEnvelope(res, url);
      }), { numRuns: RUNS });
    }
    assert.deepEqual(await rowsSnapshot(), before);
  });
});
