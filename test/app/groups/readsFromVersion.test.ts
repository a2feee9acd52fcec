// The group reads' lean path (docs/performance.md "Groups"): groupinfo is served from the bytes
// kept with the group's version (group_version, replaced by triggers), grouplist pages asked for
// in one turn are read by one statement. Every answer must equal, byte for byte, the answer built
// from the tables right then without any cache or batch: the same statements through Sequelize,
// the same views, serialized as `ctx.ok` serializes.
import { strict as assert } from 'node:assert';
import { app, mock } from 'egg-mock/bootstrap';
import { GroupRow, groupInfoView, MemberRow, MyGroupRow, myGroupView, previewView } from '../../../app/lib/groups/views';
import { SQL as GROUPS_SQL } from '../../../app/repository/groups';
import { addMembers, circle, createGroup, execute, listen, query, routes, user, User } from './support';

// Park-Miller: the same rounds on every run; SEED picks another sequence.
function prng(seed: number) {
  let state = (Math.abs(Math.floor(seed)) % 2147483646) + 1;
  return () => {
    state = (state * 48271) % 2147483647;
    return (state - 1) / 2147483646;
  };
}

const NAMES = [ '张三', '李四', 'bob', 'Bob', 'Émile', 'émile', '😀smile', 'Ｚeta', '_under', '(x)', '钱多多', 'alice' ];
const ok = (data: unknown) => JSON.stringify({ msg: 'ok', data });
const timezone = () => app.config.im.user.timezone;

async function groupOf(id: number): Promise<GroupRow | undefined> {
  return (await query<GroupRow>(GROUPS_SQL.findGroup, { id }))[0];
}

/** groupinfo as a member sees it, built from the tables now; null: the group is missing or banned (404). */
async function expectedInfo(id: number): Promise<string | null> {
  const group = await groupOf(id);
  if (!group || group.status !== 1) return null;
  const members = await query<MemberRow>(GROUPS_SQL.listMembers, { groupId: id, limit: app.config.im.groups.maxMembers });
  return ok(groupInfoView(group, members, timezone()));
}

async function expectedPreview(id: number): Promise<string> {
  const ids = await query<{ user_id: number }>(GROUPS_SQL.listMemberIds, { groupId: id, limit: app.config.im.groups.maxMembers });
  return ok(previewView((await groupOf(id))!, ids.map(row => row.user_id), timezone()));
}

async function expectedList(userId: number, offset: number, limit: number): Promise<string> {
  const rows = await query<MyGroupRow>(GROUPS_SQL.listUserGroups, { userId, offset, limit });
  return ok(rows.map(row => myGroupView(row, timezone())));
}

describe('groups: groupinfo from its version, grouplist batched per turn', () => {
  const server = listen();
  const { post } = routes(server);
  // The raw bytes of an answer (routes() parses them).
  const raw = async (path: string, who: User) => {
    const res = await fetch(`${server.base}/api/chat/${path}`, { headers: { token: who.token } });
    return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
  };

  it('groupinfo equals the uncached answer byte for byte after random changes of every kind, by the API and by SQL', async () => {
    const random = prng(Number(process.env.SEED ?? 11));
    const pick = <T>(list: T[]): T => list[Math.floor(random() * list.length)];
    const name = () => pick(NAMES) + (random() < 0.5 ? String(Math.floor(random() * 100)) : '');

    const [ owner, reader, ...friends ] = await circle([ 'owner01', 'reader1', 'member1', 'member2', 'member3', 'member4' ]);
    const id = await createGroup(server, owner, [ reader, ...friends ]);
    const quiet: User[] = [];
    for (let i = 0; i < 12; i++) quiet.push(await user(`quiet${i}`, { username: `quiet${i}`, nickname: name() } as any));
    await addMembers(id, quiet.map(q => q.id));
    const others = [ ...friends, ...quiet ];

    let builds = 0;
    const build = app.repos.groups.listMembers.bind(app.repos.groups);
    mock(app.repos.groups, 'listMembers', (...args: Parameters<typeof build>) => {
      builds++;
      return build(...args);
    });
    const check = async (round: string) => {
      const expected = await expectedInfo(id);
      for (let twice = 0; twice < 2; twice++) {
        const res = await raw(`groupinfo/${id}`, reader);
        if (expected === null) {
          assert.equal(res.status, 404, `${round}: ${res.text}`);
          continue;
        }
        assert.equal(res.status, 200, `${round}: ${res.text}`);
        assert.equal(res.type, 'application/json; charset=utf-8');
        assert.equal(res.text, expected, round);
      }
    };

    await check('start');
    // The second request was served from the version.
    assert.equal(builds, 1);

    const setUser = async (column: string, value: unknown, who = pick(others)) => {
      await execute(`UPDATE \`user\` SET \`${column}\` = :value WHERE id = :id`, { value, id: who.id });
      return `user ${who.id} ${column} by SQL`;
    };
    const changes: Array<() => Promise<string>> = [
      async () => {
        const res = await post('groupUpdateName', owner, { id, name: name() || 'g' });
        // 404 while the group is banned.
        assert.ok([ 200, 404 ].includes(res.status), JSON.stringify(res.body));
        return `name by the API (${res.status})`;
      },
      async () => {
        const res = await post('groupremark', owner, { id, remark: name() });
        assert.ok([ 200, 404 ].includes(res.status), JSON.stringify(res.body));
        return `remark by the API (${res.status})`;
      },
      async () => {
        // A friend may be an applicant, gone or out of the group by now (403); 404 while the group is banned.
        const who = pick([ reader, ...friends ]);
        const res = await post('groupnickname', who, { id, nickname: name() });
        assert.ok(res.status === 200 || res.status === 404 || (who !== reader && res.status === 403), JSON.stringify(res.body));
        return `nickname in the group of ${who.id} by the API (${res.status})`;
      },
      async () => {
        const who = pick(friends);
        const res = await post('updateUserinfo', who, { fieldname: 'nickname', fieldValue: name() || 'x' });
        // A user made gone or a visitor by SQL is refused.
        assert.ok([ 200, 401, 403 ].includes(res.status), JSON.stringify(res.body));
        return `nickname of ${who.id} by the API (${res.status})`;
      },
      async () => {
        const who = pick(friends);
        const res = await post('updateUserinfo', who, { fieldname: 'avatar', fieldValue: `https://example.com/${Math.floor(random() * 1e6)}.png` });
        assert.ok([ 200, 401, 403 ].includes(res.status), JSON.stringify(res.body));
        return `avatar of ${who.id} by the API (${res.status})`;
      },
      async () => {
        const who = pick(others);
        // Only the letter case: the collation says equal, the answer shows the difference.
        await execute('UPDATE `user` SET username = IF(BINARY username = UPPER(username), LOWER(username), UPPER(username)) WHERE id = :id', { id: who.id });
        return `username case of ${who.id} by SQL`;
      },
      () => setUser('status', random() < 0.5 ? 0 : 1),
      () => setUser('is_deleted', random() < 0.5 ? 0 : 1),
      () => setUser('role', pick([ 'user', 'visitor' ])),
      async () => {
        const who = pick(others);
        await execute('UPDATE chat_group_user SET avatar = :avatar, `order` = :order WHERE group_id = :id AND user_id = :user',
          { avatar: `https://m.example/${Math.floor(random() * 1e6)}.png`, order: Math.floor(random() * 100), id, user: who.id });
        return `membership avatar and order of ${who.id} by SQL`;
      },
      async () => {
        const who = pick(others);
        const [ row ] = await query<{ status: number }>('SELECT status FROM chat_group_user WHERE group_id = :id AND user_id = :user', { id, user: who.id });
        if (row) await execute('DELETE FROM chat_group_user WHERE group_id = :id AND user_id = :user', { id, user: who.id });
        else await addMembers(id, [ who.id ], random() < 0.3 ? 2 : 1);
        return `membership of ${who.id} ${row ? 'removed' : 'added'} by SQL`;
      },
      async () => {
        const who = pick(others);
        await execute('UPDATE chat_group_user SET status = 3 - status WHERE group_id = :id AND user_id = :user', { id, user: who.id });
        return `member/applicant flip of ${who.id} by SQL`;
      },
      async () => {
        await execute('UPDATE chat_group SET status = 3 - status WHERE id = :id', { id });
        return 'ban flip by SQL';
      },
      async () => {
        await execute('UPDATE chat_group SET avatar = :avatar, invite_confirm = :ic, `order` = :order WHERE id = :id',
          { avatar: `https://g.example/${Math.floor(random() * 1e6)}.png`, ic: Math.floor(random() * 3), order: Math.floor(random() * 100), id });
        return 'group avatar, invite_confirm and order by SQL';
      },
      async () => {
        await execute('UPDATE chat_group SET create_time = create_time - INTERVAL 1 SECOND WHERE id = :id', { id });
        return 'group create_time by SQL';
      },
    ];
    for (let round = 0; round < 40; round++) {
      const done = await pick(changes)();
      await check(`round ${round}: ${done}`);
    }
    // Changes that touch nothing groupinfo shows keep the kept answer.
    await execute('UPDATE chat_group SET status = 1 WHERE id = :id', { id });
    await check('live again');
    const before = builds;
    await execute('UPDATE chat_group_user SET join_seq = join_seq + 1, update_time = NOW(3) WHERE group_id = :id', { id });
    await execute('UPDATE `user` SET update_time = NOW(3) WHERE id = :id', { id: reader.id });
    await check('unseen columns');
    assert.equal(builds, before);
  });

  it('concurrent groupinfo and grouplist requests each get their own answer; pages of one turn share a statement', async () => {
    const [ owner, a, b, c ] = await circle([ 'owner01', 'member1', 'member2', 'member3' ]);
    const stranger = await user('stranger');
    const groups: number[] = [];
    for (let i = 0; i < 5; i++) groups.push(await createGroup(server, owner, i % 2 ? [ a, b ] : [ a, c ]));
    await execute('UPDATE chat_group SET name = CONCAT(\'g\', id)');

    const lists: Array<[User, number, number]> = [[ owner, 1, 3 ], [ owner, 2, 3 ], [ a, 1, 10 ], [ b, 1, 2 ], [ c, 1, 30 ], [ c, 9, 30 ], [ stranger, 1, 5 ], [ a, 1, 10 ]];
    const infos: Array<[User, number]> = groups.flatMap(id => [[ owner, id ], [ b, id ], [ c, id ]] as Array<[User, number]>);
    for (let round = 0; round < 3; round++) {
      const answers = await Promise.all([
        ...lists.map(([ who, page, limit ]) => raw(`grouplist/${page}?limit=${limit}`, who)),
        ...infos.map(([ who, id ]) => raw(`groupinfo/${id}`, who)),
      ]);
      for (const [ i, [ who, page, limit ]] of lists.entries()) {
        assert.equal(answers[i].status, 200);
        assert.equal(answers[i].text, await expectedList(who.id, (page - 1) * limit, limit), `grouplist ${who.username} ${page} ${limit}`);
      }
      for (const [ j, [ who, id ]] of infos.entries()) {
        const res = answers[lists.length + j];
        const member = (await query('SELECT 1 FROM chat_group_user WHERE group_id = :id AND user_id = :user AND status = 1', { id, user: who.id })).length > 0;
        assert.equal(res.status, 200, res.text);
        assert.equal(res.text, member ? await expectedInfo(id) : await expectedPreview(id), `groupinfo ${id} as ${who.username}`);
      }
      // A change is seen by the next requests.
      await post('groupUpdateName', owner, { id: groups[round], name: `renamed${round}` });
      await execute('UPDATE `user` SET nickname = :n WHERE id = :id', { n: `nick${round}`, id: a.id });
    }

    // The repository's batch, asked in one turn: each key its own rows, as the plain statement reads them.
    const keys: Array<[number, number, number]> = [[ owner.id, 0, 3 ], [ owner.id, 3, 3 ], [ a.id, 0, 10 ], [ b.id, 0, 2 ], [ stranger.id, 0, 5 ], [ owner.id, 0, 3 ]];
    const batched = await Promise.all(keys.map(([ userId, offset, limit ]) => app.repos.groups.listUserGroups(userId, offset, limit)));
    for (const [ i, [ userId, offset, limit ]] of keys.entries()) {
      const alone = JSON.stringify(await query<MyGroupRow>(GROUPS_SQL.listUserGroups, { userId, offset, limit }));
      assert.equal(JSON.stringify(batched[i]), alone, `listUserGroups ${keys[i]}`);
    }
    assert.ok(batched[0].length === 3 && batched[1].length === 2 && batched[4].length === 0);
    // Equal keys share the rows.
    assert.equal(batched[0], batched[5]);
  });
});
