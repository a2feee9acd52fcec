// Group fixtures for the group-message tests, made the way the group use cases make them: the
// group row locked, the membership change, then the stored notice through
// GroupMessageService.storeNotice in the same transaction (app/service/groups/messages.ts).
import { randomUUID } from 'node:crypto';
import { app } from 'egg-mock/bootstrap';
import { composeGroupAvatar, GroupRow } from '../../../app/lib/groups/views';
import { GroupAuthor } from '../../../app/service/groups/messages';
import { call } from '../messaging/support';

/** A user of the messaging fixtures (test/app/messaging/support.ts user()). */
export interface TestUser {
  id: number;
  username: string;
  token: string;
}

/** G's keys (CONTRACT-groups §0) and the message objects' (§B, §F). */
export const G_KEYS = [ 'create_time', 'id', 'uuid', 'user_id', 'name', 'avatar', 'remark', 'invite_confirm', 'status', 'order' ];
const M_KEYS = [ 'id', 'from_avatar', 'from_name', 'from_id', 'to_id', 'to_name', 'to_avatar', 'chatType', 'type', 'data', 'options',
  'create_time', 'isremove', 'group' ];
export const NOTICE_KEYS = [ ...M_KEYS, 'seq' ];
export const MESSAGE_KEYS = [ ...M_KEYS, 'sendUUid', 'seq' ];
export const REVOKE_KEYS = [ 'id', 'from_avatar', 'from_name', 'from_id', 'to_id', 'to_name', 'to_avatar', 'chatType', 'type', 'actionType',
  'data', 'options', 'create_time', 'isremove', 'group' ];

export const createText = (name: string) => `${name}创建了一个群，大家可以开始聊天了`;

const service = () => app.mockContext().service.groups.messages;

/** Runs `work` in a transaction holding the group row's lock, as the group use cases do. */
async function withGroupLock<T>(groupId: number, work: (group: GroupRow, transaction: any) => Promise<T>): Promise<T> {
  return app.model.transaction(async transaction => {
    const group = (await app.repos.groups.lockGroup(groupId, transaction))!;
    return work(group, transaction);
  });
}

/** A group of `owner` (first) and `members`, with its create notice (seq 1). */
export async function makeGroup(owner: TestUser, members: TestUser[], name = 'team'): Promise<GroupRow> {
  const everyone = [ owner, ...members ];
  const id = await app.model.transaction(async transaction => {
    const groupId = await app.repos.groups.saveNewGroup({
      uuid: randomUUID(), user_id: owner.id, name, avatar: composeGroupAvatar(everyone.map(u => `https://a.example/${u.username}.png`)), invite_confirm: 0,
    }, everyone.map(u => ({ user_id: u.id, nickname: '', avatar: '', invited_by: null })), transaction);
    const group = (await app.repos.groups.lockGroup(groupId, transaction))!;
    await service().storeNotice(transaction, group, { id: owner.id, name: owner.username, avatar: '' }, createText(name));
    return groupId;
  });
  return (await app.repos.groups.findGroup(id))!;
}

/** `user` joins (join_seq = the group's last seq under the conversation lock), then the joined notice from J. */
export async function joinGroup(groupId: number, user: TestUser, from?: GroupAuthor) {
  return withGroupLock(groupId, async (group, transaction) => {
    const joinSeq = await service().joinSeq(groupId, transaction);
    await app.model.query('INSERT INTO chat_group_user (group_id, user_id, nickname, avatar, status, `order`, invited_by, apply_desc, join_seq, ' +
      'create_time, update_time) VALUES (:groupId, :userId, \'\', \'\', 1, 50, NULL, \'\', :joinSeq, NOW(3), NOW(3))',
    { replacements: { groupId, userId: user.id, joinSeq }, transaction });
    const j = from ?? { id: `redirect-applyAddGroup${groupId}-${user.id}-${Date.now()}`, name: '加群申请提醒', avatar: 'https://a.example/group.png' };
    const notice = await service().storeNotice(transaction, group, j, `[${user.username}] 加入了群聊`);
    return { joinSeq, notice };
  });
}

/** The owner removes `userId` (no stored notice, as groupDeleteUser). */
export async function removeMember(groupId: number, userId: number) {
  await withGroupLock(groupId, (_group, transaction) => app.repos.groups.removeMembership(groupId, userId, transaction));
}

/** The owner renames the group and the notice is stored (as groupUpdateName). */
export async function renameGroup(groupId: number, owner: TestUser, name: string) {
  return withGroupLock(groupId, async (_group, transaction) => {
    await app.repos.groups.saveGroupField(groupId, 'name', name, transaction);
    const group = (await app.repos.groups.lockGroup(groupId, transaction))!;
    return service().storeNotice(transaction, group, { id: owner.id, name: owner.username, avatar: '' }, `群名称修改为：${name}`);
  });
}

/** A group text message body as the course client posts it. */
export const groupBody = (groupId: number, text: string, extra: Record<string, unknown> = {}) => ({
  sendto_id: groupId, chatType: 'group', type: 'text', data: { data: text, dataType: false, otherData: null },
  options: encodeURIComponent(JSON.stringify({})), ...extra,
});

export const sendGroup = (base: string, token: string, groupId: number, text: string, extra: Record<string, unknown> = {}) =>
  call(base, 'POST', '/api/chat/socket/sendmessage', token, groupBody(groupId, text, extra));

export const groupHistory = (base: string, token: string, groupId: number, query = '') =>
  call(base, 'GET', `/api/chat/history/${groupId}?chatType=group${query}`, token);

export const revokeGroup = (base: string, token: string, id: string, groupId: number) =>
  call(base, 'POST', '/api/chat/revokeMessage', token, { id, chatType: 'group', to_id: groupId });
