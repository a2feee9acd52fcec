// Real answers of every friends operation, one per status docs/openapi.yaml documents for it
// (test/docs/openapi.test.ts checks them against the spec).
import { app, mock } from 'egg-mock/bootstrap';
import zhTexts from '../../config/locale/zh-CN.json';
import { unreachableRedis } from '../faults';
import { apply, applicationRow, befriendBySql, Member, members, setStanding } from '../app/friends/support';

type Method = 'get' | 'post';
interface Answer { status: number; body: unknown; headers: Record<string, string> }

interface World {
  me: Member;
  friend: Member;
  applicant: Member;
  stranger: Member;
  other: Member;
  visitor: Member;
  /** A user whose session outlives their account being disabled (403 on routes open to visitors). */
  disabled: Member;
  applicationId: number;
}

async function world(): Promise<World> {
  const [ me, friend, applicant, stranger, other, visitor, disabled ] = await members([
    'doc_me01', 'doc_friend', 'doc_applic', 'doc_strang', 'doc_other', { username: 'VISdoc0001', role: 'visitor' }, 'doc_disabl',
  ]);
  await befriendBySql(me.id, [ friend.id ]);
  await apply(applicant, me.id);
  await setStanding(disabled.id, { status: 0 });
  return { me, friend, applicant, stranger, other, visitor, disabled, applicationId: (await applicationRow(applicant.id, me.id))!.id };
}

const BIG = 'x'.repeat(20 * 1024);

function call(method: Method, path: string, token?: string, body?: object | string): Promise<Answer> {
  const req = app.httpRequest()[method](path);
  if (token) req.set('token', token);
  return (method === 'post' ? req.send(body ?? {}) : req) as unknown as Promise<Answer>;
}

interface Operation {
  method: Method;
  /** The path as documented. */
  route: string;
  /** `friends.<service>` and method behind it (for the 500 and a 503 by a failing dependency). */
  service: [ string, string ];
  /** 403 for visitors (else for a disabled user); undefined: public. */
  gate?: 'usersOnly' | 'session';
  /** Documents 413 (POST routes). */
  bodyLimit?: boolean;
  path(w: World): string;
  /** A body that passes validation, so the 500 and 503 come from behind it. */
  body?(w: World): object;
  /** The route's own statuses (200, 404, 409, 422, 429). */
  specific(w: World, path: string): Promise<Answer[]>;
}

const ops: Operation[] = [
  {
    method: 'post', route: '/api/chat/applyfriend', service: [ 'application', 'apply' ], gate: 'session', bodyLimit: true,
    path: () => '/api/chat/applyfriend',
    body: w => ({ friend_id: w.stranger.id }),
    specific: async (w, path) => {
      mock(app.config.im.friends, 'applyLimit', 1);
      return [
        await call('post', path, w.me.token, { friend_id: w.stranger.id, nickname: 'hi' }),
        await call('post', path, w.me.token, { friend_id: 999999 }),
        await call('post', path, w.me.token, { friend_id: w.friend.id }),
        await call('post', path, w.me.token, { friend_id: w.me.id }),
        await call('post', path, w.me.token, { friend_id: w.other.id }),
      ];
    },
  },
  ...[ '/api/chat/listapplyfriend', '/api/chat/listapplyfriend/{page}' ].map((route): Operation => ({
    method: 'get', route, service: [ 'application', 'inboxJson' ], gate: 'usersOnly',
    path: () => route.replace('{page}', '1'),
    specific: async (w, path) => [
      await call('get', `${path}?limit=5`, w.me.token),
      await call('get', `${path}?limit=101`, w.me.token),
    ],
  })),
  {
    method: 'post', route: '/api/chat/handleapply/{id}', service: [ 'application', 'handle' ], gate: 'usersOnly', bodyLimit: true,
    path: w => `/api/chat/handleapply/${w.applicationId}`,
    body: () => ({ status: 'refuse' }),
    specific: async (w, path) => [
      await call('post', path, w.me.token, { status: 'pending' }),
      await call('post', path, w.me.token, { status: 'refuse' }),
      await call('post', path, w.me.token, { status: 'agree' }),
      await call('post', '/api/chat/handleapply/999999', w.me.token, { status: 'agree' }),
    ],
  },
  {
    method: 'post', route: '/api/chat/isApplyfriend/{uuid}', service: [ 'application', 'pendingFrom' ], gate: 'usersOnly', bodyLimit: true,
    path: w => `/api/chat/isApplyfriend/${w.applicant.uuid}`,
    specific: async (w, path) => [
      await call('post', path, w.me.token),
      await call('post', `/api/chat/isApplyfriend/${w.stranger.uuid}`, w.me.token),
      await call('post', '/api/chat/isApplyfriend/not-a-uuid', w.me.token),
    ],
  },
  ...[ '/api/chat/goodfriendlist', '/api/chat/goodfriendlist/{page}' ].map((route): Operation => ({
    method: 'get', route, service: [ 'friend', 'listJson' ], gate: 'usersOnly',
    path: () => route.replace('{page}', '1'),
    specific: async (w, path) => [
      await call('get', path, w.me.token),
      await call('get', `${path}?limit=2001`, w.me.token),
    ],
  })),
  {
    method: 'get', route: '/api/chat/getgoodfriendinfo/{id}', service: [ 'friend', 'info' ], gate: 'usersOnly',
    path: w => `/api/chat/getgoodfriendinfo/${w.friend.id}`,
    specific: async (w, path) => [
      await call('get', path, w.me.token),
      await call('get', `/api/chat/getgoodfriendinfo/${w.stranger.id}`, w.me.token),
      await call('get', '/api/chat/getgoodfriendinfo/0', w.me.token),
    ],
  },
  {
    method: 'post', route: '/api/chat/setblackgoodfriend/{id}', service: [ 'block', 'set' ], gate: 'usersOnly', bodyLimit: true,
    path: w => `/api/chat/setblackgoodfriend/${w.friend.id}`,
    specific: async (w, path) => [
      await call('post', path, w.me.token, { isblack: 1 }),
      await call('post', '/api/chat/setblackgoodfriend/4294967295', w.me.token),
      await call('post', path, w.me.token, { isblack: 5 }),
    ],
  },
  ...([[ 'setstargoodfriend', 'setStar', { ismystarfriend: 1 }], [ 'setmeOrfriendCanSee', 'setVisibility', { friendlookme: 0, melookfriend: 1 }]] as const)
    .map(([ name, method, body ]): Operation => ({
      method: 'post', route: `/api/chat/${name}/{id}`, service: [ 'friend', method ], gate: 'usersOnly', bodyLimit: true,
      path: w => `/api/chat/${name}/${w.friend.id}`,
      body: () => body,
      specific: async (w, path) => [
        await call('post', path, w.me.token, body),
        await call('post', `/api/chat/${name}/${w.stranger.id}`, w.me.token, body),
        await call('post', path, w.me.token, { ismystarfriend: 7, friendlookme: 7 }),
        await call('post', `/api/chat/setblackgoodfriend/${w.friend.id}`, w.me.token, { isblack: 1 }).then(() => call('post', path, w.me.token, body)),
      ],
    })),
  {
    method: 'get', route: '/api/userinfo/{uuid}', service: [ 'profile', 'byUuid' ],
    path: w => `/api/userinfo/${w.friend.uuid}`,
    specific: async (_w, path) => [
      await call('get', path),
      await call('get', '/api/userinfo/00000000-0000-4000-8000-000000000000'),
      await call('get', '/api/userinfo/xyz'),
    ],
  },
  {
    method: 'post', route: '/api/chat/userset', service: [ 'profile', 'setUserset' ], gate: 'session', bodyLimit: true,
    path: () => '/api/chat/userset',
    body: () => ({ userset: '{"chatset":{"visitor":0,"user":1}}' }),
    specific: async (w, path) => [
      await call('post', path, w.me.token, { userset: '{"chatset":{"visitor":0,"user":1}}' }),
      await call('post', path, w.me.token, { userset: '{}' }),
    ],
  },
  {
    method: 'post', route: '/api/chat/ismygoodfriend/{id}', service: [ 'friend', 'mine' ], gate: 'session', bodyLimit: true,
    path: w => `/api/chat/ismygoodfriend/${w.friend.id}`,
    specific: async (w, path) => [
      await call('post', path, w.me.token),
      await call('post', `/api/chat/ismygoodfriend/${w.stranger.id}`, w.me.token),
      await call('post', '/api/chat/ismygoodfriend/x', w.me.token),
    ],
  },
  {
    method: 'post', route: '/api/chat/deletegoodfriend/{id}', service: [ 'friendship', 'unfriend' ], gate: 'session', bodyLimit: true,
    path: w => `/api/chat/deletegoodfriend/${w.friend.id}`,
    specific: async (w, path) => [
      await call('post', path, w.me.token),
      await call('post', path, w.me.token),
      await call('post', '/api/chat/deletegoodfriend/-1', w.me.token),
    ],
  },
  {
    method: 'post', route: '/api/chat/updateUserinfo', service: [ 'profile', 'updateField' ], gate: 'session', bodyLimit: true,
    path: () => '/api/chat/updateUserinfo',
    body: () => ({ fieldname: 'nickname', fieldValue: '小明' }),
    specific: async (w, path) => [
      await call('post', path, w.me.token, { fieldname: 'nickname', fieldValue: '小明' }),
      await call('post', path, w.me.token, { fieldname: 'avatar', fieldValue: 'https://cdn.example.com/me.png' }),
      await call('post', path, w.me.token, { fieldname: 'invite_confirm', fieldValue: 0 }),
      await call('post', path, w.me.token, { fieldname: 'username', fieldValue: 'x' }),
    ],
  },
  {
    method: 'post', route: '/api/chat/getUserSetInfo', service: [ 'profile', 'settingsOf' ], gate: 'session', bodyLimit: true,
    path: () => '/api/chat/getUserSetInfo',
    body: w => ({ userid: w.friend.id }),
    specific: async (w, path) => {
      mock(app.config.im.friends, 'lookupLimit', 2);
      return [
        await call('post', path, w.me.token, { userid: w.friend.id }),
        await call('post', path, w.me.token, { userid: w.visitor.id }),
        await call('post', path, w.me.token, { userid: 'x' }),
        // A third distinct user within the window: 429.
        await call('post', path, w.me.token, { userid: w.stranger.id }),
      ];
    },
  },
];

/** The answers of one operation: its own statuses, then 404 (other method), 413, 401, 403, 500, 503. */
async function produce(op: Operation): Promise<Answer[]> {
  const w = await world();
  const path = op.path(w);
  const answers: Answer[] = await op.specific(w, path);
  answers.push(await call(op.method === 'get' ? 'post' : 'get', path, w.me.token));
  if (op.bodyLimit) answers.push(await call('post', path, w.me.token, { pad: BIG }));
  if (op.gate) {
    answers.push(await call(op.method, path));
    answers.push(await call(op.method, path, op.gate === 'usersOnly' ? w.visitor.token : w.disabled.token));
  }
  const [ service, method ] = op.service;
  const body = op.body?.(w);
  app.mockServiceError(`friends.${service}`, method, new Error('SELECT * FROM goodfriend at /srv/app.js'));
  answers.push(await call(op.method, path, w.me.token, body));
  mock.restore();
  if (op.gate) {
    mock(app, 'redis', unreachableRedis(app));
  } else {
    // The public route touches MySQL only: its driver failing to connect.
    app.mockServiceError(`friends.${service}`, method, Object.assign(new Error('connect ECONNREFUSED'), { name: 'SequelizeConnectionRefusedError' }));
  }
  answers.push(await call(op.method, path, w.me.token, body));
  mock.restore();
  return answers;
}

export const friendsOperations = ops.map(op => ({ method: op.method, route: op.route, produce: () => produce(op) }));

/** friends texts of zh-CN.json not shown in the spec (a `{field}` stands for any field name). */
export function friendsTextsMissingFrom(specText: string): string[] {
  return Object.values(zhTexts.friends).filter(text => {
    const escaped = JSON.stringify(text).replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace('\\{field\\}', '\\w+');
    return !new RegExp(escaped).test(specText);
  });
}
