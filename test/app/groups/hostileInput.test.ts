// Hostile input on every groups route (property-based, fast-check): random bodies, path segments
// and query strings with a valid session always answer the envelope (or the PNG), never a 5xx,
// and leave no stray row.
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { app } from 'egg-mock/bootstrap';
import { anyString, assertBodiesAnswered, assertFailEnvelope, hostileSamples, NUM_RUNS, percentEncode } from '../hardening/hostileSamples';
import { keepTestServerListening } from '../hardening/support';
import { befriend, execute, query, user, User } from './support';

const FIELD_NAMES = [
  'id', 'group_id', 'user_id', 'inviteuser_id', 'addGroupDesc', 'addGroupSet', 'type', 'name', 'remark', 'nickname', 'userIds', 'userIds[]',
  'userIds[0]', 'id[]', 'group_id[a]', '__proto__', 'constructor', 'toString',
];
const samples = hostileSamples(FIELD_NAMES);
const RUNS = Math.max(10, Math.round(NUM_RUNS / 2));

// Ids far from anything a sample holds: the fixture's group, entry and user rows are out of reach.
const GROUP_ID = 4000000001;
const ENTRY_OFFSET = 3000000000;

const segment = fc.oneof(
  anyString.map(percentEncode),
  fc.string({ maxLength: 20 }).map(encodeURIComponent),
  fc.constantFrom('0', '1', '2', '01', '-1', '1.5', '1e3', '4294967295', '4294967296', '99999999999999999999', '%00', '%2F', '..', '%20',
    '1&limit=3', '1%26limit%3D0', '1&limit=abc&limit=2', encodeURIComponent('ＡＢ'), '%F0%9F%98%80', String(GROUP_ID)),
  fc.nat().map(String),
);

async function rowsSnapshot() {
  const [ counts ] = await query<{ groups: number; members: number; avatar: string; name: string }>(
    'SELECT (SELECT COUNT(*) FROM chat_group) AS `groups`, (SELECT COUNT(*) FROM chat_group_user) AS members, ' +
    '(SELECT CONCAT(avatar, name, remark, invite_confirm, user_id) FROM chat_group WHERE id = :id) AS state', { id: GROUP_ID });
  return counts;
}

describe('hostile input on every groups route (property-based, fast-check)', () => {
  keepTestServerListening();
  let me: User;
  let friend: User;

  beforeEach(async () => {
    me = await user('prober01');
    friend = await user('friend01');
    await befriend(me.id, friend.id);
    await execute('UPDATE goodfriend SET id = id + :offset', { offset: ENTRY_OFFSET });
    await execute('INSERT INTO chat_group (id, uuid, user_id, name, avatar, remark, invite_confirm, status, `order`, create_time, update_time) ' +
      'VALUES (:id, UUID(), :owner, \'g\', \'\', \'\', 1, 1, 50, NOW(3), NOW(3))', { id: GROUP_ID, owner: friend.id });
    await execute('INSERT INTO chat_group_user (group_id, user_id, nickname, avatar, status, `order`, invited_by, apply_desc, join_seq, create_time, update_time) ' +
      'VALUES (:id, :owner, \'\', \'\', 1, 50, NULL, \'\', 0, NOW(3), NOW(3))', { id: GROUP_ID, owner: friend.id });
  });

  const BODY_ROUTES = [
    'group/create', 'groupUpdateName', 'groupremark', 'groupnickname', 'groupDeleteOrQuit', 'groupDeleteUser', 'groupInviteUser',
    'groupAddUserSet', 'groupAgreeOrNo', 'groupTransfer',
  ];

  it('any body on every POST route: the envelope, 4xx or 200, never a 5xx; no row added, removed or changed', async () => {
    const before = await rowsSnapshot();
    const { token } = me;
    await assertBodiesAnswered(BODY_ROUTES.map(route => `/api/chat/${route}`), samples, token, RUNS);
    assert.deepEqual(await rowsSnapshot(), before);
  });

  it('any path segment and query string on the GET routes: never a 5xx; a PNG or the envelope', async () => {
    const before = await rowsSnapshot();
    const { token } = me;
    const paths: Array<(s: string, q: string) => string> = [
      (s, q) => `/api/chat/grouplist/${s}?limit=${q}`,
      (_s, q) => `/api/chat/grouplist?limit=${q}&limit=${q}`,
      s => `/api/chat/groupinfo/${s}`,
      (s, q) => `/api/chat/groupQrcode/${s}?type=H5&http=${q}&chatType=${q}`,
      (s, q) => `/api/chat/groupQrcode/${s}?chatType=single&type=${q}&http=${q}`,
      (s, q) => `/api/chat/groupQrcode/${me.id}?chatType=single&type=H5&http=${s}${q}`,
    ];
    for (const path of paths) {
      await fc.assert(fc.asyncProperty(segment, segment, async (s, q) => {
        const url = path(s, q);
        const res = await app.httpRequest().get(url).set('token', token);
        assert.ok(res.status < 500, `${url}: ${res.status} ${JSON.stringify(res.body)}`);
        if (res.status === 200 && /^image\/png/.test(res.headers['content-type'])) return;
        if (res.status === 200) assert.equal(res.body.msg, 'ok', url);
        else assertFailEnvelope(res, url);
      }), { numRuns: RUNS });
    }
    assert.deepEqual(await rowsSnapshot(), before);
  });

  it('hostile values of valid shape reach the rules: control characters, huge ids, arrays for texts', async () => {
    const bad: Array<[ string, Record<string, unknown> ]> = [
      [ 'groupUpdateName', { id: GROUP_ID, name: [ 'x' ] }],
      [ 'groupUpdateName', { id: GROUP_ID, name: { toString: 'x' } }],
      [ 'groupremark', { id: GROUP_ID, remark: '\u0000' }],
      [ 'groupnickname', { id: '4294967296', nickname: 'x' }],
      [ 'groupInviteUser', { group_id: GROUP_ID, user_id: me.id, addGroupDesc: [ 'x' ] }],
      [ 'groupInviteUser', { group_id: GROUP_ID, user_id: me.id, inviteuser_id: '-1 ' }],
      [ 'groupAgreeOrNo', { group_id: GROUP_ID, user_id: friend.id, type: { agree: 1 } }],
      [ 'group/create', { userIds: [ String(ENTRY_OFFSET + 1), '\u0000' ] }],
    ];
    for (const [ route, body ] of bad) {
      const res = await app.httpRequest().post(`/api/chat/${route}`).set('token', me.token).send(body);
      assert.equal(res.status, 422, `${route} ${JSON.stringify(body)}: ${JSON.stringify(res.body)}`);
    }
  });
});
