// Helpers of the friends tests: users with sessions, the routes as functions, rows by SQL.
import { app } from 'egg-mock/bootstrap';
import { QueryTypes } from 'sequelize';
import { assertOk, insertUsers, openSession } from '../../helpers';
import { PairRow } from '../../../app/lib/friends/views';
import { User } from '../../../app/model/user';

// CONTRACT (friends): shapes, keys in this order.
export const FRIEND_ROW_KEYS = [ 'id', 'user_id', 'friend_id', 'nickname', 'friendlookme', 'melookfriend', 'ismystarfriend', 'isblack', 'status' ];
export const APPLICATION_KEYS = [ ...FRIEND_ROW_KEYS, 'userId' ];
export const INBOX_KEYS = [
  'create_time', 'id', 'user_id', 'friend_id', 'nickname', 'friendlookme', 'melookfriend', 'ismystarfriend', 'isblack', 'status',
  'order', 'update_time', 'userId', 'user',
];
export const INBOX_USER_KEYS = [ 'id', 'username', 'avatar', 'nickname', 'uuid' ];
export const USER_INFO_KEYS = [ 'id', 'gender', 'birthday', 'bio', 'location', 'website' ];
export const EMPTY_USER_INFO = { id: null, gender: 'unknown', birthday: null, bio: null, location: null, website: null };
export const VISITOR_FORBIDDEN = '您没有权限访问，请先注册或登录';

export interface Member {
  id: number;
  uuid: string;
  username: string;
  avatar: string;
  role: string;
  token: string;
}

type MemberRow = Partial<Pick<User, 'nickname' | 'status' | 'is_deleted' | 'role'>> & { username: string };

/**
 * Users inserted by SQL, ids ascending in the given order, 200 rows a statement: each row also
 * fills the search index (triggers), and one big statement could outlast the query timeout on a
 * busy machine.
 */
export async function plainUsers(rows: Array<MemberRow | string>): Promise<User[]> {
  const users: User[] = [];
  for (let i = 0; i < rows.length; i += 200) {
    users.push(...await insertUsers(rows.slice(i, i + 200).map(row => (typeof row === 'string' ? { username: row } : row))));
  }
  return users;
}

/** Users inserted by SQL, each with a live session (ids ascending in the given order). */
export async function members(rows: Array<MemberRow | string>): Promise<Member[]> {
  const inserted = await plainUsers(rows);
  return Promise.all(inserted.map(async user => ({
    id: user.id, uuid: user.uuid, username: user.username, avatar: user.avatar, role: user.role, token: await openSession(user),
  })));
}

export async function member(row: MemberRow | string): Promise<Member> {
  const [ one ] = await members([ row ]);
  return one;
}

type Body = Record<string, unknown> | string;

/** A POST with the caller's token; a string body is sent as a raw form. */
export function post(path: string, token: string | undefined, body: Body = {}) {
  const req = app.httpRequest().post(path);
  if (token) req.set('token', token);
  return typeof body === 'string' ? req.type('form').send(body) : req.send(body);
}

export function get(path: string, token?: string) {
  const req = app.httpRequest().get(path);
  return token ? req.set('token', token) : req;
}

export const apply = (from: Member, to: number, body: Record<string, unknown> = {}) =>
  post('/api/chat/applyfriend', from.token, { friend_id: to, ...body });

export const handle = (by: Member, applicationId: number, status: string, body: Record<string, unknown> = {}) =>
  post(`/api/chat/handleapply/${applicationId}`, by.token, { status, ...body });

export async function query<T extends object>(sql: string, replacements: Record<string, unknown> = {}): Promise<T[]> {
  return app.model.query<T>(sql, { type: QueryTypes.SELECT, replacements });
}

export async function execute(sql: string, replacements: Record<string, unknown> = {}): Promise<void> {
  await app.model.query(sql, { replacements });
}

export interface ApplicationRow {
  id: number;
  user_id: number;
  friend_id: number;
  nickname: string;
  status: string;
  update_time: Date;
}

/** The application row from `from` to `to`, if any. */
export async function applicationRow(from: number, to: number): Promise<ApplicationRow | undefined> {
  const [ row ] = await query<ApplicationRow>('SELECT * FROM goodfriendapply WHERE user_id = :from AND friend_id = :to', { from, to });
  return row;
}

/** A goodfriend row as stored. */
export interface FriendDbRow extends PairRow {
  status: number;
}

export async function friendRow(owner: number, friend: number): Promise<FriendDbRow | undefined> {
  const [ row ] = await query<FriendDbRow>('SELECT * FROM goodfriend WHERE user_id = :owner AND friend_id = :friend', { owner, friend });
  return row;
}

/** goodfriend rows of the pair, both directions. */
export async function pairRowCount(a: number, b: number): Promise<number> {
  const [{ n }] = await query<{ n: number }>(
    'SELECT COUNT(*) AS n FROM goodfriend WHERE (user_id = :a AND friend_id = :b) OR (user_id = :b AND friend_id = :a)', { a, b });
  return Number(n);
}

/** Applies and agrees through the API: a and b end as friends. */
export async function befriendByApi(a: Member, b: Member, remarks: { a?: string; b?: string } = {}): Promise<void> {
  assertOk(await apply(a, b.id));
  const row = await applicationRow(a.id, b.id);
  assertOk(await handle(b, row!.id, 'agree', { nickname: remarks.b ?? '' }));
  if (remarks.a) await execute('UPDATE goodfriend SET nickname = :nickname WHERE user_id = :a AND friend_id = :b', { nickname: remarks.a, a: a.id, b: b.id });
}

/** Both goodfriend rows straight into the table (setup of lists; flags as given for owner's row). */
export async function befriendBySql(owner: number, friends: number[], row: Partial<FriendDbRow> = {}): Promise<void> {
  if (!friends.length) return;
  const now = new Date();
  const values = friends.flatMap(friend => [
    { user_id: owner, friend_id: friend, ...row, create_time: now, update_time: now },
    { user_id: friend, friend_id: owner, create_time: now, update_time: now },
  ]);
  for (let i = 0; i < values.length; i += 1000) await app.model.Goodfriend.bulkCreate(values.slice(i, i + 1000));
  // A blacklisted row stands for the owner's block (user_block), as setblackgoodfriend writes them.
  if (row.isblack) {
    for (const friend of friends) {
      await execute('INSERT IGNORE INTO user_block (blocker_id, blocked_id, create_time) VALUES (:owner, :friend, NOW(3))', { owner, friend });
    }
  }
}

/** Sets a user's standing by SQL (disabled, deleted, back again). */
export function setStanding(id: number, standing: Partial<Pick<User, 'status' | 'is_deleted' | 'role'>>) {
  return app.model.User.update(standing, { where: { id } });
}

// Changes of a user that the friends pages show (the version tests make them at random).

/** updateUserinfo through the API, as `by`. */
export async function updateProfile(by: Member, fieldname: 'nickname' | 'avatar', fieldValue: string): Promise<void> {
  assertOk(await post('/api/chat/updateUserinfo', by.token, { fieldname, fieldValue }));
}

/** Flips the letter case of a username by SQL: the collation says equal, the pages show the difference. */
export function flipUsernameCase(id: number): Promise<void> {
  return execute('UPDATE `user` SET username = IF(BINARY username = UPPER(username), LOWER(username), UPPER(username)) WHERE id = :id', { id });
}

/** Flips a user's status (disabled) or is_deleted by SQL. */
export async function flipStanding(id: number, column: 'status' | 'is_deleted'): Promise<void> {
  const [ row ] = await query<{ value: number }>(`SELECT \`${column}\` AS value FROM \`user\` WHERE id = :id`, { id });
  await setStanding(id, { [column]: row.value ? 0 : 1 });
}

/**
 * Random changes of users that the friends pages show, each answering what it did: the
 * nickname and the avatar of an `active` member through the API, the username's letter case of
 * a `quiet` user, the status and is_deleted of anyone in `all` (read when the change is made).
 */
export function userChanges(random: () => number, name: () => string, active: Member[], quiet: Array<{ id: number }>,
  all: () => number[]): Array<() => Promise<string>> {
  const pick = <T>(list: T[]): T => list[Math.floor(random() * list.length)];
  return [
    async () => {
      const user = pick(active);
      await updateProfile(user, 'nickname', name() || 'x');
      return `nickname of ${user.id} by the API`;
    },
    async () => {
      const user = pick(active);
      await updateProfile(user, 'avatar', `https://example.com/${Math.floor(random() * 1e6)}.png`);
      return `avatar of ${user.id} by the API`;
    },
    async () => {
      const id = pick(quiet).id;
      await flipUsernameCase(id);
      return `username case of ${id} by SQL`;
    },
    ...([ 'status', 'is_deleted' ] as const).map(column => async () => {
      const id = pick(all());
      await flipStanding(id, column);
      return `${column} of ${id}`;
    }),
  ];
}

/**
 * `rounds` rounds of 1-3 changes picked at random from `changes` (each returns what it did),
 * each round then checked with its description (the byte-for-byte cache tests).
 */
export async function randomRounds(random: () => number, rounds: number, changes: Array<() => Promise<string>>,
  check: (what: string) => Promise<void>): Promise<void> {
  for (let round = 0; round < rounds; round++) {
    const done: string[] = [];
    const count = 1 + Math.floor(random() * 3);
    for (let i = 0; i < count; i++) done.push(await changes[Math.floor(random() * changes.length)]());
    await check(`round ${round} (${done.join('; ')})`);
  }
}
