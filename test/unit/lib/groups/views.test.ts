// The groups answers (app/lib/groups/views.ts): exact key orders of G, the member, the preview
// and the grouplist item (CONTRACT-groups §0, §A), and the composed name and avatar.
import { strict as assert } from 'node:assert';
import {
  avatarInGroup, composeGroupAvatar, composeGroupName, groupInfoView, nameInGroup, GroupRow, groupView, MemberRow, myGroupView, previewView,
} from '../../../../app/lib/groups/views';

const G_KEYS = [ 'create_time', 'id', 'uuid', 'user_id', 'name', 'avatar', 'remark', 'invite_confirm', 'status', 'order' ];
const MEMBER_KEYS = [ 'create_time', 'id', 'group_id', 'user_id', 'nickname', 'avatar', 'status', 'order', 'groupId', 'user' ];
const MEMBER_USER_KEYS = [ 'id', 'username', 'avatar', 'nickname', 'role', 'uuid' ];

const group: GroupRow = {
  id: 33, uuid: '77518bad-ef94-438b-87bc-914838394feb', user_id: 7, name: 'alice、bob', avatar: 'a.png,b.png', remark: null,
  invite_confirm: 1, status: 1, order: 50, create_time: new Date('2026-12-06T16:30:05.123Z'),
};
const member: MemberRow = {
  id: 90, group_id: 33, user_id: 8, nickname: 'B', avatar: 'm.png', status: 1, order: 50, invited_by: 7, apply_desc: '', join_seq: 4,
  create_time: new Date('2026-12-06T16:31:00.000Z'), username: 'bob0001', user_avatar: 'b.png', user_nickname: 'Bobby', role: 'user', uuid: 'u-8',
};

describe('app/lib/groups/views', () => {
  it('groupView: G in the contract key order, create_time local, remark "" when NULL', () => {
    const view = groupView(group, '+08:00');
    assert.deepEqual(Object.keys(view), G_KEYS);
    assert.equal(view.create_time, '2026-12-07 00:30:05');
    assert.equal(view.remark, '');
    assert.equal(groupView({ ...group, remark: '公告' }, '+00:00').remark, '公告');
    assert.deepEqual([ view.id, view.user_id, view.invite_confirm ], [ 33, 7, 1 ]);
  });

  it('groupInfoView: G then group_users; each member in the contract order with groupId and the nested user', () => {
    const view = groupInfoView(group, [ member ], '+00:00');
    assert.deepEqual(Object.keys(view), [ ...G_KEYS, 'group_users' ]);
    const [ shown ] = view.group_users;
    assert.deepEqual(Object.keys(shown), MEMBER_KEYS);
    assert.deepEqual(Object.keys(shown.user), MEMBER_USER_KEYS);
    assert.equal(shown.groupId, 33);
    assert.equal(shown.create_time, '2026-12-06 16:31:00');
    assert.deepEqual(shown.user, { id: 8, username: 'bob0001', avatar: 'b.png', nickname: 'Bobby', role: 'user', uuid: 'u-8' });
    assert.deepEqual([ shown.nickname, shown.avatar ], [ 'B', 'm.png' ], 'the membership\'s own nickname and avatar');
  });

  it('previewView: G then only the members\' user ids, in the order given', () => {
    const view = previewView(group, [ 7, 8, 3 ], '+00:00');
    assert.deepEqual(Object.keys(view), [ ...G_KEYS, 'group_users' ]);
    assert.deepEqual(view.group_users, [{ user_id: 7 }, { user_id: 8 }, { user_id: 3 }]);
  });

  it('myGroupView: G then the caller\'s own membership {group_id, user_id, nickname, avatar}', () => {
    const view = myGroupView({ ...group, member_user_id: 8, member_nickname: 'B', member_avatar: '' }, '+00:00');
    assert.deepEqual(Object.keys(view), [ ...G_KEYS, 'group_users' ]);
    assert.deepEqual(view.group_users, [{ group_id: 33, user_id: 8, nickname: 'B', avatar: '' }]);
    assert.deepEqual(Object.keys(view.group_users[0]), [ 'group_id', 'user_id', 'nickname', 'avatar' ]);
  });

  it('composeGroupName: display names (nickname, else username) joined by 、, cut to 50 characters', () => {
    assert.equal(composeGroupName([{ username: 'alice01', nickname: '爱丽丝' }, { username: 'bob0001', nickname: '' }, { username: 'carol01', nickname: null }]),
      '爱丽丝、bob0001、carol01');
    const long = composeGroupName(Array.from({ length: 10 }, (_, i) => ({ username: `user${i}😀`, nickname: '' })));
    assert.equal([ ...long ].length, 50);
    assert.ok(long.startsWith('user0😀、user1😀、'));
    assert.ok(!long.endsWith('\ud83d'), 'no half of a surrogate pair');
    assert.equal(composeGroupName([{ username: 'solo001', nickname: '' }]), 'solo001');
  });

  it('composeGroupAvatar: the first 9 avatars in the order given, comma-joined', () => {
    const avatars = Array.from({ length: 12 }, (_, i) => `https://x/${i}.png`);
    assert.equal(composeGroupAvatar(avatars), avatars.slice(0, 9).join(','));
    assert.equal(composeGroupAvatar([ 'a', null, 'c' ]), 'a,,c');
    assert.equal(composeGroupAvatar([]), '');
  });

  it('nameInGroup: group nickname, else nickname, else username; avatarInGroup: group avatar, else avatar', () => {
    const base = { username: 'alice01', nickname: '爱丽丝', groupNickname: '群里的A', groupAvatar: 'g.png', avatar: 'u.png' };
    assert.equal(nameInGroup(base), '群里的A');
    assert.equal(nameInGroup({ ...base, groupNickname: '' }), '爱丽丝');
    assert.equal(nameInGroup({ ...base, groupNickname: null, nickname: '' }), 'alice01');
    assert.equal(avatarInGroup(base), 'g.png');
    assert.equal(avatarInGroup({ ...base, groupAvatar: '' }), 'u.png');
    assert.equal(avatarInGroup({ ...base, groupAvatar: '', avatar: null }), '');
  });
});
