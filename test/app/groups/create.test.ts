// CONTRACT-groups §A: group/create, grouplist, groupinfo.
import { strict as assert } from 'node:assert';
import { app, mm } from 'egg-mock/bootstrap';
import { assertFail, assertOk, LOCAL_DATETIME, openSession, UUID_V4 } from '../../helpers';
import { blacklist } from '../messaging/support';
import {
  addMembers, befriend, circle, createGroup, entryOf, execute, G_KEYS, groupRow, listen, MEMBER_KEYS, MEMBER_USER_KEYS, memberships,
  NOT_FOUND, OWN_MEMBERSHIP_KEYS, routes, user, VISITOR_FORBIDDEN,
} from './support';

const ARRAY_TEXT = 'userIds 应为 1-499 个好友 id 组成的数组';

describe('groups: create, grouplist, groupinfo', () => {
  const server = listen();
  const { post, get } = routes(server);

  describe('POST /api/chat/group/create', () => {
    it('creates the group: owner first, then the friends in the order given; composed name and avatar; G as stored', async () => {
      const [ owner, a, b, c ] = await circle([ 'owner01', 'member1', 'member2', 'member3' ], [{ nickname: '群主' }, {}, { nickname: '小二' }, {}]);
      await execute('UPDATE `user` SET avatar = CONCAT(\'https://a.example/\', username, \'.png\')');
      // c, a, b: the order of userIds, not of ids.
      const ids = [ await entryOf(owner.id, c.id), await entryOf(owner.id, a.id), await entryOf(owner.id, b.id) ];
      const res = await post('group/create', owner, { userIds: ids });
      assert.equal(assertOk(res), 'ok');
      const [ group ] = await app.model.query('SELECT * FROM chat_group', { type: 'SELECT' } as any) as any[];
      assert.equal(group.user_id, owner.id);
      assert.equal(group.name, '群主、member3、member1、小二');
      assert.equal(group.avatar, [ 'owner01', 'member3', 'member1', 'member2' ].map(name => `https://a.example/${name}.png`).join(','));
      assert.deepEqual([ group.invite_confirm, group.status, group.remark ], [ 0, 1, '' ]);
      assert.match(group.uuid, UUID_V4);
      const rows = await memberships(group.id);
      assert.deepEqual(rows.map(row => [ row.user_id, row.status, row.invited_by, row.join_seq, row.nickname, row.avatar ]), [
        [ owner.id, 1, null, 0, '', '' ], [ c.id, 1, owner.id, 0, '', '' ], [ a.id, 1, owner.id, 0, '', '' ], [ b.id, 1, owner.id, 0, '', '' ],
      ]);
    });

    it('takes userIds as a JSON array, a form userIds[] and a JSON string; duplicates and two entries of one friend skipped', async () => {
      const [ owner, a, b ] = await circle([ 'owner01', 'member1', 'member2' ]);
      const ea = await entryOf(owner.id, a.id);
      const eb = await entryOf(owner.id, b.id);
      assertOk(await post('group/create', owner, `userIds[]=${ea}&userIds[]=${eb}&userIds[]=${ea}`, true));
      assertOk(await post('group/create', owner, { userIds: JSON.stringify([ String(eb), ea ]) }));
      assertOk(await post('group/create', owner, { userIds: [ ea, String(ea), eb ] }));
      const groups = await app.model.query('SELECT id FROM chat_group ORDER BY id', { type: 'SELECT' } as any) as any[];
      assert.equal(groups.length, 3);
      assert.deepEqual((await memberships(groups[0].id)).map(row => row.user_id), [ owner.id, a.id, b.id ]);
      assert.deepEqual((await memberships(groups[1].id)).map(row => row.user_id), [ owner.id, b.id, a.id ]);
      assert.deepEqual((await memberships(groups[2].id)).map(row => row.user_id), [ owner.id, a.id, b.id ]);
    });

    it('skips ids that are not the caller\'s entries, gone friends and blacklisted ones; none left → 422', async () => {
      const [ owner, a, gone, black ] = await circle([ 'owner01', 'member1', 'member2', 'member3' ]);
      const other = await user('stranger');
      await befriend(other.id, a.id);
      await execute('UPDATE `user` SET status = 0 WHERE id = :id', { id: gone.id });
      await blacklist(owner.id, black.id);
      const skipped = [ await entryOf(other.id, a.id), await entryOf(owner.id, gone.id), await entryOf(owner.id, black.id), 999999 ];
      assertFail(await post('group/create', owner, { userIds: skipped }), 422, '请选择加入群聊的用户');
      assertOk(await post('group/create', owner, { userIds: [ ...skipped, await entryOf(owner.id, a.id) ] }));
      const [ group ] = await app.model.query('SELECT id FROM chat_group', { type: 'SELECT' } as any) as any[];
      assert.deepEqual((await memberships(group.id)).map(row => row.user_id), [ owner.id, a.id ]);
    });

    it('refuses malformed userIds with the contract\'s texts', async () => {
      const [ owner ] = await circle([ 'owner01' ]);
      for (const body of [{}, { userIds: null }, { userIds: '' }]) assertFail(await post('group/create', owner, body), 422, 'userIds 不能为空');
      const many = Array.from({ length: 500 }, (_, i) => i + 1);
      for (const userIds of [ 'abc', 5, [], [ 0 ], [ 1, -2 ], [ 1.5 ], [ '01' ], [ 4294967296 ], many, { a: 1 }, [[ 1 ]], '[1,"x"]' ]) {
        assertFail(await post('group/create', owner, { userIds }), 422, ARRAY_TEXT);
      }
      assert.deepEqual(await app.model.query('SELECT id FROM chat_group', { type: 'SELECT' } as any), []);
    });

    it('is closed to visitors and needs a session', async () => {
      const visitor = await user('visitor1', { username: 'visitor1', role: 'visitor' } as any);
      assertFail(await post('group/create', visitor, { userIds: 'x' }), 403, VISITOR_FORBIDDEN);
      const res = await post('group/create', '', { userIds: [ 1 ] });
      assert.equal(res.status, 401);
    });

    it('GROUP_MAX_OWNED → 409 (after 422); GROUP_CREATE_LIMIT per hour → 429 counting created groups only', async () => {
      mm(app.config.im.groups, 'maxOwned', 2);
      mm(app.config.im.groups, 'createLimit', 3);
      const [ owner, a ] = await circle([ 'owner01', 'member1' ]);
      const ids = [ await entryOf(owner.id, a.id) ];
      assertOk(await post('group/create', owner, { userIds: ids }));
      assertOk(await post('group/create', owner, { userIds: ids }));
      assertFail(await post('group/create', owner, { userIds: [ 999 ] }), 422, '请选择加入群聊的用户');
      assertFail(await post('group/create', owner, { userIds: ids }), 409, '创建的群数量已达上限');
      // Refusals did not count: one more fits once a group is gone.
      await execute('DELETE FROM chat_group WHERE user_id = :id LIMIT 1', { id: owner.id });
      assertOk(await post('group/create', owner, { userIds: ids }));
      await execute('DELETE FROM chat_group WHERE user_id = :id', { id: owner.id });
      const res = await post('group/create', owner, { userIds: ids });
      assert.equal(res.status, 429);
      assert.ok(Number(res.headers['retry-after']) > 0);
    });

    it('cuts the composed name to 50 characters; the avatar holds the first 9 members\'', async () => {
      const names = Array.from({ length: 11 }, (_, i) => `member${String(i).padStart(2, '0')}`);
      const users = await circle(names);
      const [ owner, ...others ] = users;
      const id = await createGroup(server, owner, others);
      const group = (await groupRow(id))!;
      assert.equal(group.name, [ ...users.map(u => u.username).join('、') ].slice(0, 50).join(''));
      assert.equal(group.avatar.split(',').length, 9);
    });
  });

  describe('GET /api/chat/grouplist/:page', () => {
    it('lists the caller\'s groups (member rows, live groups), newest first, with only the caller\'s membership', async () => {
      const [ owner, a, b ] = await circle([ 'owner01', 'member1', 'member2' ]);
      const g1 = await createGroup(server, owner, [ a ]);
      const g2 = await createGroup(server, owner, [ a, b ]);
      const g3 = await createGroup(server, owner, [ b ]);
      const banned = await createGroup(server, owner, [ a ]);
      await execute('UPDATE chat_group SET status = 0 WHERE id = :banned', { banned });
      await execute('UPDATE chat_group_user SET nickname = \'阿一\', avatar = \'x.png\' WHERE group_id = :g2 AND user_id = :a', { g2, a: a.id });
      await addMembers(g3, [ a.id ], 2); // an applicant: not listed
      const list = assertOk(await get('grouplist/1', a));
      assert.deepEqual(list.map((item: any) => item.id), [ g2, g1 ]);
      for (const item of list) {
        assert.deepEqual(Object.keys(item), [ ...G_KEYS, 'group_users' ]);
        assert.match(item.create_time, LOCAL_DATETIME);
        assert.deepEqual(item.group_users.map((m: any) => Object.keys(m)), [ OWN_MEMBERSHIP_KEYS ]);
      }
      assert.deepEqual(list[0].group_users, [{ group_id: g2, user_id: a.id, nickname: '阿一', avatar: 'x.png' }]);
      const row = (await groupRow(g2))!;
      const g = { ...list[0] };
      delete g.group_users;
      assert.deepEqual(g, {
        create_time: g.create_time, id: g2, uuid: row.uuid, user_id: owner.id, name: row.name, avatar: row.avatar, remark: '', invite_confirm: 0,
        status: 1, order: 50,
      });
    });

    it('pages with ?limit= and the course\'s /grouplist/1&limit=3 spelling; past the end []; bad page or limit → 422', async () => {
      const [ owner, a ] = await circle([ 'owner01', 'member1' ]);
      const ids = [];
      for (let i = 0; i < 5; i++) ids.push(await createGroup(server, owner, [ a ]));
      const newest = [ ...ids ].reverse();
      assert.deepEqual(assertOk(await get('grouplist/1?limit=2', a)).map((g: any) => g.id), newest.slice(0, 2));
      assert.deepEqual(assertOk(await get('grouplist/2&limit=2', a)).map((g: any) => g.id), newest.slice(2, 4));
      assert.deepEqual(assertOk(await get('grouplist/3&limit=2', a)).map((g: any) => g.id), newest.slice(4));
      assert.deepEqual(assertOk(await get('grouplist/9?limit=2', a)), []);
      assert.deepEqual(assertOk(await get('grouplist', a)).map((g: any) => g.id), newest);
      assertFail(await get('grouplist/0', a), 422, 'page 应为 1-4294967295 之间的整数');
      assertFail(await get('grouplist/x', a), 422, 'page 应为 1-4294967295 之间的整数');
      assertFail(await get('grouplist/1?limit=101', a), 422, 'limit 应为 1-100 之间的整数');
      assertFail(await get('grouplist/1&limit=0', a), 422, 'limit 应为 1-100 之间的整数');
    });

    it('is open to visitors', async () => {
      const visitor = await user('visitor1', { username: 'visitor1', role: 'visitor' } as any);
      assert.deepEqual(assertOk(await get('grouplist/1', visitor)), []);
    });
  });

  describe('GET /api/chat/groupinfo/:id', () => {
    it('members get G and every member in join order with the user, gone users left out', async () => {
      const [ owner, a, b, c ] = await circle([ 'owner01', 'member1', 'member2', 'member3' ], [{}, { nickname: '一' }]);
      const id = await createGroup(server, owner, [ b, a, c ]);
      await execute('UPDATE `user` SET is_deleted = 1 WHERE id = :id', { id: c.id });
      const info = assertOk(await get(`groupinfo/${id}`, a));
      assert.deepEqual(Object.keys(info), [ ...G_KEYS, 'group_users' ]);
      assert.deepEqual(info.group_users.map((m: any) => m.user_id), [ owner.id, b.id, a.id ]);
      const rows = await memberships(id);
      for (const member of info.group_users) {
        assert.deepEqual(Object.keys(member), MEMBER_KEYS);
        assert.deepEqual(Object.keys(member.user), MEMBER_USER_KEYS);
        assert.match(member.create_time, LOCAL_DATETIME);
      }
      const mine = info.group_users[2];
      const rest = { ...mine };
      delete rest.create_time;
      assert.deepEqual(rest, {
        id: rows[2].id, group_id: id, user_id: a.id, nickname: '', avatar: '', status: 1, order: 50, groupId: id,
        user: { id: a.id, username: 'member1', avatar: a.row.avatar, nickname: '一', role: 'user', uuid: a.uuid },
      });
    });

    it('non-members get a preview (member ids only), GROUP_PREVIEW_LIMIT an hour; a member\'s groupinfo is not a preview', async () => {
      mm(app.config.im.groups, 'previewLimit', 2);
      const [ owner, a ] = await circle([ 'owner01', 'member1' ]);
      const stranger = await user('stranger');
      const id = await createGroup(server, owner, [ a ]);
      await addMembers(id, [ stranger.id ], 2); // an applicant still previews
      for (let i = 0; i < 3; i++) assertOk(await get(`groupinfo/${id}`, a));
      const preview = assertOk(await get(`groupinfo/${id}`, stranger));
      assert.deepEqual(Object.keys(preview), [ ...G_KEYS, 'group_users' ]);
      assert.deepEqual(preview.group_users, [{ user_id: owner.id }, { user_id: a.id }]);
      assertOk(await get(`groupinfo/${id}`, stranger));
      const res = await get(`groupinfo/${id}`, stranger);
      assert.equal(res.status, 429);
      // Visitors preview too.
      const visitor = await user('visitor1', { username: 'visitor1', role: 'visitor' } as any);
      assert.deepEqual(assertOk(await get(`groupinfo/${id}`, visitor)).group_users.length, 2);
    });

    it('a missing or banned group → 404; a bad id → 422; no session → 401', async () => {
      const [ owner, a ] = await circle([ 'owner01', 'member1' ]);
      const id = await createGroup(server, owner, [ a ]);
      await execute('UPDATE chat_group SET status = 2 WHERE id = :id', { id });
      assertFail(await get(`groupinfo/${id}`, a), 404, NOT_FOUND);
      assertFail(await get(`groupinfo/${id + 1}`, a), 404, NOT_FOUND);
      assertFail(await get('groupinfo/0', a), 422, 'id 应为 1-4294967295 之间的整数');
      assert.equal((await get(`groupinfo/${id}`)).status, 401);
      const token = await openSession(a.row);
      assert.equal((await get(`groupinfo/${id}`, token)).status, 404);
    });
  });
});
