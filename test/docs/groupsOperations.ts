// Real answers of every groups operation, one per status docs/openapi.yaml documents for it
// (test/docs/openapi.test.ts checks them against the spec).
import { app, mock } from 'egg-mock/bootstrap';
import zhTexts from '../../config/locale/zh-CN.json';
import { unreachableRedis } from '../faults';
import { befriendBySql, Member, members, query, setStanding } from '../app/friends/support';

type Method = 'get' | 'post';
interface Answer { status: number; body: unknown; headers: Record<string, string> }

interface World {
  owner: Member;
  member: Member;
  friend: Member;
  friend2: Member;
  applicant: Member;
  stranger: Member;
  visitor: Member;
  /** A user whose session outlives their account being disabled (403 on routes open to visitors). */
  disabled: Member;
  group: number;
}

const BIG = 'x'.repeat(20 * 1024);

function call(method: Method, path: string, token?: string, body?: object | string): Promise<Answer> {
  const req = app.httpRequest()[method](path);
  if (token) req.set('token', token);
  return (method === 'post' ? req.send(body ?? {}) : req) as unknown as Promise<Answer>;
}

async function entry(owner: number, friend: number): Promise<number> {
  return (await query<{ id: number }>('SELECT id FROM goodfriend WHERE user_id = :owner AND friend_id = :friend', { owner, friend }))[0].id;
}

async function world(): Promise<World> {
  const [ owner, member, friend, friend2, applicant, stranger, visitor, disabled ] = await members([
    'grp_owner', 'grp_member', 'grp_friend', 'grp_friend2', 'grp_applic', 'grp_strang', { username: 'VISgrp0001', role: 'visitor' }, 'grp_disabl',
  ]);
  await befriendBySql(owner.id, [ member.id, friend.id, friend2.id ]);
  await call('post', '/api/chat/group/create', owner.token, { userIds: [ await entry(owner.id, member.id) ] });
  const [{ id: group }] = await query<{ id: number }>('SELECT MAX(id) AS id FROM chat_group');
  await app.model.query('UPDATE chat_group SET invite_confirm = 1 WHERE id = :group', { replacements: { group } });
  await call('post', '/api/chat/groupInviteUser', applicant.token, { group_id: group, user_id: applicant.id });
  await setStanding(disabled.id, { status: 0 });
  return { owner, member, friend, friend2, applicant, stranger, visitor, disabled, group };
}

interface Operation {
  method: Method;
  route: string;
  /** `groups.<service>` and method behind it (for the 500). */
  service: [ string, string ];
  /** 403 for visitors (usersOnly) or for a disabled user (open to visitors). */
  gate: 'usersOnly' | 'session';
  path(w: World): string;
  /** A body that passes validation and the gates, so the 500 comes from behind it. */
  body?(w: World): object;
  /** The route's own statuses. */
  specific(w: World, path: string): Promise<Answer[]>;
}

const limit = (name: 'createLimit' | 'previewLimit' | 'qrLimit' | 'joinLimit' | 'maxOwned' | 'maxMembers', value: number) =>
  mock(app.config.im.groups, name, value);

const ops: Operation[] = [
  {
    method: 'post', route: '/api/chat/group/create', service: [ 'group', 'create' ], gate: 'usersOnly',
    path: () => '/api/chat/group/create',
    body: () => ({ userIds: [ 999999 ] }),
    specific: async (w, path) => {
      const userIds = [ await entry(w.owner.id, w.friend.id) ];
      limit('maxOwned', 2);
      limit('createLimit', 2);
      const answers = [ await call('post', path, w.owner.token, { userIds }), await call('post', path, w.owner.token, { userIds }) ];
      limit('maxOwned', 100);
      answers.push(await call('post', path, w.owner.token, { userIds }), await call('post', path, w.owner.token, { userIds: 'x' }));
      return answers;
    },
  },
  {
    method: 'get', route: '/api/chat/grouplist/{page}', service: [ 'group', 'listJson' ], gate: 'session',
    path: () => '/api/chat/grouplist/1',
    specific: async (w, path) => [ await call('get', path, w.member.token), await call('get', '/api/chat/grouplist/1&limit=0', w.member.token) ],
  },
  {
    method: 'get', route: '/api/chat/groupinfo/{id}', service: [ 'group', 'infoJson' ], gate: 'session',
    path: w => `/api/chat/groupinfo/${w.group}`,
    specific: async (w, path) => {
      limit('previewLimit', 1);
      return [
        await call('get', path, w.member.token), await call('get', path, w.stranger.token), await call('get', path, w.stranger.token),
        await call('get', `/api/chat/groupinfo/${w.group + 1}`, w.member.token), await call('get', '/api/chat/groupinfo/x', w.member.token),
      ];
    },
  },
  ...([[ 'groupUpdateName', 'name' ], [ 'groupremark', 'remark' ]] as const).map(([ name, field ]): Operation => ({
    method: 'post', route: `/api/chat/${name}`, service: [ 'group', 'setText' ], gate: 'usersOnly',
    path: () => `/api/chat/${name}`,
    body: w => ({ id: w.group, [field]: '新' }),
    specific: async (w, path) => [
      await call('post', path, w.owner.token, { id: w.group, [field]: '新' }),
      await call('post', path, w.member.token, { id: w.group, [field]: '新' }),
      await call('post', path, w.owner.token, { id: w.group + 1, [field]: '新' }),
      await call('post', path, w.owner.token, { id: w.group }),
    ],
  })),
  {
    method: 'post', route: '/api/chat/groupnickname', service: [ 'group', 'setNickname' ], gate: 'session',
    path: () => '/api/chat/groupnickname',
    body: w => ({ id: w.group, nickname: '小明' }),
    specific: async (w, path) => [
      await call('post', path, w.member.token, { id: w.group, nickname: '小明' }),
      await call('post', path, w.stranger.token, { id: w.group, nickname: '小明' }),
      await call('post', path, w.member.token, { id: w.group + 1, nickname: '小明' }),
      await call('post', path, w.member.token, { id: w.group, nickname: '' }),
    ],
  },
  {
    method: 'post', route: '/api/chat/groupDeleteOrQuit', service: [ 'group', 'leave' ], gate: 'session',
    path: () => '/api/chat/groupDeleteOrQuit',
    body: w => ({ id: w.group }),
    specific: async (w, path) => [
      await call('post', path, w.applicant.token, { id: w.group }),
      await call('post', path, w.stranger.token, { id: w.group }),
      await call('post', path, w.member.token, { id: w.group + 1 }),
      await call('post', path, w.member.token, { id: 'x' }),
    ],
  },
  {
    method: 'get', route: '/api/chat/groupQrcode/{id}', service: [ 'qrcode', 'png' ], gate: 'session',
    path: w => `/api/chat/groupQrcode/${w.group}`,
    specific: async (w, path) => {
      limit('qrLimit', 1);
      return [
        await call('get', `${path}?token=${w.member.token}`), await call('get', path, w.member.token),
        await call('get', path, w.stranger.token), await call('get', `/api/chat/groupQrcode/${w.group + 1}`, w.owner.token),
        await call('get', `${path}?type=H5&http=x`, w.owner.token),
      ];
    },
  },
  {
    method: 'post', route: '/api/chat/groupDeleteUser', service: [ 'membership', 'remove' ], gate: 'usersOnly',
    path: () => '/api/chat/groupDeleteUser',
    body: w => ({ group_id: w.group, user_id: w.member.id }),
    specific: async (w, path) => [
      await call('post', path, w.owner.token, { group_id: w.group, user_id: w.applicant.id }),
      await call('post', path, w.owner.token, { group_id: w.group, user_id: w.owner.id }),
      await call('post', path, w.member.token, { group_id: w.group, user_id: w.owner.id }),
      await call('post', path, w.owner.token, { group_id: w.group, user_id: w.stranger.id }),
      await call('post', path, w.owner.token, { group_id: w.group }),
    ],
  },
  {
    method: 'post', route: '/api/chat/groupInviteUser', service: [ 'membership', 'join' ], gate: 'session',
    path: () => '/api/chat/groupInviteUser',
    body: w => ({ group_id: w.group, user_id: w.friend.id }),
    specific: async (w, path) => {
      limit('joinLimit', 1);
      return [
        await call('post', path, w.owner.token, { group_id: w.group, user_id: w.friend.id, inviteuser_id: w.owner.id }),
        await call('post', path, w.owner.token, { group_id: w.group, user_id: w.friend2.id }),
        await call('post', path, w.owner.token, { group_id: w.group, user_id: w.member.id }),
        await call('post', path, w.stranger.token, { group_id: w.group, user_id: w.friend.id }),
        await call('post', path, w.owner.token, { group_id: w.group + 1, user_id: w.friend.id }),
        await call('post', path, w.owner.token, { group_id: w.group, user_id: w.friend.id, inviteuser_id: 0 }),
      ];
    },
  },
  {
    method: 'post', route: '/api/chat/groupAddUserSet', service: [ 'group', 'setInviteConfirm' ], gate: 'usersOnly',
    path: () => '/api/chat/groupAddUserSet',
    body: w => ({ group_id: w.group, addGroupSet: 2 }),
    specific: async (w, path) => [
      await call('post', path, w.owner.token, { group_id: w.group, addGroupSet: 2 }),
      await call('post', path, w.member.token, { group_id: w.group, addGroupSet: 2 }),
      await call('post', path, w.owner.token, { group_id: w.group + 1, addGroupSet: 2 }),
      await call('post', path, w.owner.token, { group_id: w.group, addGroupSet: 3 }),
    ],
  },
  {
    method: 'post', route: '/api/chat/groupAgreeOrNo', service: [ 'membership', 'decide' ], gate: 'usersOnly',
    path: () => '/api/chat/groupAgreeOrNo',
    body: w => ({ group_id: w.group, user_id: w.applicant.id, type: 'no' }),
    specific: async (w, path) => {
      const body = { group_id: w.group, user_id: w.applicant.id, type: 'agree' };
      limit('maxMembers', 2);
      const answers = [ await call('post', path, w.owner.token, body) ];
      limit('maxMembers', 500);
      answers.push(
        await call('post', path, w.member.token, body), await call('post', path, w.owner.token, body), await call('post', path, w.owner.token, body),
        await call('post', path, w.owner.token, { ...body, type: 'yes' }));
      return answers;
    },
  },
  {
    method: 'post', route: '/api/chat/groupTransfer', service: [ 'group', 'transfer' ], gate: 'usersOnly',
    path: () => '/api/chat/groupTransfer',
    body: w => ({ id: w.group, user_id: w.member.id }),
    specific: async (w, path) => [
      await call('post', path, w.owner.token, { id: w.group, user_id: w.owner.id }),
      await call('post', path, w.member.token, { id: w.group, user_id: w.owner.id }),
      await call('post', path, w.owner.token, { id: w.group, user_id: w.stranger.id }),
      await call('post', path, w.owner.token, { id: w.group }),
      await call('post', path, w.owner.token, { id: w.group, user_id: w.member.id }),
    ],
  },
];

/** The answers of one operation: its own statuses, then 404 (other method), 413, 401, 403, 500, 503. */
async function produce(op: Operation): Promise<Answer[]> {
  const w = await world();
  const path = op.path(w);
  const answers: Answer[] = await op.specific(w, path);
  mock.restore();
  answers.push(await call(op.method === 'get' ? 'post' : 'get', path, w.owner.token));
  if (op.method === 'post') answers.push(await call('post', path, w.owner.token, { pad: BIG }));
  answers.push(await call(op.method, path));
  answers.push(await call(op.method, path, op.gate === 'usersOnly' ? w.visitor.token : w.disabled.token));
  const [ service, method ] = op.service;
  const body = op.body?.(w);
  app.mockServiceError(`groups.${service}`, method, new Error('SELECT * FROM chat_group at /srv/app.js'));
  answers.push(await call(op.method, path, w.owner.token, body));
  mock.restore();
  mock(app, 'redis', unreachableRedis(app));
  answers.push(await call(op.method, path, w.owner.token, body));
  mock.restore();
  return answers;
}

export const groupsOperations = ops.map(op => ({ method: op.method, route: op.route, produce: () => produce(op) }));

/** groups texts of zh-CN.json not shown in the spec (a `{field}` stands for any field name); the group message texts are sendmessage's. */
export function groupsTextsMissingFrom(specText: string): string[] {
  return Object.entries(zhTexts.groups).filter(([ key ]) => !key.startsWith('message')).map(([ , text ]) => text).filter(text => {
    const escaped = JSON.stringify(text).replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/\\\{\w+\\\}/g, '[^"]+');
    return !new RegExp(escaped).test(specText);
  });
}
